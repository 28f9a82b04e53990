import hashlib
from dataclasses import dataclass, field


class Severity:
    ERROR = "E"
    WARNING = "W"
    INFO = "I"
    LABELS = {"E": "错误", "W": "警告", "I": "提示"}


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
