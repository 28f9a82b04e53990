import datetime
import re
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from pypinyin import Style, lazy_pinyin

from media.models import Photo
from wuxi_news.staff import display_name

from .checking import (
    DISMISS_ERROR_PERMISSIONS,
    ERROR_REASON_MIN,
    can_dismiss,
    check_article,
    ensure_publishable,
)
from .models import (
    REVIEW_PERMISSIONS,
    AllowedFinding,
    Article,
    Column,
    FindingDismissal,
    Review,
)
from .notices import notify_step


def column_slug(name: str) -> str:
    """An ASCII slug from a Chinese column name: its pinyin initials (巫溪要闻 → wxyw)."""
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore"))
    slug = re.sub(r"[^a-z0-9]+", "-", initials.lower()).strip("-")
    return slug or "column"


@transaction.atomic
def ensure_column_path(*, names: list[str]) -> Column:
    """The column at the end of a breadcrumb trail, creating missing ones under their parent."""
    parent = None
    column = None
    for name in names:
        column = _column_named(name=name, parent=parent)
        parent = column
    if column is None:
        raise ValueError("a column path needs at least one name")
    return column


def _column_named(*, name: str, parent: Column | None) -> Column:
    """The column of that name, created if there is none. Two imports naming the same
    new column at the same instant: the second's insert fails on the unique name (or
    slug) once the first commits, and it takes the first's column (or the next slug)."""
    for _ in range(10):
        column = Column.objects.filter(name=name).first()
        if column is not None:
            return column
        base = column_slug(name)
        slug, suffix = base, 2
        while Column.objects.filter(slug=slug).exists():
            slug, suffix = f"{base}-{suffix}", suffix + 1
        column = Column(name=name, slug=slug, parent=parent)
        column.full_clean()
        try:
            with transaction.atomic():
                column.save()
        except IntegrityError:
            continue
        return column
    raise ValidationError(f"栏目“{name}”正被同时新建,请稍后重新导入。")


# --- Review workflow (三审): draft → first review → second review → sign-off ---

NEXT_STAGE = {
    Article.ReviewStage.FIRST: Article.ReviewStage.SECOND,
    Article.ReviewStage.SECOND: Article.ReviewStage.FINAL,
}
# Steps that tell the people concerned (articles/notices.py): the next stage's
# reviewers, or the author and this round's reviewers on a return or a sign-off.
NOTIFIED_ACTIONS = {
    Review.Action.SUBMIT,
    Review.Action.FIRST,
    Review.Action.SECOND,
    Review.Action.SIGN_OFF,
    Review.Action.RETURN,
}
STAGE_ACTIONS = {
    Article.ReviewStage.FIRST: Review.Action.FIRST,
    Article.ReviewStage.SECOND: Review.Action.SECOND,
    Article.ReviewStage.FINAL: Review.Action.SIGN_OFF,
}


def _record(*, article: Article, user, action: str, remark: str = "") -> Review:
    # The trail and the page print this name, never a login (see wuxi_news/staff.py).
    if not user.get_full_name().strip():
        raise ValidationError(
            "你的账号还没有填写姓名,审核记录和稿件署名要用到它。"
            "请管理员在“用户”中填写姓名后再操作。"
        )
    review = Review(
        article=article,
        action=action,
        reviewer=user,
        reviewer_name=display_name(user),
        remark=remark.strip(),
    )
    review.full_clean()
    review.save()
    if action in NOTIFIED_ACTIONS:
        transaction.on_commit(
            partial(
                notify_step,
                article_id=article.pk,
                action=action,
                actor=user,
                remark=review.remark,
            )
        )
    return review


# What a workflow step writes. The text is never written back: the step may run on an
# object loaded before someone else's save, which it must not overwrite.
STEP_FIELDS = ["status", "review_stage", "published_at", "responsible_editor"]


def _lock_for_step(article: Article) -> Article:
    """Lock the article's row until the step commits and act on its committed state,
    so two steps (or a step and a save) cannot interleave."""
    current = Article.objects.select_for_update().only(*STEP_FIELDS).get(pk=article.pk)
    for name in STEP_FIELDS:
        setattr(article, name, getattr(current, name))
    return article


def _save_article(article: Article, user) -> None:
    article.updated_by = user
    article.full_clean()
    article.save(update_fields=[*STEP_FIELDS, "updated_by", "updated_at"])


