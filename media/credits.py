"""How photo credits are written on the page."""

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
