"""Stale saves: a form carries the `updated_at` it was opened with, and a save from a
page opened before someone else's save is refused, naming them (no silent overwrite).

For every model editors change in the admin (articles, digests, photos, officials); the
model needs `updated_at` (auto_now) and may have `updated_by`.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .staff import display_name

STALE_MESSAGE = (
    "保存被拒绝:你打开此页面后,{who}于 {when} 修改并保存了它。"
    "为避免覆盖对方的修改,请先复制你改动的内容,重新打开本页,再把改动加上。"
)
STALE_STEP_MESSAGE = (
    "操作被拒绝:你打开此页面后,{who}于 {when} 修改并保存了它。"
    "请重新打开本页,看过最新内容后再操作。"
)


def check_not_stale(
    *, obj: models.Model, seen: str | None, message: str = STALE_MESSAGE
) -> None:
    """Refuse to act on `obj` from a page opened (`seen`: its `updated_at` then) before
    someone else's save; a page that sent no marker is refused too."""
    rows = type(obj)._default_manager.filter(pk=obj.pk)
    has_author = any(f.name == "updated_by" for f in obj._meta.get_fields())
    current = (rows.select_related("updated_by") if has_author else rows).first()
    if current and current.updated_at.isoformat() != (seen or ""):
        who = current.updated_by if has_author else None
        when = timezone.localtime(current.updated_at).strftime("%Y-%m-%d %H:%M:%S")
        raise ValidationError(
            message.format(who=display_name(who) if who else "其他人", when=when),
            code="stale",
        )


class StaleSaveFormMixin(forms.Form):
    """Refuses a save from a form opened before someone else's save."""

    seen_updated_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.updated_at:
            self.initial["seen_updated_at"] = self.instance.updated_at.isoformat()

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk:
            check_not_stale(obj=self.instance, seen=cleaned_data.get("seen_updated_at"))
        return cleaned_data
