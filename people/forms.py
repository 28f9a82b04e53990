from django import forms
from django.core.exceptions import ValidationError

from wuxi_news.stale import StaleSaveFormMixin

from .models import Appointment, Organization, Person, Position


class PersonForm(StaleSaveFormMixin, forms.ModelForm):
    class Meta:
        model = Person
        fields = ["name", "note", "bio"]


class OrganizationForm(StaleSaveFormMixin, forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "kind", "parent", "rank"]


class PositionForm(StaleSaveFormMixin, forms.ModelForm):
    class Meta:
        model = Position
        fields = ["title", "acting_title", "organization", "rank"]


class AppointmentForm(StaleSaveFormMixin, forms.ModelForm):
    class Meta:
        model = Appointment
        fields = ["person", "position", "started_on", "ended_on", "is_acting"]


class AppointmentFormSet(forms.BaseInlineFormSet):
    """Rows submitted together are checked against each other too, not only the database."""

    def clean(self):
        super().clean()
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("position"):
                continue
            if not data.get("started_on"):
                continue
            appointment = form.instance
            for other in rows:
                if appointment.overlaps(other):
                    form.add_error(None, appointment.OVERLAP_MESSAGE)
                    raise ValidationError(
                        f"{data['position']}:同一职务的两条任职时间重叠。"
                        f"{appointment.OVERLAP_MESSAGE}"
                    )
            rows.append(appointment)