def can_review(*, user, article: Article) -> bool:
    """Whether `user` may pass (or send back) the article at its current stage."""
    permission = REVIEW_PERMISSIONS.get(article.review_stage)
    return (
        article.status == Article.Status.REVIEW
        and permission is not None
        and user.has_perm(permission)
    )


def available_actions(*, user, article: Article) -> list[str]:
    """The workflow buttons to offer `user` on this article."""
    actions = []
    if article.status == Article.Status.DRAFT and user.has_perm(
        "articles.change_article"
    ):
        actions.append("submit")
    if can_review(user=user, article=article):
        actions += ["approve", "return"]
    if article.status == Article.Status.PUBLISHED and user.has_perm(
        "articles.publish_article"
    ):
        actions.append("unpublish")
    return actions


@transaction.atomic
def submit_article(*, article: Article, user, remark: str = "") -> Article:
    """The reporter hands a draft in for first review."""
    _lock_for_step(article)
    if not user.has_perm("articles.change_article"):
        raise PermissionDenied("你没有提交稿件的权限。")
    if article.status != Article.Status.DRAFT:
        raise ValidationError("只有草稿才能提交审核。")
    article.status = Article.Status.REVIEW
    article.review_stage = Article.ReviewStage.FIRST
    _save_article(article, user)
    _record(article=article, user=user, action=Review.Action.SUBMIT, remark=remark)
    return article


@transaction.atomic
def approve_article(
    *,
    article: Article,
    user,
    remark: str = "",
    publish_at: datetime.datetime | None = None,
) -> Article:
    """Pass the article's current review stage; the final stage publishes it.

    `publish_at` (or a publication time already set) in the future schedules it.
    """
    _lock_for_step(article)
    if article.status != Article.Status.REVIEW:
        raise ValidationError("稿件不在审核中。")
    if not can_review(user=user, article=article):
        raise PermissionDenied(
            f"你没有{article.get_review_stage_display()}环节的审核权限。"
        )
    stage = article.review_stage
    if stage == Article.ReviewStage.FINAL:
        ensure_publishable(article)  # the editorial check: no error left standing
        article.status = Article.Status.PUBLISHED
        article.review_stage = ""
        article.published_at = publish_at or article.published_at or timezone.now()
        if not article.responsible_editor:
            first = article.reviews.filter(action=Review.Action.FIRST).last()
            article.responsible_editor = first.reviewer_name if first else ""
    else:
        article.review_stage = NEXT_STAGE[stage]
    _save_article(article, user)
    _record(article=article, user=user, action=STAGE_ACTIONS[stage], remark=remark)
    return article


@transaction.atomic
def return_article(*, article: Article, user, reason: str) -> Article:
    """Send an article in review back to draft, with the reason for its author."""
    _lock_for_step(article)
    if not can_review(user=user, article=article):
        raise PermissionDenied("你没有退回此稿件的权限。")
    if not (reason or "").strip():
        raise ValidationError("退回稿件时请写明退回原因。")
    article.status = Article.Status.DRAFT
    article.review_stage = ""
    _save_article(article, user)
    _record(article=article, user=user, action=Review.Action.RETURN, remark=reason)
    return article


@transaction.atomic
def unpublish_article(*, article: Article, user, reason: str = "") -> Article:
    """Take a published (or scheduled) article off the site; it goes back to draft."""
    _lock_for_step(article)
    if not user.has_perm("articles.publish_article"):
        raise PermissionDenied("只有终审人员可以撤销发布。")
    if article.status != Article.Status.PUBLISHED:
        raise ValidationError("稿件尚未发布。")
    article.status = Article.Status.DRAFT
    article.review_stage = ""
    _save_article(article, user)
    _record(article=article, user=user, action=Review.Action.UNPUBLISH, remark=reason)
    return article


def can_edit_article(*, user, article: Article) -> bool:
    """Whether `user` may change the article's text and photos at its current step.

    A draft: anyone who writes articles. In review: whoever reviews the current stage,
    or the final signer. Published or scheduled: only the final signer, because what
    changes there is public at once (nothing public without 三审).
    """
    if not user.has_perm("articles.change_article"):
        return False
    if article.status == Article.Status.DRAFT:
        return True
    if article.status == Article.Status.REVIEW and can_review(
        user=user, article=article
    ):
        return True
    return user.has_perm("articles.publish_article")


