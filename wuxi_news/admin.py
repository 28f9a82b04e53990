"""Admin of the site layer: staff logins with a 姓名, and django-axes in Chinese."""

from axes.admin import AccessAttemptAdmin, AccessLogAdmin, IsLockedOutFilter
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User

from .models import PurgeRetry
from .staff import StaffChangeForm, StaffCreationForm

admin.site.unregister(User)
admin.site.unregister(Group)
admin.site.unregister(AccessAttempt)
admin.site.unregister(AccessLog)
# Axes writes no failure log unless AXES_ENABLE_ACCESS_FAILURE_LOG is on; the attempts
# already count the failures per login and address, so the empty list goes.
admin.site.unregister(AccessFailureLog)

# Permissions an editor's role can usefully hold; the rest (log entries, sessions,
# content types, revisions) are kept out of the lists.
PERMISSION_APPS = ["articles", "digests", "people", "media", "auth", "axes"]
PERMISSION_ACTIONS = {"add": "增加", "change": "修改", "delete": "删除", "view": "查看"}


class PermissionField(forms.ModelMultipleChoiceField):
    """Permissions named in Chinese: Django stores “Can add 稿件” in the database."""

    def label_from_instance(self, permission):
        model = permission.content_type.model_class()
        action, _, model_name = permission.codename.partition("_")
        if model is None:
            return permission.name
        if action in PERMISSION_ACTIONS and model_name == model._meta.model_name:
            name = PERMISSION_ACTIONS[action] + str(model._meta.verbose_name)
        else:
            name = permission.name
        return f"{model._meta.app_config.verbose_name} | {name}"


class OfferedPermissionsMixin:
    """Offer only PERMISSION_APPS' permissions, keeping any other a row already has."""

    permission_field = "permissions"

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == self.permission_field:
            kwargs["form_class"] = PermissionField
            kwargs["queryset"] = Permission.objects.filter(
                content_type__app_label__in=PERMISSION_APPS
            ).select_related("content_type")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        held = getattr(form.instance, self.permission_field)
        hidden = list(held.exclude(content_type__app_label__in=PERMISSION_APPS))
        super().save_related(request, form, formsets, change)
        held.add(*hidden)


@admin.register(Group)
class RoleAdmin(OfferedPermissionsMixin, GroupAdmin):
    list_display = ["name"]
    list_filter = []


@admin.register(User)
class StaffAdmin(OfferedPermissionsMixin, UserAdmin):
    form = StaffChangeForm
    add_form = StaffCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("first_name", "email")}),
        (
            "角色与权限",
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        ("重要日期", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        ("姓名与角色", {"fields": ("first_name", "is_staff", "groups")}),
    )
    list_display = ("username", "first_name", "roles", "is_staff", "is_superuser")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("username", "first_name", "last_name", "email")
    filter_horizontal = ("user_permissions",)
    permission_field = "user_permissions"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="角色")
    def roles(self, user):
        return "、".join(group.name for group in user.groups.all())

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            # Five roles: checkboxes read better than a two-pane picker.
            kwargs["widget"] = forms.CheckboxSelectMultiple
            kwargs["help_text"] = "采编角色,可多选;加入前须填写姓名。"
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(AccessAttempt)
class LoginAttemptAdmin(AccessAttemptAdmin):
    """Axes' admin with Chinese column headings and message (the rest: locale/).

    Staff see who, from where, when, how many failures and whether it is locked; not
    the raw form data (a CSRF token, a masked password) or the browser's own string.
    Deleting an attempt unlocks that login at that address.
    """

    list_display = [
        "username", "ip_address", "attempt_time", "failures_since_start", "status",
        "expiration",
    ]  # fmt: skip
    list_filter = ["attempt_time", IsLockedOutFilter]
    search_fields = ["username", "ip_address"]
    fieldsets = [(None, {"fields": list_display})]
    readonly_fields = list_display

    @admin.display(description="状态")
    def status(self, obj):
        left = settings.AXES_FAILURE_LIMIT - obj.failures_since_start
        return f"还可尝试 {left} 次" if left > 0 else "已锁定"

    @admin.display(description="到期时间")
    def expiration(self, obj):
        return super().expiration(obj)

    @admin.action(description="清除过期的登录尝试")
    def cleanup_expired_attempts(self, request, queryset):
        count = self.handler.clean_expired_user_attempts(request=request)
        self.message_user(request, f"已清除 {count} 条过期的登录尝试。")


@admin.register(AccessLog)
class LoginLogAdmin(AccessLogAdmin):
    """Successful logins: who, from where, when they came and left."""

    list_display = ["username", "ip_address", "attempt_time", "logout_time"]
    list_filter = ["attempt_time", "logout_time"]
    search_fields = ["username", "ip_address"]
    fieldsets = [(None, {"fields": list_display})]
    readonly_fields = list_display


PURGER_NAMES = {
    "NginxRefreshPurger": "本机 nginx 微缓存",
    "HttpPurger": "前端缓存或 CDN(PURGE)",
    "RecordingPurger": "记录(测试)",
}


@admin.register(PurgeRetry)
class PurgeRetryAdmin(admin.ModelAdmin):
    """Failed purges, as the publish worker retries them: read-only."""

    list_display = ["path", "purger_name", "attempts", "last_error", "next_attempt_at"]
    search_fields = ["path"]

    @admin.display(description="刷新方式", ordering="purger")
    def purger_name(self, retry):
        return PURGER_NAMES.get(retry.purger.rsplit(".", 1)[-1], retry.purger)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
