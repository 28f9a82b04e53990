"""Everything an editor reads in the admin is Chinese, and worded one way (你, 。)."""

import ast
import datetime
import gettext
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse

from articles.editing import take_lock
from articles.models import Column, Notice
from people.editorial import RULE_LABELS
from tests.factories import make_article, make_photo, make_user
from wuxi_news.models import CheckedLink

ROOT = Path(__file__).resolve().parents[1]
APPS = ("articles", "digests", "people", "media", "wuxi_news")
ROLES = [("记者",), ("编辑",), ("审核",), ("终审",), ("导出",), ()]
NAMES = {"记者": "李明", "编辑": "王芳", "审核": "陈静", "终审": "刘洋", "导出": "赵敏"}

# Latin that belongs in Chinese text: formats, product names, units, identifiers.
ALLOWED = {
    "CKEditor", "DOCX", "PDF", "JSON", "HTML", "TXT", "ZIP", "Word", "JPEG", "PNG",
    "WebP", "EXIF", "GPS", "URL", "IP", "SHA", "RSS", "QR", "px", "KB", "MB",
    "LDAP", "Control", "Command", "Mac",
    *RULE_LABELS,  # the editorial check's rule codes, shown beside their Chinese names
}  # fmt: skip
LATIN_DATA = [
    re.compile(r"(?:https?://|/)[\w\-./?=&%#]+"),  # URLs and paths
    re.compile(r"[\w\-./]*\.(?:jpe?g|png|webp|docx|pdf|json|html|txt|zip)\b", re.I),
    re.compile(r"[\w+/=$]*\*{5,}[\w+/=$]*|\b(?:md5|pbkdf2_sha256|argon2)\b"),  # hashes
    re.compile(r"<unknown>"),  # what axes records for a missing header
    re.compile(r"\b[\w.+-]+@[\w.-]+\b"),
]
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_’'-]+")


def visible_text(html: str) -> str:
    """What an editor reads: text, labels on buttons, placeholders and titles."""
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style", "noscript", "template", "head"]):
        hidden.decompose()
    for hidden in soup.select("[hidden], .hidden, option[value='']"):
        hidden.decompose()
    parts = [soup.get_text(" ")]
    for element in soup.select("input[type=submit], input[type=button]"):
        parts.append(element.get("value", ""))
    for element in soup.select("[placeholder], [title]"):
        parts += [element.get("placeholder", ""), element.get("title", "")]
    return " ".join(parts)


def data_words() -> set[str]:
    """Latin that editors typed, not the interface: usernames and column slugs."""
    return {
        *User.objects.values_list("username", flat=True),
        *Column.objects.values_list("slug", flat=True),
    }


def english_words(html: str, *, usernames) -> set[str]:
    text = visible_text(html)
    for pattern in LATIN_DATA:
        text = pattern.sub(" ", text)
    return {
        word
        for word in WORD.findall(text)
        if word not in ALLOWED and word not in usernames
    }


@pytest.fixture
def seeded(reference_digest, db):
    """One row of every model an editor sees, including django-axes' logs."""
    photo = make_photo(caption="县城新貌", alt_text="县城新貌")
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.create(
            username="李明",
            ip_address="10.0.0.8",
            user_agent="测试浏览器",
            http_accept="*/*",
            path_info="/admin/login/",
            **({"failures_since_start": 2} if model is AccessAttempt else {}),
        )
    return {"digest": reference_digest, "photo": photo}


def fill_the_workbench(user, seeded) -> None:
    """A notice, a lock, a broken link and a redirect, so every panel has rows."""
    article = seeded["digest"].items.first().article
    Notice.objects.create(
        recipient=user, article=article, kind=Notice.Kind.STAGE, text="测试通知。"
    )
    take_lock(obj=article, user=user)
    for outcome, status in (("broken", "404"), ("redirect", "301 跳转到 /x/")):
        CheckedLink.objects.create(
            page_url=article.get_absolute_url(), page_title=article.headline,
            text="原文链接", target=f"/{outcome}/", outcome=outcome, status=status,
        )  # fmt: skip