def can_preview(user, article: Article) -> bool:
    """Whether `user` may read the article before it is public: whoever may edit it or
    review articles at any stage; anyone else gets the public's 404."""
    return user.is_staff and (
        can_edit_article(user=user, article=article)
        or any(user.has_perm(p) for p in REVIEW_PERMISSIONS.values())
    )


def read_only_reason(*, user, article: Article) -> str:
    """Why `user` may look at the article but not change it, for the admin page."""
    if not user.has_perm("articles.change_article"):
        return "你只能查看稿件,不能修改。"
    if article.is_scheduled:
        return "这篇稿件已定时发布,只有终审可以修改;需要改稿请联系终审。"
    if article.status == Article.Status.PUBLISHED:
        return "这篇稿件已发布,只有终审可以修改;需要改稿请联系终审。"
    if article.status == Article.Status.REVIEW:
        return (
            f"这篇稿件正在{article.get_review_stage_display()},"
            "只有这一环节的审核人员或终审可以修改;意见请写在审核意见里。"
        )
    return "你只能查看这篇稿件。"


def photo_locked_by(*, user, photo: Photo) -> list[Article]:
    """The articles placing `photo` that `user` may not change."""
    articles = Article.objects.filter(placements__photo=photo).distinct()
    return [a for a in articles if not can_edit_article(user=user, article=a)]


def can_change_photo(*, user, photo: Photo) -> bool:
    """A photo is changed only by whoever may change every article it is placed in."""
    return user.has_perm("media.change_photo") and not photo_locked_by(
        user=user, photo=photo
    )


# --- The editorial check (校对): setting findings aside ---


@transaction.atomic
def dismiss_finding(
    *, article: Article, user, fingerprint: str, reason: str
) -> FindingDismissal:
    """Set one finding aside for as long as its matched text is unchanged.

    Any editor may dismiss a warning or a note; only 审核 or 终审 an error, and with a
    reason of at least four characters. The dismissal goes into the review trail.
    """
    if not any(
        user.has_perm(p)
        for p in ("articles.change_article", "articles.first_review_article",
                  *DISMISS_ERROR_PERMISSIONS)
    ):  # fmt: skip
        raise PermissionDenied("你没有处理校对提示的权限。")
    checked = next(
        (c for c in check_article(article) if c.finding.fingerprint == fingerprint),
        None,
    )
    if checked is None:
        raise ValidationError("这条校对提示已不存在(稿件可能已经修改),请刷新页面。")
    finding = checked.finding
    if not can_dismiss(user=user, finding=finding):
        raise PermissionDenied("错误级(E)的校对提示只有审核或终审可以忽略。")
    reason = (reason or "").strip()
    if finding.is_error and len(reason) < ERROR_REASON_MIN:
        raise ValidationError(
            f"忽略错误级的校对提示请写明理由,至少 {ERROR_REASON_MIN} 个字。"
        )
    if not reason:
        raise ValidationError("忽略校对提示请写明理由。")
    dismissal = FindingDismissal.objects.filter(
        article=article, fingerprint=fingerprint
    ).first() or FindingDismissal(article=article, fingerprint=fingerprint)
    dismissal.code = finding.code
    dismissal.severity = finding.severity
    dismissal.excerpt = finding.excerpt[:300]
    dismissal.reason = reason
    dismissal.dismissed_by = user
    dismissal.dismissed_by_name = display_name(user)
    dismissal.created_at = timezone.now()
    dismissal.full_clean()
    dismissal.save()
    _record(
        article=article,
        user=user,
        action=Review.Action.DISMISS,
        remark=f"{finding.code}({finding.severity})“{finding.excerpt}”:{reason}",
    )
    return dismissal


@transaction.atomic
def allow_finding(*, user, code: str, text: str, reason: str) -> AllowedFinding:
    """A site-wide exception to one rule for one text; 终审 only."""
    if not user.has_perm("articles.publish_article"):
        raise PermissionDenied("只有终审可以把文字加入校对允许清单。")
    entry = AllowedFinding(
        code=code.strip(), text=text.strip(), reason=(reason or "").strip(),
        created_by=user,
    )  # fmt: skip
    entry.full_clean()
    entry.save()
    return entry
