"""The staff download of a digest export: /digests/<pk>/export/<format>/."""

import io

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from .exports import FORMATS, ExportError, ExportFile, can_export, export_digest
from .models import WeeklyDigest


def export_response(exported: ExportFile) -> FileResponse:
    """An attachment with an RFC 5987 `filename*` for the Chinese name, never cached."""
    response = FileResponse(
        io.BytesIO(exported.content),
        as_attachment=True,
        filename=exported.filename,
        content_type=exported.content_type,
    )
    add_never_cache_headers(response)
    return response


@require_GET
def digest_export(request, pk: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("不支持的导出格式")
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url="admin:login")
    user = request.user
    if not (user.is_staff and user.has_perm("digests.export_weeklydigest")):
        raise PermissionDenied("你没有导出每周要闻的权限。")
    digest = get_object_or_404(WeeklyDigest.objects.select_related("column"), pk=pk)
    if not can_export(user, digest):
        raise PermissionDenied(
            "只有可以修改或发布每周要闻的人员才能导出未发布的每周要闻。"
        )
    try:
        exported = export_digest(digest=digest, fmt=fmt)
    except ExportError as exc:
        return HttpResponse(
            str(exc), status=503, content_type="text/plain; charset=utf-8"
        )
    return export_response(exported)
