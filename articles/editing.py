"""Editing safely in the admin, for articles and digests alike: one home for the rules.

- **Soft locks.** Opening a change form one may edit takes the lock, unless someone
  else holds it (then the page says who and since when, with a link to take over).
  The open page keeps its lock alive with a heartbeat and gives it back when it is
  left; saving and every workflow action release it. A lock whose page stopped
  beating for `LOCK_TTL` means nothing, so a warning always reflects real activity.
- **Stale saves** (`wuxi_news/stale.py`, shared with photos and officials), and a save
  while someone else holds the lock (whoever took over is not overwritten), are refused.
- **Workflow-safe restores.** Restoring a revision brings back content, never an old
  publication state.
"""

import datetime
import html
import re

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, strip_tags
from django.views.decorators.http import require_POST

from wuxi_news.staff import display_name
from wuxi_news.stale import StaleSaveFormMixin

from .models import EditLock

# The page beats every HEARTBEAT; a lock without a beat for LOCK_TTL is over. Browsers
# slow timers in background tabs to about once a minute, hence the margin.
HEARTBEAT = datetime.timedelta(seconds=30)
LOCK_TTL = datetime.timedelta(minutes=3)

TAKEN_OVER_MESSAGE = (
    "保存被拒绝:{who}自 {when} 起正在编辑它(接管了编辑)。"
    "为避免覆盖对方的修改,请先复制你改动的内容,等对方保存后重新打开本页,再把改动加上。"
)

# --- Locks ---


def _lock_rows(obj: models.Model):
    return EditLock.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    )


def live_locks(now: datetime.datetime | None = None):
    """Locks whose page is still beating: what someone really has open."""
    return EditLock.objects.filter(seen_at__gte=(now or timezone.now()) - LOCK_TTL)


def current_lock(*, obj: models.Model) -> EditLock | None:
    """The lock someone holds on `obj`, if its page is still beating."""
    return (
        live_locks()
        .filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
        .select_related("user")
        .first()
    )


def take_lock(*, obj: models.Model, user) -> EditLock:
    """Mark `obj` as being edited by `user` from now (taking it over if need be)."""
    now = timezone.now()
    lock, _ = EditLock.objects.update_or_create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        defaults={"user": user, "since": now, "seen_at": now},
    )
    return lock


def keep_lock(*, obj: models.Model, user) -> EditLock:
    """A heartbeat from `user`'s open page: their lock, renewed (or taken back if it
    lapsed unclaimed), else the lock of whoever took it over."""
    lock = current_lock(obj=obj)
    if lock is None:
        return take_lock(obj=obj, user=user)
    if lock.user_id == user.pk:
        lock.seen_at = timezone.now()
        _lock_rows(obj).filter(pk=lock.pk).update(seen_at=lock.seen_at)
    return lock


def release_lock(
    *, obj: models.Model, user, since: datetime.datetime | None = None
) -> None:
    """Give back `user`'s lock; with `since`, only the lock taken at that moment (a
    page left during a reload must not release the lock its successor just took)."""
    rows = _lock_rows(obj).filter(user=user)
    if since is not None:
        rows = rows.filter(since=since)
    rows.delete()


# --- Stale saves ---


class EditingFormMixin(StaleSaveFormMixin):
    """A change form that refuses stale saves and saves while someone else edits."""

    user = None  # set per request by the admin (EditingAdminMixin.get_form)

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk and self.user is not None:
            check_not_taken_over(obj=self.instance, user=self.user)
        return cleaned_data


def check_not_taken_over(*, obj: models.Model, user) -> None:
    """Refuse a save while someone else holds the lock: whoever took over editing is
    not overwritten by the page they took it from (the warning promised as much)."""
    lock = current_lock(obj=obj)
    if lock is not None and lock.user_id != user.pk:
        raise ValidationError(
            TAKEN_OVER_MESSAGE.format(
                who=display_name(lock.user),
                when=timezone.localtime(lock.since).strftime("%H:%M"),
            ),
            code="locked",
        )


# --- The admin side ---


def _typed_text(value: str) -> str:
    """What an editor typed, as text: rich text keeps its paragraph breaks."""
    if "<" not in value:
        return value
    value = re.sub(r"(?i)</p>|<br\s*/?>", "\n", value)
    return html.unescape(strip_tags(value)).strip()


def refused_save_response(request, obj, *, reason: str, admin) -> TemplateResponse:
    """A save that may not happen: the reason, and what was typed, so nothing is lost."""
    labels = {}
    for inline in admin.inlines:
        labels |= {n: f.label for n, f in inline.form.base_fields.items() if f.label}
    labels |= {
        f.name: f.verbose_name
        for f in obj._meta.get_fields()
        if hasattr(f, "verbose_name")
    }
    typed = []
    for key, value in request.POST.items():
        name = key.rsplit("-", 1)[-1]
        if name not in labels or not value.strip() or value.strip().isdigit():
            continue
        typed.append((labels[name], _typed_text(value)))
    context = {
        **admin.admin_site.each_context(request),
        "title": "没有保存",
        "opts": admin.opts,
        "original": obj,
        "reason": reason,
        "typed": typed,
    }
    return TemplateResponse(request, "admin/edit_refused.html", context, status=403)


