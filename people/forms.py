from django import forms
from django.core.exceptions import ValidationError

OVERLAP_MESSAGE = (
    "此人在这段时间已担任该职务,任职时间不能重叠。请修改日期或先结束原任职。"
)


def _overlaps(a: dict, b: dict) -> bool:
    far = a["started_on"].max
    return a["started_on"] <= (b.get("ended_on") or far) and b["started_on"] <= (
        a.get("ended_on") or far
    )


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
            for other in rows:
                if other["position"] == data["position"] and _overlaps(other, data):
                    form.add_error(None, OVERLAP_MESSAGE)
                    raise ValidationError(
                        f"{data['position']}:同一职务的两条任职时间重叠。{OVERLAP_MESSAGE}"
                    )
            rows.append(data)
