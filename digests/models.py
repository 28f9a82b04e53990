import datetime
import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Column
from wuxi_news.text import clean_text

from .structure import BriefLine, span_start

DEFAULT_TITLE = "见“政”巫溪这一周"
# A new digest goes to this column when several exist.

# A day written at the start of a brief's text, which the page adds by itself:
# `19日,`, `19日，`, `19日 `, `>>19日,`, `12月19日,`. Only a day followed by a
# separator counts (`\d` also matches full-width digits), so `19日至21日,…`, `19日上午,…` or `19日晚…` stay as written.
_MARKERS = re.compile(r"^(?:(?:>>|》》|＞＞|[●◆■▶►])\s*)+")
_NUMBER = r"\d{1,2}|[一二三四五六七八九十]{1,3}"
_LEADING_DAY = re.compile(
    r"^[(（【\[]?\s*"
    r"(?:(?P<year>\d{4})\s*年\s*)?"
    rf"(?:(?P<month>{_NUMBER})\s*月\s*)?"
    rf"(?P<day>{_NUMBER})\s*日"
    # A day is a prefix only when a separator follows: "19日至21日" and "19日晚" stay.
    r"(?:\s*[)）】\]]\s*[,，、:：。]?\s*|\s*[,，、:：。]\s*|\s+|$)"
)
_DIGITS = dict(zip("一二三四五六七八九", range(1, 10), strict=True))


def _number(text: str) -> int:
    """12 or 十二 → 12 (days and months in Chinese numerals, up to 三十一)."""
    if text.isdigit():
        return int(text)
    tens, _, ones = text.rpartition("十")
    if "十" not in text:
        return _DIGITS.get(text, 0)
    return _DIGITS.get(tens, 1 if not tens else 0) * 10 + _DIGITS.get(ones, 0)


class WeeklyDigestQuerySet(models.QuerySet):
    def published(self, now: datetime.datetime | None = None):
        return self.filter(
            status=WeeklyDigest.Status.PUBLISHED,
            published_at__lte=now or timezone.now(),
        )

    def in_column(self, column: Column):
        return self.filter(column=column)

    def scheduled(self, *, until: datetime.datetime, now=None):
        """Published to go public after `now` and no later than `until`."""
        return self.filter(
            status=WeeklyDigest.Status.PUBLISHED,
            published_at__gt=now or timezone.now(),
            published_at__lte=until,
        ).order_by("published_at", "pk")

    def newest_first(self):
        return self.order_by("-issued_on", "-pk")

    def search(self, query: str, *, headlines_only: bool = False):
        """Substring search over the title and the briefs (its stories are articles)."""
        query = (query or "").strip()
        if not query:
            return self
        if headlines_only:
            return self.filter(title__icontains=query)
        briefs = Brief.objects.filter(text__icontains=query).values("digest_id")
        return self.filter(Q(title__icontains=query) | Q(pk__in=briefs))


