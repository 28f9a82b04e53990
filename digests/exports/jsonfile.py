"""The JSON export, valid against `digests/schema/weekly_digest.schema.json` (read back
by `digests.reading.document_from_json`); photos are referenced by file name."""

import json

from ..reading import JSON_SCHEMA_ID, JSON_SCHEMA_VERSION
from ..structure import DigestDocument, Paragraph, PhotoBlock, Story
from .images import photo_file_name


def _block_json(block: Paragraph | PhotoBlock) -> dict:
    if isinstance(block, Paragraph):
        return {"type": "paragraph", "text": block.text}
    photo = block.photo
    return {
        "type": "photo",
        "caption": block.caption,
        "credit_role": block.credit_role,
        "credit_name": block.credit_name,
        "credit": block.credit,
        "file": photo_file_name(block),
        "alt": getattr(photo, "alt_text", "") or "",
    }


def _story_json(story: Story) -> dict:
    return {
        "headline": story.headline,
        "date": story.news_on.isoformat(),
        "blocks": [_block_json(block) for block in story.blocks],
    }


def document_to_json(document: DigestDocument) -> dict:
    return {
        "schema": JSON_SCHEMA_ID,
        "schema_version": JSON_SCHEMA_VERSION,
        "title": document.title,
        "issued_on": document.issued_on.isoformat(),
        "column": list(document.breadcrumb),
        "status": "draft" if document.is_draft else "published",
        "lead": _story_json(document.lead) if document.lead else None,
        "days": [
            {
                "date": section.day.isoformat(),
                "heading": section.heading,
                "stories": [_story_json(story) for story in section.stories],
            }
            for section in document.days
        ],
        "briefs": [
            {"date": brief.happened_on.isoformat(), "text": brief.text}
            for brief in document.briefs
        ],
    }


def render_json(document: DigestDocument) -> bytes:
    return (
        json.dumps(document_to_json(document), ensure_ascii=False, indent=2) + "\n"
    ).encode("utf-8")
