import functools

import segno
from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from media.renditions import image_size, renditions

register = template.Library()

# Photos fill the text column on phones and stop at 760 px on wide screens (site.css).
PHOTO_SIZES = "(max-width: 792px) calc(100vw - 32px), 760px"


@register.simple_tag(takes_context=True)
def qr_svg(context, url: str = "") -> str:
    """Inline SVG QR code of `url` (default: the page's canonical URL), made on the server."""
    request = context.get("request")
    target = url or context.get("canonical_url") or ""
    if not target and request:
        target = request.build_absolute_uri(request.path)
    if request and target.startswith("/"):
        target = request.build_absolute_uri(target)
    return mark_safe(_qr_svg(target))  # segno escapes the encoded data it writes


@functools.lru_cache(maxsize=2048)
def _qr_svg(target: str) -> str:
    # Encoding is pure Python and costs milliseconds; a page's URL never changes.
    svg = segno.make(target, error="m").svg_inline(
        scale=4, border=4, svgclass="qr-code", omitsize=False
    )
    # An image with a name for screen readers; the caption under it says what it is for.
    return svg.replace("<svg ", '<svg role="img" aria-label="本页二维码" ', 1)


@register.simple_tag
def caption_html(photo) -> str:
    """Caption and credit, joined as `photo.caption_line` joins them, the credit marked."""
    if not photo.credit:
        return photo.caption
    separator = photo.caption_line[len(photo.caption) : -len(photo.credit)]
    return format_html(
        '{}{}<span class="credit">{}</span>', photo.caption, separator, photo.credit
    )


@register.simple_tag
def photo_figure(photo, eager=False) -> str:
    """A photo with its caption line: a responsive <picture> (WebP and JPEG renditions,
    width and height, lazy unless `eager`), or a labelled placeholder without a file.

    Built here rather than in an included template: a digest has a dozen or more
    photos, and a template include per photo was a third of the page's render time.
    """
    caption = caption_html(photo) if (photo.caption or photo.credit) else ""
    figcaption = format_html("<figcaption>{}</figcaption>", caption) if caption else ""
    if not photo.image:
        image = format_html(
            '<div class="photo-missing" role="img" aria-label="{}">图片待上传</div>',
            photo.description,
        )
        return format_html('<figure class="photo">{}{}</figure>', image, figcaption)
    made = renditions(photo)
    jpegs = made.get("jpg", [])
    size = image_size(photo)
    source = (
        format_html(
            '<source type="image/webp" srcset="{}" sizes="{}">',
            _srcset(made["webp"]),
            PHOTO_SIZES,
        )
        if made.get("webp")
        else ""
    )
    attributes = format_html(
        'src="{}"{} alt="{}"{} {} decoding="async"',
        jpegs[-1].url if jpegs else photo.image.url,
        format_html(' srcset="{}" sizes="{}"', _srcset(jpegs), PHOTO_SIZES)
        if jpegs
        else "",
        photo.description,
        format_html(' width="{}" height="{}"', *size) if size else "",
        mark_safe('fetchpriority="high"' if eager else 'loading="lazy"'),
    )
    return format_html(
        '<figure class="photo"><picture>{}<img {}></picture>{}</figure>',
        source,
        attributes,
        figcaption,
    )


def _srcset(items) -> str:
    return ", ".join(f"{r.url} {r.width}w" for r in items)


@register.simple_tag(takes_context=True)
def absolute_url(context, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request else path


@register.simple_tag(takes_context=True)
def prefs_url(context, **params) -> str:
    """Link to the reading-preference switch that comes back to this page."""
    from urllib.parse import urlencode

    from django.urls import reverse

    request = context["request"]
    query = dict(params) | {"next": request.get_full_path()}
    return f"{reverse('articles:prefs')}?{urlencode(query)}"
