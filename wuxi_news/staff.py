"""Staff logins: the real name printed on pages and in the review trail.

Chinese names are one field, 姓名, written 姓+名 without a space (“吴丹”). It is kept in
`User.first_name` with `last_name` empty, so Django's `get_full_name()` (which joins
first and last with a space) returns it unchanged.
"""

import re

from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

# The newsroom roles created by digests/migrations/0003_editorial_groups.py.
EDITORIAL_GROUPS = ("记者", "编辑", "审核", "终审", "导出")

NAME_LABEL = "姓名"
NAME_HELP = (
    "真实姓名,姓在前、不加空格,如“吴丹”。印在稿件的“责任编辑 审核 终审”和审核记录上;"
    "加入采编角色(记者、编辑、审核、终审、导出)或设为超级用户前必须填写。"
)
NAME_REQUIRED = "请填写姓名:{who}的姓名会印在稿件和审核记录上。"

_SPACE_BETWEEN_HAN = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


def display_name(user) -> str:
    """The name printed for a staff member: their real name, else the login."""
    return (user.get_full_name() or user.get_username()).strip()


def normalize_name(name: str) -> str:
    """Fold white space; a Chinese name is written without one (“吴 丹” → “吴丹”)."""
    return _SPACE_BETWEEN_HAN.sub("", " ".join(name.split()))


def name_required_for(*, groups, is_superuser: bool) -> str:
    """Return why this login needs a real name (its roles), or "" if it does not."""
    roles = [g.name for g in groups if g.name in EDITORIAL_GROUPS]
    if roles:
        return "、".join(roles) + "角色"
    return "超级用户(总编)" if is_superuser else ""


class StaffNameMixin:
    """One 姓名 field in first_name; required for editorial roles and superusers."""

    def _setup_name_field(self):
        field = self.fields["first_name"]
        field.label = NAME_LABEL
        field.help_text = NAME_HELP
        instance = self.instance
        if instance.pk and instance.last_name:
            # A name entered earlier in two fields is shown (and saved) as 姓+名.
            self.initial["first_name"] = normalize_name(
                instance.last_name + instance.first_name
            )

    def clean_first_name(self):
        return normalize_name(self.cleaned_data.get("first_name", ""))

    def clean(self):
        cleaned = super().clean()
        who = name_required_for(
            groups=cleaned.get("groups") or [],
            is_superuser=bool(cleaned.get("is_superuser")),
        )
        if who and not cleaned.get("first_name"):
            self.add_error("first_name", NAME_REQUIRED.format(who=who))
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        self.instance.last_name = ""


class StaffChangeForm(StaffNameMixin, UserChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_name_field()


class StaffCreationForm(StaffNameMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        fields = ("username", "first_name", "is_staff", "groups")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_name_field()


def client_ip(request) -> str:
    """The address a login came from, for django-axes' throttling.

    Behind nginx (and maybe a TLS terminator or load balancer before it) the request
    comes from a proxy. Each proxy appends the address it saw to X-Forwarded-For, so
    the client is the rightmost entry that is not one of our proxies (TRUSTED_PROXIES);
    entries left of it are the client's own say and are never believed.
    """
    from django.conf import settings

    address = request.META.get("REMOTE_ADDR", "")
    if address not in settings.TRUSTED_PROXIES:
        return address
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([part.strip() for part in forwarded.split(",")]):
        if not hop:
            break
        address = hop
        if hop not in settings.TRUSTED_PROXIES:
            break
    return address
