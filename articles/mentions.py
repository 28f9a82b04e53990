"""Officials' names in an article's text linked to their pages, at their first mention.

Only the officials the article is about (`Article.officials`) are looked for, and only
those whose name surely means them (`Person.is_linked_by_name`: no namesake marked in
the register or registered beside them). Text inside an existing link is left alone;
the headline is not part of the body, so it is never linked.
"""

import re

from django.utils.html import format_html

from people.models import Person

_TAG = re.compile(r"(<[^>]*>)")


def link_first_mentions(blocks: list[str], people: list[Person]) -> list[str]:
    """`blocks` (sanitized HTML) with each person's first mention made a link."""
    pending = sorted(
        (p for p in people if p.name and p.is_linked_by_name),
        key=lambda p: -len(p.name),  # 王中华 before 王中
    )
    result = []
    for block in blocks:
        if pending:
            block, pending = _link_block(block, pending)
        result.append(block)
    return result


def _link_block(block: str, pending: list[Person]) -> tuple[str, list[Person]]:
    parts = _TAG.split(block)
    in_link = 0
    for index, part in enumerate(parts):
        if index % 2:  # a tag
            name = part[1:].split(None, 1)[0].lower() if len(part) > 2 else ""
            if name == "a":
                in_link += 1
            elif name == "/a":
                in_link = max(0, in_link - 1)
            continue
        if in_link or not part:
            continue
        parts[index], pending = _link_text(part, pending)
    return "".join(parts), pending


def _link_text(text: str, pending: list[Person]) -> tuple[str, list[Person]]:
    """Link the first mention of each pending person in one run of text."""
    found = []
    for person in pending:  # longest names first
        start = text.find(person.name)
        while start != -1:
            end = start + len(person.name)
            if not any(s < end and start < e for s, e, _ in found):
                found.append((start, end, person))
                break
            start = text.find(person.name, start + 1)  # inside a longer name
    if not found:
        return text, pending
    pieces, position = [], 0
    for start, end, person in sorted(found, key=lambda item: item[0]):
        pieces.append(text[position:start])
        pieces.append(
            format_html(
                '<a class="official" href="{}">{}</a>',
                person.get_absolute_url(),
                person.name,
            )
        )
        position = end
    pieces.append(text[position:])
    linked = {id(person) for *_, person in found}
    return "".join(pieces), [p for p in pending if id(p) not in linked]
