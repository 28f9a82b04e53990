import segno
from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def qr_svg(context, url: str = "") -> str:
    """Inline SVG QR code of `url` (default: this page's absolute URL), made on the server."""
    request = context.get("request")
    target = url or (request.build_absolute_uri() if request else "")
    if request and url.startswith("/"):
        target = request.build_absolute_uri(url)
    svg = segno.make(target, error="m").svg_inline(
        scale=4, border=2, title="本页二维码", svgclass="qr-code", omitsize=False
    )
    return mark_safe(svg)  # segno escapes the encoded data it writes
