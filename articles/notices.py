"""Who hears about a workflow step, in the admin (a notice) and by email.

The workflow services (services.py) call `notify_step` through
`transaction.on_commit`: a step that is rolled back tells nobody. Emails go out only
when `NOTICE_EMAILS` is on (EMAIL_* configured); a mail server that fails is logged
and never undoes or breaks the step.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .models import REVIEW_PERMISSIONS, Article, Notice, Review

logger = logging.getLogger(__name__)


def reviewers_of(stage: str):
    """Active staff holding the permission for `stage` through a role or directly.

    A superuser (总编) may act at every stage but is not told about each one; give
    them a role to be notified.
    """
    app_label, codename = REVIEW_PERMISSIONS[stage].split(".")
    permission = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(groups__permissions__in=permission) | Q(user_permissions__in=permission)
        )
        .distinct()
    )


def _round_participants(article: Article) -> set[int]:
    """The author and whoever acted on the article since it was last submitted."""
    ids = {article.created_by_id} if article.created_by_id else set()
    for review in article.reviews.order_by("-created_at", "-pk"):
        if review.reviewer_id:
            ids.add(review.reviewer_id)
        if review.action == Review.Action.SUBMIT:
            break
    return ids


def _message(
    article: Article, action: str, actor_name: str, remark: str
) -> tuple[str, str]:
    if action == Review.Action.RETURN:
        reason = remark.rstrip("。")
        text = f"{actor_name}退回了稿件《{article.headline}》,原因:{reason}"
        return Notice.Kind.RETURNED, text[:299] + "。"
    if action == Review.Action.SIGN_OFF:
        when = timezone.localtime(article.published_at)
        if when > timezone.localtime():
            return (
                Notice.Kind.PUBLISHED,
                f"《{article.headline}》已由{actor_name}签发,"
                f"将于 {when:%m月%d日 %H:%M} 定时发布。",
            )
        return (
            Notice.Kind.PUBLISHED,
            f"《{article.headline}》已由{actor_name}签发发布。",
        )
    return (
        Notice.Kind.STAGE,
        f"《{article.headline}》{article.get_review_stage_display()},等你处理。",
    )


def recipients(*, article: Article, action: str, actor) -> list:
    """The people concerned by `action` just taken on `article` by `actor`."""
    User = get_user_model()
    if action == Review.Action.RETURN or action == Review.Action.SIGN_OFF:
        people = User.objects.filter(
            pk__in=_round_participants(article), is_active=True
        )
    elif article.status == Article.Status.REVIEW:
        people = reviewers_of(article.review_stage)
    else:
        return []
    return list(people.exclude(pk=actor.pk))


def notify_step(
    *, article_id: int, action: str, actor, remark: str = ""
) -> list[Notice]:
    """Tell the people concerned about the step `actor` just took (after commit)."""
    try:
        article = Article.objects.get(pk=article_id)
        name = actor.get_full_name() or actor.username
        kind, text = _message(article, action, name, remark)
        people = recipients(article=article, action=action, actor=actor)
        notices = Notice.objects.bulk_create(
            [Notice(recipient=person, article=article, kind=kind, text=text)
             for person in people]
        )  # fmt: skip
    except Exception:  # a notice that fails must not turn a done step into an error
        logger.exception("workflow notice for article %s failed", article_id)
        return []
    if settings.NOTICE_EMAILS:
        _email(article, text, [p.email for p in people if p.email])
    return notices


def _email(article: Article, text: str, addresses: list[str]) -> None:
    if not addresses:
        return
    link = settings.ADMIN_BASE_URL.rstrip("/") + reverse(
        "admin:articles_article_change", args=[article.pk]
    )
    try:
        send_mail(
            subject=f"【巫溪要闻】{text}",
            message=f"{text}\n\n打开稿件:{link}\n\n(编辑后台自动发送,请勿回复。)",
            from_email=None,
            recipient_list=addresses,
        )
    except Exception:  # the step is done; a mail server that is down only loses mail
        logger.exception("workflow email for article %s failed", article.pk)