class WeeklyDigest(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        REVIEW = "review", "待审"
        PUBLISHED = "published", "已发布"

    title = models.CharField("标题", max_length=200, default=DEFAULT_TITLE)
    column = models.ForeignKey(
        Column, verbose_name="栏目", on_delete=models.PROTECT, related_name="digests"
    )
    issued_on = models.DateField("日期", help_text="页面上“日期:”显示的日期。")
    week_starts_on = models.DateField("本周起", help_text="收录新闻的第一天(含)。")
    week_ends_on = models.DateField("本周止", help_text="收录新闻的最后一天(含)。")
    status = models.CharField(
        "状态", max_length=20, choices=Status, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="最后修改人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    import_fingerprint = models.CharField(
        "导入指纹",
        max_length=64,
        blank=True,
        editable=False,
        help_text="导入时页面内容的摘要:再次导入时据此判断编辑是否改过本期。",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = WeeklyDigestQuerySet.as_manager()

    class Meta:
        verbose_name = "每周要闻"
        verbose_name_plural = "每周要闻"
        ordering = ["-issued_on", "-pk"]
        permissions = [
            ("publish_weeklydigest", "可以发布每周要闻"),
            ("export_weeklydigest", "可以导出每周要闻"),
            ("import_pages", "可以导入旧网站页面"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["column", "issued_on"],
                name="digest_one_per_column_and_date",
                violation_error_message="该栏目在这一天已有一期每周要闻。",
            ),
            models.CheckConstraint(
                condition=Q(week_ends_on__gte=F("week_starts_on")),
                name="digest_week_ends_after_start",
                violation_error_message="本周止不能早于本周起。",
            ),
        ]

    def __str__(self):
        return f"{self.title}({self.issued_on.isoformat()})"

    def save(self, *args, **kwargs):
        self.title = clean_text(self.title).strip()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("digests:detail", kwargs={"pk": self.pk})

    @property
    def is_published(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    def covers(self, day: datetime.date) -> bool:
        return self.week_starts_on <= day <= self.week_ends_on


class DigestItem(models.Model):
    digest = models.ForeignKey(
        WeeklyDigest,
        verbose_name="每周要闻",
        on_delete=models.CASCADE,
        related_name="items",
    )
    article = models.ForeignKey(
        Article,
        verbose_name="稿件",
        on_delete=models.PROTECT,
        related_name="digest_items",
    )
    order = models.PositiveIntegerField("顺序", default=0)
    is_lead = models.BooleanField(
        "头条", default=False, help_text="头条排在所有日期之前。"
    )

    class Meta:
        verbose_name = "收录稿件"
        verbose_name_plural = "收录稿件"
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["digest", "article"],
                name="digestitem_article_once",
                violation_error_message="同一篇稿件不能在一期中收录两次。",
            ),
            models.UniqueConstraint(
                fields=["digest"],
                condition=Q(is_lead=True),
                name="digestitem_one_lead",
                violation_error_message="每期只能有一篇头条。",
            ),
        ]

    def __str__(self):
        return f"{self.order}. {self.article}"


class Brief(models.Model):
    digest = models.ForeignKey(
        WeeklyDigest,
        verbose_name="每周要闻",
        on_delete=models.CASCADE,
        related_name="briefs",
    )
    happened_on = models.DateField("日期")
    text = models.TextField("内容", help_text="不含开头的“12日,”,页面自动加上。")
    order = models.PositiveIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "一周简讯"
        verbose_name_plural = "一周简讯"
        ordering = ["order", "happened_on", "pk"]

    def __str__(self):
        return self.line

    def save(self, *args, **kwargs):
        self.text = clean_text(self.text).strip()
        super().save(*args, **kwargs)

    def clean(self):
        """Drop a day typed at the start of the text; refuse one that is not the date."""
        self.text = clean_text(self.text or "").strip()
        if self.happened_on is None:
            return
        typed_day = False
        # The page prints the marker and the day itself: markers go, a day is checked.
        self.text = _MARKERS.sub("", self.text)
        while match := _LEADING_DAY.match(self.text):
            if span_start(self.text) is not None:
                break  # `16日 至 18日,…` is the span the brief covers: kept as typed
            typed_day = True
            day, month, year = match["day"], match["month"], match["year"]
            if (
                _number(day) != self.happened_on.day
                or (month and _number(month) != self.happened_on.month)
                or (year and int(year) != self.happened_on.year)
            ):
                typed = self.text[: match.end()].strip(" ,，、:：。()（）【】[]")
                raise ValidationError(
                    {
                        "text": f"内容开头写的是“{typed}”,但简讯日期是"
                        f"{self.happened_on.month}月{self.happened_on.day}日。"
                        f"请改正日期,或删去内容开头的日期"
                        f"(页面会自动加上“{self.happened_on.day}日,”)。"
                    }
                )
            self.text = _MARKERS.sub("", self.text[match.end() :].strip())
        if typed_day and not self.text:
            raise ValidationError({"text": "简讯内容不能只有日期。"})

    @property
    def document_line(self) -> BriefLine:
        return BriefLine(self.happened_on, self.text)

    @property
    def line(self) -> str:
        """The brief as the page prints it after the `>>` marker: `12日,…`."""
        return self.document_line.line


def page_import_upload_to(instance, filename: str) -> str:
    """Store under a generated name: no user-controlled path reaches the disk."""
    suffix = ".zip" if filename.lower().endswith(".zip") else ".txt"
    if filename.lower().endswith(".json"):
        suffix = ".json"
    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


def page_import_report_to(instance, filename: str) -> str:
    # Under imports/ with the uploads: the reports quote unpublished pages, and the
    # web server never serves that folder (publishing/nginx.py, PRIVATE_UPLOADS).
    return f"imports/reports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.jsonl"


class PageImport(models.Model):
    """A file or ZIP of old pages uploaded in the admin, and the report of its import."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中(后台导入)"
        RUNNING = "running", "导入中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    upload = models.FileField("上传的文件", upload_to=page_import_upload_to)
    original_name = models.CharField("文件名", max_length=255)
    is_update = models.BooleanField(
        "更新改过或已发布的稿件",
        default=False,
        help_text="编辑改过或已发布的稿件也按页面更新(与命令行导入的“更新”选项相同)。",
    )
    is_forced = models.BooleanField(
        "允许已发布的每周要闻减少稿件",
        default=False,
        help_text="页面比已发布的一期少了稿件或简讯时仍然导入(与命令行导入的“强制”选项相同)。",
    )
    is_dry_run = models.BooleanField(
        "试运行", default=False, help_text="只生成报告,不写入任何内容。"
    )
    column = models.ForeignKey(
        Column,
        verbose_name="栏目",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="单篇稿件页面放入这个栏目(与命令行导入的“指定栏目”选项相同);"
        "留空则按页面的“当前位置”。只有可以新建栏目的人导入时才会新建栏目,"
        "其他人导入的页面若栏目不存在,放入“巫溪要闻”。",
    )
    status = models.CharField(
        "状态", max_length=20, choices=Status, default=Status.QUEUED
    )
    files_done = models.PositiveIntegerField("已处理文件数", default=0)
    heartbeat_at = models.DateTimeField(
        "最近进展",
        null=True,
        blank=True,
        help_text="导入中每处理完一个文件记一次;长时间没有进展说明处理进程已停止。",
    )
    report = models.JSONField("报告", default=dict, blank=True)
    report_file = models.FileField(
        "完整报告",
        upload_to=page_import_report_to,
        blank=True,
        help_text="每个文件的逐行去向(JSON Lines,一行一个文件),供下载完整报告。",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导入旧网站页面"
        verbose_name_plural = "导入旧网站页面"
        ordering = ["-created_at", "-pk"]
        # Everything about it is governed by digests.import_pages.
        default_permissions = ()

    def __str__(self):
        return f"{self.original_name}({self.created_at:%Y-%m-%d %H:%M})"