def crawl(client) -> dict[str, str]:
    """The admin pages one login reaches from the index: app pages, changelists,
    add forms and the first change form of each changelist."""
    pages: dict[str, str] = {}
    queue = [reverse("admin:index")]
    changes_seen: set[str] = set()
    while queue:
        url = queue.pop(0)
        if url in pages:
            continue
        response = client.get(url)
        if response.status_code == 403 and url.endswith("/change/"):
            continue  # a read-only foreign key links to a page the role may not see
        assert response.status_code == 200, url
        pages[url] = response.text
        soup = BeautifulSoup(response.text, "html.parser")
        for link in soup.select("a[href^='/admin/']"):
            path = urlsplit(link["href"]).path
            parts = path.strip("/").split("/")[1:]
            if path in pages or path in queue or "logout" in path:
                continue
            if parts[:1] == ["notices"] and len(parts) == 2:
                continue  # opening a notice marks it read and goes to its article
            if len(parts) in (1, 2) or (len(parts) == 3 and parts[2] == "add"):
                if parts[0] not in ("password_change", "r", "jsi18n"):
                    queue.append(path)
            elif len(parts) == 4 and parts[3] == "change":
                model = "/".join(parts[:2])
                if model not in changes_seen:
                    changes_seen.add(model)
                    queue.append(path)
    return pages


@pytest.mark.parametrize("roles", ROLES, ids=lambda r: r[0] if r else "总编")
def test_every_admin_page_a_role_reaches_reads_chinese(client, seeded, roles):
    user = make_user(
        roles=roles,
        superuser=not roles,
        first_name=NAMES[roles[0]] if roles else "张伟",
    )
    client.force_login(user)
    fill_the_workbench(user, seeded)
    pages = crawl(client)
    if roles != ("导出",):
        # The workbench's own pages, filled in, are reached from the home page.
        for name in ("admin:notices", "admin:calendar", "admin:link_report"):
            assert reverse(name) in pages, name
        month = reverse("admin:calendar") + "?view=month&date=2024-12-15"
        pages[month] = client.get(month).text
    if "导出" not in roles:
        assert any(url.endswith("/change/") for url in pages)
        assert any(url.endswith("/add/") for url in pages) or roles in [
            ("审核",),
            ("终审",),
        ]
    usernames = data_words()
    leftovers = {
        url: sorted(words)
        for url, html in pages.items()
        if (words := english_words(html, usernames=usernames))
    }
    assert leftovers == {}


def test_the_login_protection_section_reads_chinese(client, seeded):
    client.force_login(make_user(roles=(), superuser=True, first_name="张伟"))
    index = visible_text(client.get(reverse("admin:index")).text)
    assert "登录保护" in index
    assert "AXES" not in index.upper()
    for model in ("accessattempt", "accesslog"):
        page = client.get(reverse(f"admin:axes_{model}_changelist")).text
        assert english_words(page, usernames=data_words()) == set(), model
    attempt = client.get(reverse("admin:axes_accessattempt_changelist")).text
    assert "还可尝试 3 次" in attempt and "状态" in attempt


def test_a_login_attempt_shows_who_from_where_when_and_whether_locked(client, db):
    attempt = AccessAttempt.objects.create(
        username="reporter",
        ip_address="10.0.0.8",
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0",
        http_accept="text/html,application/xhtml+xml",
        path_info="/admin/login/",
        get_data="next=/admin/",
        post_data="csrfmiddlewaretoken=abc123\npassword=********\nnext=",
        failures_since_start=5,
    )
    client.force_login(make_user(roles=(), superuser=True, first_name="张伟"))
    for url in (
        reverse("admin:axes_accessattempt_change", args=[attempt.pk]),
        reverse("admin:axes_accessattempt_changelist"),
    ):
        text = visible_text(client.get(url).text)
        assert "reporter" in text and "10.0.0.8" in text and "已锁定" in text, url
        for raw in ("csrfmiddlewaretoken", "password", "Mozilla", "text/html"):
            assert raw not in text, (url, raw)
        assert english_words(text, usernames={"reporter"}) == set(), url
    page = visible_text(
        client.get(reverse("admin:axes_accessattempt_change", args=[attempt.pk])).text
    )
    assert "失败次数" in page and "5" in page


