import datetime

import reversion
from django.contrib import admin
from django.utils import timezone

from wuxi_news.revisions import FinalStateVersionAdmin, GuardedVersionAdmin

from .forms import AppointmentFormSet
from .models import Appointment, Organization, Person, Position

if not reversion.is_registered(Appointment):
    reversion.register(Appointment)
if not reversion.is_registered(Person):
    reversion.register(Person, follow=["appointments"])


@admin.register(Organization)
class OrganizationAdmin(GuardedVersionAdmin):
    list_display = ["name", "kind", "parent", "rank"]
    list_filter = ["kind"]
    search_fields = ["name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


@admin.register(Position)
class PositionAdmin(GuardedVersionAdmin):
    list_display = ["title", "organization", "rank", "acting_title"]
    list_filter = ["organization__kind", "organization"]
    search_fields = ["title", "organization__name"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]
    ordering = ["rank", "title"]


class AppointmentInline(admin.TabularInline):
    model = Appointment
    formset = AppointmentFormSet
    extra = 1
    autocomplete_fields = ["position"]
    fields = ["position", "started_on", "ended_on", "is_acting"]


@admin.register(Person)
class PersonAdmin(FinalStateVersionAdmin):
    list_display = ["name", "note", "current_titles", "has_namesakes"]
    search_fields = ["name", "note", "appointments__position__title"]
    list_filter = ["appointments__position__organization", "has_namesakes"]
    inlines = [AppointmentInline]
    fields = ["name", "note", "has_namesakes", "bio"]

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


@admin.register(Appointment)
class AppointmentAdmin(GuardedVersionAdmin):
    list_display = ["person", "position", "started_on", "ended_on", "is_acting"]
    list_filter = ["position__organization", "is_acting"]
    search_fields = ["person__name", "position__title"]
    list_select_related = ["person", "position"]
    autocomplete_fields = ["person", "position"]
    date_hierarchy = "started_on"
