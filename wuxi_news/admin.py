"""The user admin of the site layer: staff get one 姓名 field, required for newsroom roles."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from .staff import StaffChangeForm, StaffCreationForm

admin.site.unregister(User)


@admin.register(User)
class StaffAdmin(UserAdmin):
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