class EditingAdminMixin:
    """Locks, the lock heartbeat and workflow-safe restores for VersionAdmin subclasses."""

    lock_noun = "此条目"
    workflow_fields = ("status", "published_at")
    draft_state = {"status": "draft", "published_at": None}
    read_only_swaps: dict[str, str] = {}

    class Media:
        js = ["articles/edit_lock.js"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if (
            obj is not None
            and request.method == "POST"
            and not self.has_change_permission(request, obj)
            and self.has_view_permission(request, obj)
        ):
            # Typically the item moved on (submitted, reviewed, published) while this
            # page was open: say why, and hand back everything that was typed.
            return refused_save_response(
                request, obj, reason=self.read_only_reason(request, obj), admin=self
            )
        if obj is not None and request.method == "GET":
            if self.has_change_permission(request, obj):
                self._open_for_editing(request, obj)
            elif self.has_view_permission(request, obj):
                messages.warning(request, self.read_only_reason(request, obj))
        response = super().change_view(request, object_id, form_url, extra_context)
        if (
            obj is not None
            and request.method == "POST"
            and response.status_code == 302
            and "_continue" not in request.POST
        ):
            release_lock(obj=obj, user=request.user)
        return response

    def read_only_reason(self, request, obj) -> str:
        return f"你只能查看{self.lock_noun},不能修改。"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user  # a class made for this request
        return form

    def _open_for_editing(self, request, obj) -> None:
        lock = current_lock(obj=obj)
        if lock and lock.user_id != request.user.pk and not request.GET.get("takeover"):
            messages.warning(
                request,
                format_html(
                    "{} 自 {} 起正在编辑{}。同时修改会被拒绝保存;"
                    '如果对方已经离开,可以<a href="?takeover=1">接管编辑</a>。',
                    display_name(lock.user),
                    timezone.localtime(lock.since).strftime("%m月%d日 %H:%M"),
                    self.lock_noun,
                ),
            )
            return
        if lock and lock.user_id != request.user.pk:
            messages.info(
                request, f"你已接管编辑,{display_name(lock.user)}的编辑锁已解除。"
            )
        take_lock(obj=obj, user=request.user)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/lock/",
                self.admin_site.admin_view(require_POST(self.lock_view)),
                name="{}_{}_lock".format(*info),
            ),
            *super().get_urls(),
        ]

    def lock_view(self, request, object_id):
        """The open page's heartbeat (`op=beat`) or goodbye (`op=release`)."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_change_permission(request, obj):
            if not self.has_view_permission(request, obj):
                raise PermissionDenied
            # The item moved on under the open page: tell its editor at once.
            return JsonResponse(
                {
                    "held": False,
                    "message": self.read_only_reason(request, obj)
                    + "你现在保存会被拒绝;请先复制你的改动。",
                }
            )
        if request.POST.get("op") == "release":
            try:
                since = parse_datetime(request.POST.get("token", "") or "")
            except ValueError:  # a forged token: treated as none
                since = None
            if (
                since is not None
            ):  # a page that never learnt its lock leaves it to lapse
                release_lock(obj=obj, user=request.user, since=since)
            return JsonResponse({"held": False})
        lock = keep_lock(obj=obj, user=request.user)
        if lock.user_id == request.user.pk:
            return JsonResponse({"held": True, "token": lock.since.isoformat()})
        return JsonResponse(
            {
                "held": False,
                "message": (
                    f"{display_name(lock.user)} 已于 "
                    f"{timezone.localtime(lock.since):%H:%M} 接管编辑{self.lock_noun}。"
                    "你现在保存会被拒绝;请复制你的改动,重新打开本页。"
                ),
            }
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        # A read-only page has nothing to save (no stale-save marker) and may show some
        # fields as readers read them (`read_only_swaps`: field -> display field).
        swaps = {"seen_updated_at": None, **self.read_only_swaps}
        return [
            (name, {**options, "fields": [
                swaps.get(f, f) for f in options["fields"] if swaps.get(f, f)
            ]})
            for name, options in fieldsets
        ]  # fmt: skip

    def revision_view(self, request, object_id, version_id, extra_context=None):
        # Restoring brings back content, never an old publication state.
        current = self.get_object(request, unquote(object_id))
        if current is not None:
            request._workflow_state = {
                name: getattr(current, name) for name in self.workflow_fields
            }
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        # A recovered item comes back as a draft: it goes through review again.
        request._workflow_state = self.draft_state
        return super().recover_view(request, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        for name, value in (getattr(request, "_workflow_state", None) or {}).items():
            setattr(obj, name, value)
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
