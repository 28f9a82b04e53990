"""The editorial check (校对): officials' names, titles and order against the register
on the text's date, and the lexicon of fixed expressions (规范表述).

    findings = run_editorial_check(html, as_of=article.news_on)

A pure function of the text, the date and the register: no network, nothing cached
between calls (an edited tier table or lexicon rule counts from the next check).
"""

import datetime

from .findings import RULE_LABELS, Finding, Severity, fingerprint
from .normalise import normalise
from .register import Register, load_register
from .rules import Checker, is_near

__all__ = [
    "RULE_LABELS",
    "Finding",
    "Register",
    "Severity",
    "fingerprint",
    "is_near",
    "load_register",
    "normalise",
    "run_editorial_check",
]


def run_editorial_check(
    text_or_html: str,
    as_of: datetime.date,
    host_body: str | None = None,
    *,
    register: Register | None = None,
) -> list[Finding]:
    """Check `text_or_html` as of `as_of`; offsets point into `text_or_html`.

    `host_body` (an organisation kind such as "congress", or a name such as
    "县人大常委会") moves that body's head and deputies up in lists, as at its
    sessions. Pass a `register` from `load_register()` to check many texts at once.
    """
    source = normalise(text_or_html or "")
    return Checker(
        source=source,
        as_of=as_of,
        register=register or load_register(),
        host_body=host_body,
    ).run()
