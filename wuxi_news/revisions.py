"""Revision-keeping admin shared by every app (django-reversion)."""

from contextlib import contextmanager

import reversion
from reversion.admin import VersionAdmin


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


class FinalStateVersionAdmin(VersionAdmin):
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