def test_the_login_protection_section_has_no_empty_failure_log(client, db):
    client.force_login(make_user(roles=(), superuser=True, first_name="张伟"))
    index = client.get(reverse("admin:index")).text
    assert "/admin/axes/accessfailurelog/" not in index
    assert client.get("/admin/axes/accessfailurelog/").status_code == 404


def test_the_lockout_page_sends_staff_to_login_protection_not_a_command(client, db):
    for _ in range(5):
        response = client.post(
            reverse("admin:login"), {"username": "reporter", "password": "wrong-pw-1"}
        )
    text = visible_text(response.text)
    assert "登录保护" in text
    assert "manage.py" not in text and "axes_reset" not in text


def test_the_admin_scripts_read_chinese(client, db):
    """The two-pane picker (permissions) and list actions write their own text."""
    client.force_login(make_user(roles=("编辑",), first_name="王芳"))
    catalog = client.get(reverse("admin:jsi18n")).content.decode()
    for text in ("选中%s后点击“选择”箭头按钮。", "全选%s", "未保存的变更将会丢失。"):
        assert json.dumps(text)[1:-1] in catalog  # the catalog is ASCII-escaped JSON


def _js_catalog(client) -> dict:
    text = client.get(reverse("admin:jsi18n")).content.decode()
    return json.loads(re.search(r"const newcatalog = (\{.*?\});\n", text, re.S)[1])


def test_the_date_pickers_weekday_letters_read_chinese(client, db):
    client.force_login(make_user(roles=("编辑",), first_name="王芳"))
    catalog = _js_catalog(client)
    days = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
    letters = [catalog.get(f"one letter {day}\x04{day[0]}") for day in days]
    assert letters == ["日", "一", "二", "三", "四", "五"]
    assert catalog.get("one letter Saturday\x04S") == "六"


def test_the_header_greets_the_editor_by_name_without_a_stray_full_stop(client, db):
    client.force_login(make_user(roles=("记者",), first_name="李明"))
    for url in (reverse("admin:index"), reverse("admin:articles_article_changelist")):
        soup = BeautifulSoup(client.get(url).text, "html.parser")
        tools = soup.select_one("#user-tools")
        greeting = "".join(
            node.get_text() if hasattr(node, "get_text") else str(node)
            for node in tools.contents[: tools.contents.index(tools.strong) + 2]
        )
        assert greeting.strip() == "欢迎，李明"


def test_the_export_page_cancel_button_reads_chinese(client, seeded):
    client.force_login(make_user(roles=("编辑", "导出"), first_name="王芳"))
    response = client.post(
        reverse("admin:digests_weeklydigest_changelist"),
        {"action": "export_digests", "_selected_action": [seeded["digest"].pk]},
    )
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.select_one("a.cancel-link").get_text(strip=True) == "取消"
    assert english_words(response.text, usernames=data_words()) == set()


def test_an_added_row_kept_open_says_so_in_one_voice(client, seeded):
    client.force_login(make_user(roles=(), superuser=True, first_name="张伟"))
    response = client.post(
        reverse("admin:auth_group_add"), {"name": "校对", "_continue": "1"}, follow=True
    )
    [message] = [m.message for m in response.context["messages"]]
    assert message.startswith("成功添加了 组“")
    assert message.endswith("”。 你可以在下面再次编辑它。")  # Django adds the space
    assert "您" not in message


MESSAGE_CALLS = {
    "success", "info", "warning", "error", "add_message", "message_user",
    "ValidationError", "PermissionDenied",
}  # fmt: skip


