"""Revision-keeping admin shared by every app (django-reversion)."""

from contextlib import contextmanager

import reversion
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from reversion.admin import VersionAdmin
from reversion.models import Revision, Version


def _add_fresh_to_revision(obj) -> None:
    # Reloaded: the admin's object may carry relations prefetched before the save.
    reversion.add_to_revision(type(obj)._default_manager.get(pk=obj.pk))


@contextmanager
def revision(*, user, comment: str = ""):
    """Record what the block saves as one revision signed by `user`."""
    with reversion.create_revision():
        reversion.set_user(user)
        if comment:
            reversion.set_comment(comment)
        yield


class GuardedVersionAdmin(VersionAdmin):
    """History with the admin's own rules: a restore or recover changes nothing the
    user could not change by hand.

    django-reversion restores a whole revision (the object and everything it follows,
    e.g. an article's photos, which other articles may share) before the change form
    checks anything, and finds versions by id alone. Here a version must belong to
    this model (and object), and the user must be allowed to change, as things stand
    now, every registered object the revision would bring back.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # 另存为新 is not offered; sent anyway from a restore page, the old revision
        # would stay in the database while only the copy got the admin's checks.
        if "_saveasnew" in request.POST and not self.save_as:
            raise PermissionDenied
        # On a restore page this runs right after the revision was reverted, in the
        # same transaction: put back the publication states it must not change.
        for model, pk, state in getattr(request, "_revision_workflow_states", ()):
            model._default_manager.filter(pk=pk).update(**state)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        # The history lists unpublished text (a draft's items, a headline in review):
        # only for those who may change such items, not for a view-only role (导出).
        if not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        version = get_object_or_404(Version.objects.get_for_object(obj), pk=version_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        self._check_revision(request, version.revision)
        self._keep_workflow_states(request, version.revision)
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        version = get_object_or_404(
            Version.objects.get_deleted(self.model), pk=version_id
        )
        if not self.has_add_permission(request):
            raise PermissionDenied
        self._check_revision(request, version.revision)
        self._keep_workflow_states(request, version.revision)
        return super().recover_view(request, version_id, extra_context)

    def _keep_workflow_states(self, request, revision: Revision) -> None:
        """Remember the publication state of every article or digest the revision holds.

        A revision restored from a photo's history also holds the articles saved with
        it; they keep their state as things stand now, and one that no longer exists
        comes back as a draft (the admins with a workflow name its fields).
        """
        states = []
        for version in revision.version_set.select_related("content_type"):
            model = version.content_type.model_class()
            if not self.admin_site.is_registered(model):
                continue
            model_admin = self.admin_site.get_model_admin(model)
            fields = getattr(model_admin, "workflow_fields", None)
            if not fields:
                continue
            current = (
                model._default_manager.filter(pk=version.object_id)
                .values(*fields)
                .first()
            )
            states.append(
                (model, version.object_id, current or model_admin.draft_state)
            )
        request._revision_workflow_states = states

    def _check_revision(self, request, revision: Revision) -> None:
        for version in revision.version_set.select_related("content_type"):
            model = version.content_type.model_class()
            if not self.admin_site.is_registered(model):
                continue  # rows edited only inline (placements, briefs)
            model_admin = self.admin_site.get_model_admin(model)
            current = model._default_manager.filter(pk=version.object_id).first()
            allowed = (
                model_admin.has_change_permission(request, current)
                if current is not None
                else model_admin.has_add_permission(request)
            )
            if not allowed:
                raise PermissionDenied


class FinalStateVersionAdmin(GuardedVersionAdmin):
    """Records a revision of the object as it stands after its inlines are saved.

    With automatic tracking, the parent's save would record inline rows the same
    request then deletes, so restoring that revision would bring them back.
    """

    @contextmanager
    def create_revision(self, request):
        with reversion.create_revision(manage_manually=True):
            reversion.set_user(request.user)
            yield

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        if reversion.is_active():
            _add_fresh_to_revision(obj)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if reversion.is_active():
            _add_fresh_to_revision(obj)
        return entry
