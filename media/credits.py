"""How photo credits are written on the page, and read back from legacy pages."""

import re
from dataclasses import dataclass

# Sentence-final punctuation after which the page writes the credit with no space.
_CLOSING_PUNCTUATION = "。!?\uff01\uff1f…”』」)\uff09"


def format_credit(role: str, name: str) -> str:
    """The credit as printed: `记者 吴丹/摄`, `周超/摄`, or empty without a name."""
    if not name:
        return ""
    return f"{role} {name}/摄" if role else f"{name}/摄"


def join_caption_and_credit(caption: str, credit: str) -> str:
    """Caption and credit on one line: no space after closing punctuation, else one."""
    if not credit:
        return caption
    if not caption:
        return credit
    separator = "" if caption.endswith(tuple(_CLOSING_PUNCTUATION)) else " "
    return f"{caption}{separator}{credit}"


# --- Reading credits off legacy pages ---

_NAME = r"[\u4e00-\u9fff·]{2,4}"
_NAMES = rf"{_NAME}(?:[、,\uff0c]{_NAME})*"
_ROLES = r"全媒体记者|特约记者|实习记者|摄影记者|首席记者|记者|通讯员|特约通讯员"
# `记者 吴丹/摄`, `周超/摄`, `记者 吴丹 摄`, `通讯员 张三 摄`, `张三 摄`, `记者张三摄`,
# each optionally in brackets, at the end of the caption line.
_CREDIT_AT_END = re.compile(
    rf"^(?P<caption>.*?)\s*[(\uff08]?\s*(?:(?P<role>{_ROLES})\s*)?"
    rf"(?P<name>{_NAMES})(?P<sep>\s*/\s*|\s+|(?<=[\u4e00-\u9fff]))摄\s*[)\uff09]?$",
    re.S,
)
# `图/张三`, `摄影:张三`, `摄影 张三`, `图片:张三`, at the end (or the whole line).
_CREDIT_LABELLED = re.compile(
    rf"^(?P<caption>.*?)\s*[(\uff08]?(?:图\s*/|摄影\s*[:\uff1a]?|图片\s*[:\uff1a])\s*"
    rf"(?:(?P<role>{_ROLES})\s*)?(?P<name>{_NAMES})\s*[)\uff09]?$",
    re.S,
)
# A credit-like fragment anywhere in a line (for "a credit that produced no photo").
CREDIT_HINT = re.compile(
    r"/\s*摄|\s摄[)\uff09]?$|图\s*/\s*[\u4e00-\u9fff]|摄影\s*[:\uff1a]"
)


@dataclass(frozen=True)
class CreditReading:
    caption: str
    role: str
    name: str
    # The credit follows the caption's last word with no space or punctuation.
    is_glued: bool


def read_credit(line: str) -> CreditReading | None:
    """A caption line's credit in any form the legacy pages print it, or None."""
    for pattern in (_CREDIT_AT_END, _CREDIT_LABELLED):
        match = pattern.match(line)
        if match is None:
            continue
        if pattern is _CREDIT_AT_END and not match["role"] and not match["sep"]:
            # `…张三摄` without a role or separator is too easily a word (航拍摄).
            continue
        name = re.sub(r"[,\uff0c]", "、", match["name"])
        start = match.start("role") if match["role"] else match.start("name")
        caption = match["caption"].rstrip()
        glued = bool(caption) and bool(re.match(r"[\u4e00-\u9fff]", line[start - 1]))
        return CreditReading(caption, match["role"] or "", name, glued)
    return None
