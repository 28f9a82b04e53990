"""The editorial check on the reference page: every story on its own date."""

import pytest

from digests.legacy import parse_legacy_text
from digests.structure import Paragraph, PhotoBlock
from people.editorial import load_register, run_editorial_check

pytestmark = pytest.mark.django_db


def story_texts(reference_text):
    document, _ = parse_legacy_text(reference_text)
    for story in document.stories:
        lines = [story.headline]
        for block in story.blocks:
            if isinstance(block, Paragraph):
                lines.append(block.text)
            elif isinstance(block, PhotoBlock):
                lines.append(block.caption)
        yield story, "\n".join(lines)


def test_the_reference_stories_give_no_error_on_their_dates(register, reference_text):
    stories = list(story_texts(reference_text))
    assert len(stories) == 12
    loaded = load_register()
    for story, text in stories:
        findings = run_editorial_check(text, story.news_on, register=loaded)
        errors = [f for f in findings if f.is_error]
        assert errors == [], (story.headline, errors)


def test_the_paragraph_of_december_10_gives_nothing_at_all(register, reference_text):
    document, _ = parse_legacy_text(reference_text)
    paragraph = document.lead.blocks[0].text
    assert paragraph.startswith("12月10日,全县社会民生")
    assert run_editorial_check(paragraph, document.lead.news_on) == []


def test_the_reference_stories_with_the_shipped_officials(officials, reference_text):
    loaded = load_register()
    for story, text in story_texts(reference_text):
        findings = run_editorial_check(text, story.news_on, register=loaded)
        assert [f for f in findings if f.is_error] == [], story.headline
