import hashlib
from dataclasses import dataclass, field


class Severity:
    ERROR = "E"
    WARNING = "W"
    INFO = "I"
    LABELS = {"E": "错误", "W": "警告", "I": "提示"}


# The rules' codes (part of the interface: the command's JSON, the allow-list) and
# what editors read for them.
RULE_LABELS = {
    "TITLE_NOT_HELD": "职务与名录不符",
    "TITLE_ACTING": "代理职务写法",
    "NAME_NEAR_MISS": "姓名疑似写错",
    "FORMER_BUT_CURRENT": "“原”职务仍在任",
    "TIME_REF_UNCHECKED": "“时任”需人工核对",
    "PARTY_POST_UNKNOWN": "名录中没有的党组职务",
    "TITLE_ORDER": "职务书写顺序",
    "UNREGISTERED": "名录中没有此人",
    "ORDER": "领导排序",
    "EXPR": "规范表述",
    "EXPR_ANACHRONISM": "表述早于生效日期",
    "UNIT_DOUBLED": "单位名称重复",
}


@dataclass
class Finding:
    """One thing the check found: where, what, and what to write instead."""

    code: str
    severity: str
    message: str
    start: int  # offsets into the original text (HTML included)
    end: int
    excerpt: str
    suggestion: str = ""
    evidence: str = ""
    fingerprint: str = field(default="")

    def __post_init__(self):
        if not self.fingerprint:
            self.fingerprint = fingerprint(self.code, self.excerpt)

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR

    @property
    def label(self) -> str:
        return RULE_LABELS.get(self.code, self.code)

    @property
    def severity_label(self) -> str:
        return Severity.LABELS[self.severity]

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "start": self.start,
            "end": self.end,
            "excerpt": self.excerpt,
            "suggestion": self.suggestion,
        }


def fingerprint(code: str, excerpt: str) -> str:
    """Stable while the matched text is unchanged: a dismissal keys on it."""
    return hashlib.sha1(f"{code}|{excerpt}".encode()).hexdigest()[:20]
