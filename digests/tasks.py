"""Background tasks (django-tasks; the database backend runs them in `db_worker`)."""

from django.conf import settings
from django_tasks import task

from .archive import ArchiveError, is_zip, page_count
from .importing import fail_interrupted_imports, run_page_import
from .models import PageImport


@task()
def import_uploaded_pages(page_import_id: int) -> str:
    """Import a large upload of old pages outside the editor's request."""
    # A worker that starts after one was killed finds its import left 导入中.
    fail_interrupted_imports()
    page_import = PageImport.objects.get(pk=page_import_id)
    return run_page_import(page_import=page_import).status


def start_page_import(*, page_import: PageImport, by) -> bool:
    """Import an upload now, or in the background when it holds many pages.

    The pages are counted from the ZIP's central directory, without reading them.
    Returns whether it was left to the background task.
    """
    try:
        with page_import.upload.open("rb") as upload:
            head = upload.read(4)
            upload.seek(0)
            count = page_count(upload) if is_zip(head) else 1
    except (ArchiveError, OSError):
        count = 1  # refused at once, with the reason in the report
    if count <= settings.PAGE_IMPORT_BACKGROUND_FILES:
        run_page_import(page_import=page_import, by=by)
        return False
    import_uploaded_pages.enqueue(page_import.pk)
    return True
