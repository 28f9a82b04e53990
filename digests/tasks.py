"""Background tasks (django-tasks; the database backend runs them in `db_worker`)."""

from django.conf import settings
from django_tasks import task

from .archive import ArchiveError, is_zip, read_archive
from .importing import run_page_import
from .models import PageImport


@task()
def import_uploaded_pages(page_import_id: int) -> str:
    """Import a large upload of old pages outside the editor's request."""
    page_import = PageImport.objects.get(pk=page_import_id)
    return run_page_import(page_import=page_import).status


def start_page_import(*, page_import: PageImport, by) -> bool:
    """Import an upload now, or in the background when it holds many pages.

    Returns whether it was left to the background task.
    """
    with page_import.upload.open("rb") as upload:
        raw = upload.read()
    try:
        count = len(read_archive(raw)) if is_zip(raw) else 1
    except ArchiveError:
        count = 1  # refused at once, with the reason in the report
    if count <= settings.PAGE_IMPORT_BACKGROUND_FILES:
        run_page_import(page_import=page_import, by=by)
        return False
    import_uploaded_pages.enqueue(page_import.pk)
    return True
