import functools
import re
from urllib.parse import urlencode

import segno
from django import template
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from media.renditions import image_size, renditions
from wuxi_news.context_processors import DEFAULT_FONT, FONT_SIZES

register = template.Library()

# Photos fill the text column on phones and stop at 760 px on wide screens (site.css).
PHOTO_SIZES = "(max-width: 792px) calc(100vw - 32px), 760px"


# `{% asset %}` and `{% fixed_url %}` stand for `{% static %}` and `{% url %}` on every
# page: their answers are fixed for the life of the process, and looking them up afresh
# was 40 % of the page shell's rendering time (measured on the digest page).


@register.simple_tag
@functools.lru_cache(maxsize=64)
def asset(path: str) -> str:
    """`{% static path %}`, memoised (hashed names change only with a new deploy)."""
    return static(path)


@register.simple_tag
def site_asset(value: str) -> str:
    """A configured image: a static path (`img/emblem.png`), or a URL used as it is."""
    if value.startswith(("/", "http://", "https://")):
        return value
    return asset(value)


@register.simple_tag
def fixed_url(name: str) -> str:
    """`{% url name %}` for a URL without arguments, memoised per URLconf and prefix."""
    return _fixed_url(name, get_urlconf(), get_script_prefix())


@functools.lru_cache(maxsize=64)
def _fixed_url(name: str, urlconf, prefix: str) -> str:
    return reverse(name, urlconf=urlconf)


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
def reading_tools(context) -> str:
    """【字体:大 中 小】【长者模式】【打印本页】 in every page's header.

    The same for every reader, as a baked page is: static/js/prefs.js shows them and
    marks the reader's choice (cookies). Without JavaScript they stay hidden, as the
    print button does: the choice could not be applied to the page.
    Memoised per page: as template tags its links were a quarter of the header's
    rendering time.
    """
    return _reading_tools(context["request"].path)


@functools.lru_cache(maxsize=1024)
def _reading_tools(here: str) -> str:
    prefs = reverse("prefs")

    def link(**params) -> str:
        return f"{prefs}?{urlencode(params | {'next': here})}"

    sizes = " ".join(
        format_html(
            '<a href="{}" rel="nofollow" data-font="{}"{}><span class="visually-hidden">字体</span>{}</a>',
            link(font=key),
            key,
            mark_safe(' aria-current="true"') if key == DEFAULT_FONT else "",
            label,
        )
        for key, label in FONT_SIZES.items()
    )
    elder_link = format_html(
        '<a href="{}" rel="nofollow" data-elder>长者模式</a>', link(elder="toggle")
    )
    return format_html(
        '<div class="reading-tools">\n'
        "      <span data-prefs hidden>【字体:{}】</span>\n"
        "      <span data-prefs hidden>【{}】</span>\n"
        '      <button type="button" class="print-button" data-print hidden>【打印本页】</button>\n'
        "    </div>",
        mark_safe(sizes),
        elder_link,
    )


@register.filter
def highlight(text, query: str = "") -> str:
    """`text` escaped, each match of `query` (any case) wrapped in <mark>."""
    text = str(text or "")
    if not query:
        return escape(text)
    parts = re.split(f"({re.escape(query)})", text, flags=re.IGNORECASE)
    return mark_safe(  # every part is escaped here
        "".join(
            format_html("<mark>{}</mark>", part) if index % 2 else escape(part)
            for index, part in enumerate(parts)
        )
    )


@register.filter
def css_string(value) -> str:
    """`value` fit to stand between double quotes in a stylesheet (`@page` boxes)."""
    text = str(value or "")
    for char in ("\\", '"', "<", ">", "&"):
        text = text.replace(char, f"\\{ord(char):x} ")
    return mark_safe(" ".join(text.split()))  # newlines end a CSS string
