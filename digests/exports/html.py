"""The HTML export, one self-contained file for the WeChat editor, and the template
context the PDF export renders too."""

from dataclasses import dataclass

from django.template.loader import render_to_string

from ..structure import DigestDocument, Paragraph, Story
from .base import DRAFT_LABEL, DRAFT_NOTICE, MISSING_PHOTO
from .images import ImageCache, ImageData, caption_separator


@dataclass
class _HtmlBlock:
    kind: str  # "paragraph" or "photo"
    text: str = ""
    caption: str = ""
    credit: str = ""
    image: ImageData | None = None
    src: str = ""
    alt: str = ""
    separator: str = ""  # between caption and credit, as the page writes it


def html_context(
    document: DigestDocument,
    images: ImageCache,
    resources: dict[str, tuple[bytes, str]] | None = None,
) -> dict:
    """Template context for the HTML and PDF exports. Images are data URIs, or with
    `resources` (PDF) short `wuxi-export:` URLs served to WeasyPrint from memory, which
    spares its HTML parser megabytes of base64."""

    def source(image: ImageData | None) -> str:
        if image is None:
            return ""
        if resources is None:
            return image.data_uri
        url = f"wuxi-export:photo-{len(resources)}"
        resources[url] = (image.data, image.mime)
        return url

    def story(item: Story) -> dict:
        blocks = []
        for block in item.blocks:
            if isinstance(block, Paragraph):
                blocks.append(_HtmlBlock("paragraph", text=block.text))
            else:
                photo = block.photo
                image = images.get(block)
                blocks.append(
                    _HtmlBlock(
                        "photo",
                        caption=block.caption,
                        credit=block.credit,
                        image=image,
                        src=source(image),
                        separator=caption_separator(block),
                        alt=getattr(photo, "description", "") or block.caption,
                    )
                )
        return {"headline": item.headline, "blocks": blocks}

    return {
        "document": document,
        "lead": story(document.lead) if document.lead else None,
        "days": [
            {"heading": s.heading, "stories": [story(x) for x in s.stories]}
            for s in document.days
        ],
        "draft_notice": DRAFT_NOTICE,
        "draft_label": DRAFT_LABEL,
        "missing_photo": MISSING_PHOTO,
    }


def render_html(document: DigestDocument, images: ImageCache | None = None) -> bytes:
    """One self-contained file: inline styles (survive pasting into the WeChat editor)
    and images as data URIs."""
    context = html_context(document, images or ImageCache())
    return render_to_string("digests/export.html", context).encode("utf-8")
