"""Stale saves: a form carries the `updated_at` it was opened with, and a save from a
page opened before someone else's save is refused, naming them (no silent overwrite).

For every model editors change in the admin (articles, digests, photos, officials and
the register's organizations, positions and appointments); the model needs `updated_at`
(auto_now) and may have `updated_by` (`EditedModel` has both).

The check locks the row until the transaction that saves ends (the admin's change view
is one transaction): of two saves at the same instant, the second waits for the first
to commit, then sees its `updated_at` and is refused. Without the lock both would pass
the check and the later commit would silently undo the earlier one.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
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


class EditedModel(models.Model):
    """The row's last save: when (`updated_at`, which a form is opened with) and by
    whom (named when a save from an older page is refused; the admin records it)."""

    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="最后修改人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        abstract = True


def check_not_stale(
    *, obj: models.Model, seen: str | None, message: str = STALE_MESSAGE
) -> None:
    """Refuse to act on `obj` from a page opened (`seen`: its `updated_at` then) before
    someone else's save; a page that sent no marker is refused too.

    Must run in the transaction that then saves or acts: the row stays locked until it
    ends (SQLite's writers are serialized from BEGIN IMMEDIATE instead)."""
    model = type(obj)
    using = router.db_for_write(model, instance=obj)
    if not transaction.get_connection(using).in_atomic_block:
        raise transaction.TransactionManagementError(
            "check_not_stale() must run in the transaction that saves: "
            "outside one, the row lock it takes ends at once."
        )
    has_author = any(f.name == "updated_by" for f in obj._meta.get_fields())
    columns = ["updated_at", "updated_by"] if has_author else ["updated_at"]
    # No join under FOR UPDATE (PostgreSQL refuses it on the nullable author): the
    # author is looked up only when the save is refused.
    current = (
        model._default_manager.using(using)
        .select_for_update()
        .filter(pk=obj.pk)
        .values_list(*columns)
        .first()
    )
    if current and current[0].isoformat() != (seen or ""):
        who = None
        if has_author and current[1] is not None:
            author_model = model._meta.get_field("updated_by").related_model
            who = author_model._default_manager.filter(pk=current[1]).first()
        when = timezone.localtime(current[0]).strftime("%Y-%m-%d %H:%M:%S")
        raise ValidationError(
            message.format(who=display_name(who) if who else "其他人", when=when),
            code="stale",
        )


class RecordsEditorAdminMixin:
    """For the admin of an `EditedModel`: a save records who made it, the name a
    refused save from an older page gives."""

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


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
