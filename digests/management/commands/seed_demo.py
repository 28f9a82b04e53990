import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from articles.models import ArticlePhoto
from digests.reading import read_digest_file
from digests.services import import_digest
from media.samples import attach_sample_images
from people.services import load_default_officials

REFERENCE_PAGE = (
    Path(__file__).resolve().parents[2] / "data" / "reference_2024-12-15.txt"
)


# Demo logins with invented names (pages and the review trail print the name).
DEMO_ROLES = [
    ("reporter", "记者", "李明"),
    ("subeditor", "编辑", "王芳"),
    ("reviewer", "审核", "陈静"),
    ("signoff", "终审", "刘洋"),
]
DEMO_EDITOR_NAME = "张伟"


class Command(BaseCommand):
    help = (
        "Load the demo: officials of December 2024, the reference page 见“政”巫溪这一周 "
        "(2024-12-15) with sample placeholder images, and an editor login. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="editor")

    def handle(self, *args, username: str, **options):
        counts = load_default_officials()
        self.stdout.write(
            f"官员名录:新增机构 {counts['organizations']}、职务 {counts['positions']}、"
            f"人员 {counts['people']}、任职 {counts['appointments']}"
        )
        document, warnings = read_digest_file(
            name=REFERENCE_PAGE.name, raw=REFERENCE_PAGE.read_bytes()
        )
        for warning in warnings:
            self.stderr.write(self.style.WARNING(f"需核对 {warning}"))
        result = import_digest(document=document)
        placements = ArticlePhoto.objects.filter(
            article__digest_items__digest=result.digest
        ).select_related("photo")
        samples = attach_sample_images(photos=[p.photo for p in placements])
        self.stdout.write(
            f"参考页面:{result.digest}({len(document.stories)} 篇稿件),新配示例图片 {samples} 张"
        )

        User = get_user_model()
        self._create_role_users(User)
        editor = User.objects.filter(username=username).first()
        if editor:
            self._give_name(editor, DEMO_EDITOR_NAME)
            self.stdout.write(f"总编账号 {username} 已存在(密码见首次运行的输出)。")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(
            username=username, email="", password=password, first_name=DEMO_EDITOR_NAME
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"总编账号(全部权限):{username}({DEMO_EDITOR_NAME})  密码:{password}"
            )
        )

    def _create_role_users(self, User) -> None:
        """One demo login per newsroom role (三审), each printed once with its password."""
        for username, role, name in DEMO_ROLES:
            existing = User.objects.filter(username=username).first()
            if existing:
                self._give_name(existing, name)
                continue
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(
                username=username, password=password, is_staff=True, first_name=name
            )
            user.groups.set(Group.objects.filter(name=role))
            self.stdout.write(f"{role}账号:{username}({name})  密码:{password}")

    @staticmethod
    def _give_name(user, name: str) -> None:
        """A demo login made before logins had names gets its demo name."""
        if not user.get_full_name():
            user.first_name = name
            user.save(update_fields=["first_name"])
