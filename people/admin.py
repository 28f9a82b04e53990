import datetime

import reversion
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from wuxi_news.revisions import FinalStateVersionAdmin, GuardedVersionAdmin
from wuxi_news.stale import RecordsEditorAdminMixin

from .editorial import load_register
from .forms import (
    AppointmentForm,
    AppointmentFormSet,
    OrganizationForm,
    PersonForm,
    PositionForm,
)
from .models import (
    Appointment,
    ExpressionRule,
    Organization,
    Person,
    Position,
    ProtocolTier,
)

# The patrol of published pages lives in the site layer; it is linked by its URL name.
PATROL_URL = "admin:editorial_patrol"


def offer_patrol(request, what: str) -> None:
    """After a change the check depends on, offer to re-check what is already public."""
    try:
        url = reverse(PATROL_URL) + "?run=1"
    except NoReverseMatch:
        return
    if request.user.has_perm("articles.review_article") or request.user.has_perm(
        "articles.publish_article"
    ):
        messages.info(
            request,
            format_html(
                '{}已保存。<a href="{}">用它重新检查已发布的稿件和每周要闻</a>。',
                what,
                url,
            ),
        )


def parse_day(value: str) -> tuple[datetime.date, str]:
    """The day asked for with ?day=YYYY-MM-DD (today when absent), and any error."""
    if not value:
        return timezone.localdate(), ""
    try:
        return datetime.date.fromisoformat(value), ""
    except ValueError:
        return timezone.localdate(), "日期格式应为 2024-12-10。"


if not reversion.is_registered(Appointment):
    reversion.register(Appointment)
if not reversion.is_registered(Person):
    reversion.register(Person, follow=["appointments"])


@admin.register(Organization)
class OrganizationAdmin(RecordsEditorAdminMixin, GuardedVersionAdmin):
    form = OrganizationForm
    list_display = ["name", "kind", "parent", "rank"]
    list_filter = ["kind"]
    search_fields = ["name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


@admin.register(Position)
class PositionAdmin(RecordsEditorAdminMixin, GuardedVersionAdmin):
    form = PositionForm
    list_display = ["title", "organization", "rank", "acting_title"]
    list_filter = ["organization__kind", "organization"]
    search_fields = ["title", "organization__name"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]
    ordering = ["rank", "title"]

    def get_urls(self):
        return [
            path(
                "holders/",
                self.admin_site.admin_view(self.holders_view),
                name="people_position_holders",
            ),
            *super().get_urls(),
        ]

    def holders_view(self, request):
        """Every office and who held it on a chosen day: what the check believes."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        day, day_error = parse_day(request.GET.get("day", ""))
        register = load_register()
        offices = sorted(
            register.offices.values(),
            key=lambda o: (o.rank, o.organization_rank, o.title),
        )
        rows = [
            (office, register.holders_on(office.position_id, day)) for office in offices
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{day.isoformat()} 各职务的任职人",
            "day": day,
            "day_error": day_error,
            "rows": rows,
        }
        return TemplateResponse(request, "admin/people/position/holders.html", context)


class AppointmentInline(admin.TabularInline):
    model = Appointment
    formset = AppointmentFormSet
    extra = 1
    autocomplete_fields = ["position"]
    fields = ["position", "started_on", "ended_on", "is_acting"]


@admin.register(Person)
class PersonAdmin(RecordsEditorAdminMixin, FinalStateVersionAdmin):
    list_display = ["name", "note", "current_titles", "has_namesakes"]
    search_fields = ["name", "note", "appointments__position__title"]
    list_filter = ["appointments__position__organization", "has_namesakes"]
    inlines = [AppointmentInline]
    form = PersonForm
    fields = ["name", "note", "has_namesakes", "bio", "seen_updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_appointments()

    @admin.display(description="现任职务")
    def current_titles(self, person):
        return person.title_text_on(timezone.localdate()) or "—"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Show the titles held today, or on the day asked for with ?day=YYYY-MM-DD."""
        day, day_error = timezone.localdate(), ""
        if request.GET.get("day"):
            try:
                day = datetime.date.fromisoformat(request.GET["day"])
            except ValueError:
                day_error = "日期格式应为 2024-12-10。"
        person = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "titles_day": day,
            "titles_day_error": day_error,
            "titles_on_day": person.title_text_on(day) if person else "",
            "titles_today": person.title_text_on(timezone.localdate())
            if person
            else "",
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if any(formset.has_changed() for formset in formsets):
            offer_patrol(request, "任职")


@admin.register(Appointment)
class AppointmentAdmin(RecordsEditorAdminMixin, GuardedVersionAdmin):
    form = AppointmentForm
    list_display = ["person", "position", "started_on", "ended_on", "is_acting"]
    list_filter = ["position__organization", "is_acting"]
    search_fields = ["person__name", "position__title"]
    list_select_related = ["person", "position"]
    autocomplete_fields = ["person", "position"]
    date_hierarchy = "started_on"

    def save_model(self, request, obj, form, change):
        if change and obj.person_id != form.initial.get("person"):
            touch_person(Person.objects.get(pk=form.initial["person"]), request.user)
        super().save_model(request, obj, form, change)
        touch_person(obj.person, request.user)
        offer_patrol(request, "任职")

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        touch_person(obj.person, request.user)

    def delete_queryset(self, request, queryset):
        people = list(Person.objects.filter(appointments__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for person in people:
            touch_person(person, request.user)


def touch_person(person: Person, user) -> None:
    """An appointment changed on its own page changes its official's register entry:
    the official's page opened before it must not save its older appointments back."""
    Person.objects.filter(pk=person.pk).update(
        updated_at=timezone.now(), updated_by=user
    )


@admin.register(ProtocolTier)
class ProtocolTierAdmin(GuardedVersionAdmin):
    list_display = ["__str__", "order", "kind", "title"]
    list_editable = ["order"]
    list_filter = ["kind"]
    search_fields = ["title"]
    ordering = ["order", "pk"]


@admin.register(ExpressionRule)
class ExpressionRuleAdmin(GuardedVersionAdmin):
    list_display = [
        "wrong_form", "right_form", "severity", "kind", "valid_from", "valid_to",
        "is_active",
    ]  # fmt: skip
    list_filter = ["severity", "kind", "is_regex", "is_active"]
    search_fields = ["wrong_form", "right_form", "note"]
    fieldsets = [
        (None, {"fields": ["kind", ("wrong_form", "is_regex"), "right_form",
                           "severity", "is_active"]}),
        ("适用范围", {"fields": [("valid_from", "valid_to"),
                                 ("not_before", "not_after")]}),
        ("依据", {"fields": ["source_url", "note"]}),
    ]  # fmt: skip

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "source_url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        offer_patrol(request, "规范表述")
