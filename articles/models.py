import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone

from media.models import Photo
from people.editorial import RULE_LABELS
from people.models import Person
from wuxi_news.text import clean_text, has_case, sanitize_html

from .body import block_text, split_blocks


class ColumnQuerySet(models.QuerySet):
    def default(self) -> "Column | None":
        """The column new items start in: the only one, else 巫溪要闻."""
        columns = list(self.order_by("pk")[:2])
        if len(columns) == 1:
            return columns[0]
        return self.filter(Q(slug="wxyw") | Q(name="巫溪要闻")).first()


class Column(models.Model):
    name = models.CharField("栏目名称", max_length=50, unique=True)
    slug = models.SlugField(
        "网址标识",
        max_length=50,
        unique=True,
        help_text="英文字母、数字或连字符,用于网址,如“wxyw”(巫溪要闻)。",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级栏目",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="面包屑导航由上级栏目自动生成:首页>上级栏目>本栏目。",
    )
    description = models.CharField("栏目描述", max_length=300, blank=True)
    keywords = models.CharField("栏目关键词", max_length=200, blank=True)
    column_type = models.CharField(
        "栏目类型",
        max_length=50,
        default="信息发布",
        help_text="政府网站栏目类型,如“信息发布”。",
    )
    rank = models.PositiveIntegerField("排序", default=100)
    stale_after_days = models.PositiveSmallIntegerField(
        "未更新提醒天数",
        default=14,
        help_text="栏目连续这么多天没有发布新内容时,工作台提醒你更新"
        "(新闻栏目一般为 14 天);填 0 表示不提醒。",
    )

    objects = ColumnQuerySet.as_manager()

    class Meta:
        verbose_name = "栏目"
        verbose_name_plural = "栏目"
        ordering = ["rank", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("column", kwargs={"slug": self.slug})

    def page_url(self, number: int) -> str:
        """Page `number` of the column's public listing (page 1 is the column's URL)."""
        if number <= 1:
            return self.get_absolute_url()
        return reverse("column_page", kwargs={"slug": self.slug, "page": number})

    def staleness_warning(
        self, *, last_published_on: datetime.date | None, today: datetime.date
    ) -> str:
        """The workbench's warning when the column went `stale_after_days` without news."""
        if not self.stale_after_days:
            return ""
        if last_published_on is None:
            return f"栏目「{self.name}」还没有发布过内容。"
        days = (today - last_published_on).days
        if days >= self.stale_after_days:
            return f"栏目「{self.name}」已 {days} 天未更新"
        return ""

    def ancestors(self) -> list["Column"]:
        """This column and its parents, outermost first (for the breadcrumb)."""
        chain, seen, node = [], set(), self
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


# Who may pass (or send back) an article at each review stage.
REVIEW_PERMISSIONS = {
    "first": "articles.first_review_article",
    "second": "articles.review_article",
    "final": "articles.publish_article",
}


def review_stages_for(user) -> list[str]:
    """The review stages `user` may act on."""
    return [stage for stage, perm in REVIEW_PERMISSIONS.items() if user.has_perm(perm)]


class ArticleQuerySet(models.QuerySet):
    def published(self, now: datetime.datetime | None = None):
        """Public now: published, and its publication time has come."""
        return self.filter(
            status=Article.Status.PUBLISHED, published_at__lte=now or timezone.now()
        )

    def in_column(self, column: Column):
        return self.filter(column=column)

    def scheduled(self, *, until: datetime.datetime, now=None):
        """Signed off, going public after `now` and no later than `until`."""
        return self.filter(
            status=Article.Status.PUBLISHED,
            published_at__gt=now or timezone.now(),
            published_at__lte=until,
        ).order_by("published_at", "pk")

    def awaiting_review_by(self, user):
        """In review at a stage `user` may act on, oldest step first."""
        return (
            self.filter(
                status=Article.Status.REVIEW, review_stage__in=review_stages_for(user)
            )
            .with_last_step()
            .order_by("last_step_at", "pk")
        )

    def drafts_of(self, user):
        """Drafts `user` created: a reporter's own desk, nobody else's."""
        return self.filter(status=Article.Status.DRAFT, created_by=user).order_by(
            "-updated_at", "-pk"
        )

    def returned_to(self, user):
        """`user`'s drafts whose last step was a return, with its reason."""
        return (
            self.drafts_of(user)
            .with_last_step()
            .filter(last_action=Review.Action.RETURN)
            .order_by("-last_step_at", "-pk")
        )

    def edited_by(self, user):
        return self.filter(updated_by=user).order_by("-updated_at", "-pk")

    def with_last_step(self):
        """Annotate the last review step: action, who, when, remark; and the submitter."""
        last = Review.objects.filter(article=OuterRef("pk")).order_by(
            "-created_at", "-pk"
        )
        submit = last.filter(action=Review.Action.SUBMIT)
        return self.annotate(
            last_action=Subquery(last.values("action")[:1]),
            last_step_at=Subquery(last.values("created_at")[:1]),
            last_remark=Subquery(last.values("remark")[:1]),
            last_by=Subquery(last.values("reviewer_name")[:1]),
            submitted_by=Subquery(submit.values("reviewer_name")[:1]),
        )

    def concerning(self, person: Person):
        return self.filter(officials=person)

    def newest_first(self):
        return self.order_by("-news_on", "-published_at", "-pk")

    def latest_per_column(self, count: int):
        """The newest `count` of every column, in one query whatever the column count."""
        newest = [F("news_on").desc(), F("published_at").desc(), F("pk").desc()]
        return (
            self.annotate(
                row=Window(RowNumber(), partition_by=[F("column_id")], order_by=newest)
            )
            .filter(row__lte=count)
            .newest_first()
        )

    def with_last_review(self):
        """Each article's latest review step and remark, for lists (no query per row)."""
        latest = Review.objects.filter(article=OuterRef("pk")).order_by(
            "-created_at", "-pk"
        )
        return self.annotate(
            last_review_action=Subquery(latest.values("action")[:1]),
            last_review_remark=Subquery(latest.values("remark")[:1]),
        )

    def search(self, query: str, *, headlines_only: bool = False):
        """Substring search over headline and body: works for Chinese without segmentation.

        On PostgreSQL trigram indexes on both columns answer it (migration
        0007_search_trigram_indexes); `headlines_only` serves queries too short for them.
        """
        query = (query or "").strip()
        if not query:
            return self
        if headlines_only:
            # No index helps a query this short: scan the headlines, and without
            # UPPER() when the query has no letters with case (Chinese, digits).
            lookup = "icontains" if has_case(query) else "contains"
            return self.filter(**{f"headline__{lookup}": query})
        return self.filter(Q(headline__icontains=query) | Q(body__icontains=query))

    def with_placements(self):
        return self.prefetch_related(
            models.Prefetch(
                "placements",
                queryset=ArticlePhoto.objects.select_related("photo").order_by(
                    "after_paragraph", "order", "pk"
                ),
            )
        )


@dataclass(frozen=True)
class Block:
    """One piece of an article body in reading order: a paragraph or a photo."""

    kind: str  # "html" or "photo"
    html: str = ""
    text: str = ""
    photo: Photo | None = None


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        REVIEW = "review", "待审"
        PUBLISHED = "published", "已发布"

    class ReviewStage(models.TextChoices):
        FIRST = "first", "待初审(编辑)"
        SECOND = "second", "待复审(审核)"
        FINAL = "final", "待终审"

    headline = models.CharField("标题", max_length=200)
    column = models.ForeignKey(
        Column, verbose_name="栏目", on_delete=models.PROTECT, related_name="articles"
    )
    news_on = models.DateField(
        "新闻日期", help_text="新闻发生的日期,决定稿件归入每周要闻的哪一天。"
    )
    published_at = models.DateTimeField(
        "发布时间",
        null=True,
        blank=True,
        help_text="终审签发时填写将来的时间即为定时发布:到时自动公开。",
    )
    status = models.CharField(
        "状态", max_length=20, choices=Status, default=Status.DRAFT, db_index=True
    )
    review_stage = models.CharField(
        "审核环节",
        max_length=20,
        choices=ReviewStage,
        blank=True,
        help_text="待审稿件当前所处的环节(三审:初审、复审、终审)。",
    )
    summary = models.CharField(
        "摘要",
        max_length=300,
        blank=True,
        help_text="用于搜索引擎和分享;留空则取正文第一段。",
    )
    body = models.TextField(
        "正文", blank=True, help_text="保存时自动清除不安全的代码。"
    )
    source = models.CharField(
        "来源", max_length=100, blank=True, default="巫溪县融媒体中心"
    )
    reporters = models.CharField(
        "记者", max_length=100, blank=True, help_text="如“记者 吴丹”。"
    )
    responsible_editor = models.CharField("责任编辑", max_length=50, blank=True)
    officials = models.ManyToManyField(
        Person,
        verbose_name="涉及的领导",
        blank=True,
        related_name="articles",
        help_text="稿件报道的领导干部;其个人页面会列出本稿。",
    )
    imported_from = models.CharField(
        "导入来源",
        max_length=255,
        blank=True,
        editable=False,
        help_text="从旧网站页面导入时的文件名。",
    )
    imported_headline = models.CharField(
        "导入时的标题", max_length=200, blank=True, editable=False
    )
    import_fingerprint = models.CharField(
        "导入指纹",
        max_length=64,
        blank=True,
        editable=False,
        db_index=True,
        help_text="导入时稿件内容的摘要:再次导入时据此找到本稿(即使标题已改),"
        "并判断编辑是否改过。",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="最后修改人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = "稿件"
        verbose_name_plural = "稿件"
        ordering = ["-news_on", "-published_at", "-pk"]
        indexes = [models.Index(fields=["column", "status", "-news_on"])]
        permissions = [
            ("first_review_article", "可以初审稿件"),
            ("review_article", "可以审核稿件"),
            ("publish_article", "可以终审发布稿件"),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        self.headline = clean_text(self.headline).strip()
        self.summary = clean_text(self.summary).strip()
        self.body = sanitize_html(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"pk": self.pk})

    def neighbours(self) -> tuple["Article | None", "Article | None"]:
        """The published articles before and after this one in its column (by date)."""
        if self.published_at is None:
            return None, None
        siblings = (
            Article.objects.published()
            .in_column(self.column_id)
            .exclude(pk=self.pk)
            .only("pk", "headline")
        )
        day, at, pk = self.news_on, self.published_at, self.pk
        older = siblings.filter(
            Q(news_on__lt=day)
            | Q(news_on=day, published_at__lt=at)
            | Q(news_on=day, published_at=at, pk__lt=pk)
        ).newest_first()
        newer = siblings.filter(
            Q(news_on__gt=day)
            | Q(news_on=day, published_at__gt=at)
            | Q(news_on=day, published_at=at, pk__gt=pk)
        ).order_by("news_on", "published_at", "pk")
        return older.first(), newer.first()

    @property
    def return_reason(self) -> str | None:
        """Why a draft was sent back, if its last review step was a return."""
        if self.status != self.Status.DRAFT:
            return None
        if hasattr(self, "last_review_action"):  # with_last_review()
            action, remark = self.last_review_action, self.last_review_remark
        else:
            last = self.reviews.order_by("-created_at", "-pk").first()
            action, remark = (last.action, last.remark) if last else (None, "")
        return remark if action == Review.Action.RETURN else None

    @property
    def is_published(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def review_line(self) -> str:
        """`责任编辑:… 审核:… 终审:…` from the review trail of the current publication."""
        names = {}
        for review in self.reviews.all():
            label = Review.LINE_LABELS.get(review.action)
            if review.action in Review.RESETS:
                names = {}
            elif label:
                names[label] = review.reviewer_name
        return " ".join(
            f"{label}:{names[label]}"
            for label in Review.LINE_LABELS.values()
            if names.get(label)
        )

    def paragraphs(self) -> list[str]:
        return split_blocks(self.body)

    def blocks(self) -> list[Block]:
        """Body blocks with photos placed between them, in reading order."""
        paragraphs = self.paragraphs()
        placements = sorted(
            self.placements.all(), key=lambda p: (p.after_paragraph, p.order, p.pk)
        )
        result: list[Block] = []
        remaining = iter(placements)
        pending = next(remaining, None)
        for index in range(len(paragraphs) + 1):
            # Photos placed after `index` paragraphs; overflow goes to the end.
            while pending is not None and (
                pending.after_paragraph <= index or index == len(paragraphs)
            ):
                result.append(Block(kind="photo", photo=pending.photo))
                pending = next(remaining, None)
            if index < len(paragraphs):
                block = paragraphs[index]
                result.append(Block(kind="html", html=block, text=block_text(block)))
        return result

    def description(self) -> str:
        if self.summary:
            return self.summary
        for block in self.paragraphs():
            text = block_text(block)
            if text:
                return text[:120]
        return self.headline


class ArticlePhoto(models.Model):
    article = models.ForeignKey(
        Article,
        verbose_name="稿件",
        on_delete=models.CASCADE,
        related_name="placements",
    )
    photo = models.ForeignKey(
        Photo, verbose_name="图片", on_delete=models.PROTECT, related_name="placements"
    )
    after_paragraph = models.PositiveSmallIntegerField(
        "位置", default=1, help_text="放在第几段之后;0 表示放在正文最前面。"
    )
    order = models.PositiveSmallIntegerField(
        "同位置顺序", default=0, help_text="同一位置有多张图片时的先后。"
    )

    class Meta:
        verbose_name = "稿件图片"
        verbose_name_plural = "稿件图片"
        ordering = ["after_paragraph", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "photo"], name="articlephoto_photo_once_per_article"
            )
        ]

    def __str__(self):
        return f"{self.article} · {self.photo}"


class Review(models.Model):
    """One step of the three-review trail (三审): who did what to an article, when, why."""

    class Action(models.TextChoices):
        SUBMIT = "submit", "提交审核"
        FIRST = "first", "初审通过"
        SECOND = "second", "复审通过"
        SIGN_OFF = "sign_off", "终审签发"
        RETURN = "return", "退回修改"
        UNPUBLISH = "unpublish", "撤销发布"
        DISMISS = "dismiss", "忽略校对提示"

    # Who appears in the article's review line, and under which label.
    LINE_LABELS = {
        Action.FIRST: "责任编辑",
        Action.SECOND: "审核",
        Action.SIGN_OFF: "终审",
    }
    # A return or an unpublish starts the trail of the next publication afresh.
    RESETS = {Action.RETURN, Action.UNPUBLISH, Action.SUBMIT}

    article = models.ForeignKey(
        Article, verbose_name="稿件", on_delete=models.CASCADE, related_name="reviews"
    )
    action = models.CharField("操作", max_length=20, choices=Action)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    reviewer_name = models.CharField(
        "署名", max_length=50, help_text="操作时的姓名;账号删除后仍然保留。"
    )
    remark = models.TextField("意见", blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "审核记录"
        verbose_name_plural = "审核记录"
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} {self.reviewer_name}"


class EditLock(models.Model):
    """Who has an article or digest open for editing, and since when (a soft lock)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="编辑人",
        on_delete=models.CASCADE,
        related_name="+",
    )
    since = models.DateTimeField("开始时间", default=timezone.now)
    seen_at = models.DateTimeField(
        "最近活动",
        default=timezone.now,
        help_text="编辑页面最近一次报告仍在打开的时间。",
    )

    class Meta:
        verbose_name = "编辑锁"
        verbose_name_plural = "编辑锁"
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="editlock_one_per_object"
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.since:%Y-%m-%d %H:%M}"


class FindingDismissal(models.Model):
    """An editorial-check finding an editor set aside, with the reason.

    It holds while the matched text is unchanged (the fingerprint is the rule's code
    and that text); once the text changes, the finding is new and shows again.
    """

    article = models.ForeignKey(
        Article,
        verbose_name="稿件",
        on_delete=models.CASCADE,
        related_name="dismissals",
    )
    code = models.CharField("规则", max_length=40)
    severity = models.CharField("级别", max_length=1)
    fingerprint = models.CharField("指纹", max_length=40)
    excerpt = models.CharField("原文", max_length=300)
    reason = models.CharField("理由", max_length=500)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    dismissed_by_name = models.CharField("署名", max_length=50)
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "已忽略的校对提示"
        verbose_name_plural = "已忽略的校对提示"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "fingerprint"],
                name="findingdismissal_once_per_article",
                violation_error_message="这条校对提示已经忽略过了。",
            )
        ]

    def __str__(self):
        return f"{self.code} “{self.excerpt}”"


class AllowedFinding(models.Model):
    """A site-wide exception (终审 only): this rule never flags this text."""

    code = models.CharField(
        "规则",
        max_length=40,
        choices=list(RULE_LABELS.items()),
        help_text="哪一条校对规则不再对这段文字提示。",
    )
    text = models.CharField(
        "文字",
        max_length=200,
        help_text="提示的原文包含这段文字时,全站不再提示。",
    )
    reason = models.CharField("理由", max_length=500, help_text="至少写 4 个字。")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="添加人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("添加时间", auto_now_add=True)

    class Meta:
        verbose_name = "校对允许清单"
        verbose_name_plural = "校对允许清单"
        ordering = ["code", "text"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "text"],
                name="allowedfinding_once",
                violation_error_message="允许清单里已有这一条。",
            )
        ]

    def __str__(self):
        return f"{self.code}:{self.text}"

    def clean(self):
        if len((self.reason or "").strip()) < 4:
            raise ValidationError({"reason": "请写明理由,至少 4 个字。"})

    def allows(self, finding) -> bool:
        return finding.code == self.code and self.text in finding.excerpt


class NoticeQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def newest_first(self):
        return self.order_by("-created_at", "-pk")


class Notice(models.Model):
    """An in-app notice to one person about a workflow step on an article."""

    class Kind(models.TextChoices):
        STAGE = "stage", "待你审核"
        RETURNED = "returned", "稿件被退回"
        PUBLISHED = "published", "稿件已签发"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="notices",
    )
    article = models.ForeignKey(
        Article,
        verbose_name="稿件",
        on_delete=models.CASCADE,
        related_name="notices",
    )
    kind = models.CharField("类型", max_length=20, choices=Kind)
    text = models.CharField("内容", max_length=300)
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField(
        "阅读时间", null=True, blank=True, help_text="打开通知的时间;空表示未读。"
    )

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