def _message_texts(path: Path):
    """(line, text) of each literal message the module shows editors, and of each
    *MESSAGE* constant; a formatted value stands in as {}, a message constant from
    elsewhere (checked where it is defined) as 〔…〕。"""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = {
        target.id: node
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id.isupper()
    }

    def text(node) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(
                v.value if isinstance(v, ast.Constant) else text(v.value) or "{}"
                for v in node.values
            )
        name = getattr(node, "id", None) or getattr(node, "attr", None)
        if isinstance(node, ast.Name | ast.Attribute) and name in constants:
            return text(constants[name].value)
        if isinstance(node, ast.Name | ast.Attribute) and "MESSAGE" in name:
            return "〔…〕。"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "format":
                return text(node.func.value)
        if isinstance(node, ast.BinOp):
            left, right = text(node.left), text(node.right)
            return None if left is None or right is None else left + right
        return None

    for name, node in constants.items():
        if "MESSAGE" in name and (found := text(node.value)):
            yield node.lineno, found
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        if name not in MESSAGE_CALLS:
            continue
        for arg in node.args:
            found = text(arg)
            if found and re.search(r"[\u4e00-\u9fff]", found):
                yield node.lineno, found


def test_the_projects_own_messages_say_you_and_end_with_a_full_stop():
    wrong = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for line, message in _message_texts(path):
                if "您" in message or not message.rstrip().endswith(("。", "？", "!")):
                    wrong.append(f"{path.relative_to(ROOT)}:{line}: {message}")
    assert wrong == []


def test_admin_templates_say_you_not_the_formal_you():
    formal = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates" / "admin").rglob("*.html")
        if "您" in path.read_text(encoding="utf-8")
    ]
    assert formal == []


def _po_entries(path: Path):
    """(msgid, msgstr) of each singular entry in a .po file; an entry with a context
    (msgctxt) is keyed as gettext keys it, context and msgid joined by \\x04."""
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields = dict(
            re.findall(r'^(msgctxt|msgid|msgstr) ((?:".*"\n?)+)', block, re.M)
        )
        if fields.get("msgid") and "msgstr" in fields:
            context, msgid, msgstr = (
                "".join(re.findall(r'"(.*)"', fields.get(key, ""))).replace('\\"', '"')
                for key in ("msgctxt", "msgid", "msgstr")
            )
            if msgid:
                yield (f"{context}\x04{msgid}" if context else msgid), msgstr


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_compiled_translations_match_their_sources(domain):
    folder = ROOT / "wuxi_news" / "locale" / "zh_Hans" / "LC_MESSAGES"
    with (folder / f"{domain}.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)
    entries = list(_po_entries(folder / f"{domain}.po"))
    assert entries
    for msgid, msgstr in entries:
        assert catalog.gettext(msgid) == msgstr, "run msgfmt -o django.mo django.po"


def test_permissions_read_chinese_and_those_not_offered_are_kept(client, db):
    client.force_login(make_user(roles=(), superuser=True, first_name="张伟"))
    group = Group.objects.create(name="校对")
    session = Permission.objects.get(codename="view_session")
    group.permissions.add(session)
    url = reverse("admin:auth_group_change", args=[group.pk])
    field = client.get(url).context["adminform"].form.fields["permissions"]
    labels = [label for _, label in field.choices]
    assert "稿件 | 增加稿件" in labels
    assert not [label for label in labels if "Can " in label or "会话" in label]
    add_article = Permission.objects.get(codename="add_article")
    client.post(url, {"name": "校对", "permissions": [add_article.pk]})
    assert set(group.permissions.all()) == {add_article, session}


def test_the_editorial_check_panel_and_patrol_read_chinese(client, register):
    article = make_article(
        news_on=datetime.date(2024, 12, 10),
        body="<p>县长李卫东出席。原县长王中讲话。县委副书记张三参加。中华人民共合国</p>",
    )
    user = make_user(roles=["终审"], first_name="刘洋")
    client.force_login(user)
    for url in [
        reverse("admin:articles_article_change", args=[article.pk]),
        reverse("admin:editorial_patrol") + "?run=1",
        reverse("admin:people_position_holders") + "?day=2022-05-10",
    ]:
        html = client.get(url).text
        assert english_words(html, usernames=data_words()) == set(), url
