"""The editors' workbench (工作台): what each person has to do, panel by panel.

One builder, `build_workbench`, serves the admin home page and its JSON twin for the
newsroom's wall screen, so both show the same panels under the same permissions. Each
panel costs a fixed number of queries whatever the amount of work (tests count them).
"""

import datetime
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from articles.editing import live_locks
from articles.models import (
    REVIEW_PERMISSIONS,
    Article,
    Column,
    review_stages_for,
)
from digests.models import WeeklyDigest
from digests.services import week_articles
from wuxi_news.staff import display_name

from .models import CheckedLink

ROWS = 8  # rows shown per panel; the count says how many there are in all
SCHEDULE_DAYS = 7


@dataclass
class Row:
    title: str
    url: str = ""
    meta: str = ""
    note: str = ""
    is_warning: bool = False


@dataclass
class Panel:
    key: str
    title: str
    count: int
    rows: list[Row] = field(default_factory=list)
    empty: str = "暂无。"
    more_url: str = ""
    more_text: str = ""
    button_url: str = ""
    button_text: str = ""
    summary: str = ""
    warnings: list[str] = field(default_factory=list)


def _change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def _ago(moment: datetime.datetime | None, now: datetime.datetime) -> str:
    if moment is None:
        return ""
    if now - moment < datetime.timedelta(minutes=1):
        return "刚刚"
    return f"{timesince(moment, now, depth=1)}前"


def _when(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%m月%d日 %H:%M}"


def _articles_url(**filters) -> str:
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    return reverse("admin:articles_article_changelist") + (f"?{query}" if query else "")


def awaiting_panel(user, now) -> Panel:
    articles = Article.objects.awaiting_review_by(user).select_related("column")
    stages = review_stages_for(user)
    labels = "、".join(Article.ReviewStage(s).label.split("(")[0] for s in stages)
    return Panel(
        key="awaiting",
        title="待我处理",
        count=articles.count(),
        rows=[
            Row(
                title=article.headline,
                url=_change_url(article),
                meta=f"{article.get_review_stage_display()} · {article.column.name}",
                note=f"{article.submitted_by or '—'} 提交,"
                f"{_ago(article.last_step_at, now)}转到本环节",
            )
            for article in articles[:ROWS]
        ],
        summary=f"你可以处理的环节:{labels}。",
        empty="没有等你审核的稿件。",
        more_url=_articles_url(status__exact="review"),
        more_text="全部待审稿件",
    )


def returned_panel(user, now) -> Panel:
    articles = Article.objects.returned_to(user)
    return Panel(
        key="returned",
        title="退回给我",
        count=articles.count(),
        rows=[
            Row(
                title=article.headline,
                url=_change_url(article),
                meta=f"{article.last_by} 退回,{_ago(article.last_step_at, now)}",
                note=f"退回原因:{article.last_remark}",
                is_warning=True,
            )
            for article in articles[:ROWS]
        ],
        empty="没有退回给你的稿件。",
    )


def drafts_panel(user, now) -> Panel:
    articles = Article.objects.drafts_of(user).select_related("column")
    return Panel(
        key="drafts",
        title="我的草稿",
        count=articles.count(),
        rows=[
            Row(
                title=article.headline,
                url=_change_url(article),
                meta=article.column.name,
                note=f"{_ago(article.updated_at, now)}修改",
            )
            for article in articles[:ROWS]
        ],
        empty="你没有草稿。",
        button_url=reverse("admin:articles_article_add"),
        button_text="写新稿件",
    )


def recent_panel(user, now) -> Panel:
    articles = Article.objects.edited_by(user)
    return Panel(
        key="recent",
        title="我最近编辑的",
        count=articles.count(),
        rows=[
            Row(
                title=article.headline,
                url=_change_url(article),
                meta=article.get_status_display(),
                note=f"{_ago(article.updated_at, now)}",
            )
            for article in articles[:ROWS]
        ],
        empty="你最近没有编辑过稿件。",
    )


def this_week(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    monday = today - datetime.timedelta(days=today.weekday())
    return monday, monday + datetime.timedelta(days=6)


def digest_panel(user, now) -> Panel:
    monday, sunday = this_week(timezone.localdate(now))
    column = Column.objects.default()
    digest = (
        WeeklyDigest.objects.filter(
            column=column, week_starts_on__lte=sunday, week_ends_on__gte=monday
        )
        .select_related("column")
        .order_by("-issued_on")
        .first()
        if column
        else None
    )
    week = f"{monday:%m月%d日}至{sunday:%m月%d日}"
    if digest is None:
        # The articles such a digest would take: the same rule as filling one.
        pending = (
            week_articles(
                digest=WeeklyDigest(
                    column=column, week_starts_on=monday, week_ends_on=sunday
                )
            ).count()
            if column
            else 0
        )
        can_add = user.has_perm("digests.add_weeklydigest")
        return Panel(
            key="digest",
            title="本周要闻",
            count=pending,
            summary=f"本周({week})的每周要闻还没有创建;"
            f"本周已发布 {pending} 篇稿件待收录。",
            warnings=["本周要闻还没有创建。"],
            button_url=(
                reverse("admin:digests_weeklydigest_add")
                + f"?week_starts_on={monday.isoformat()}&column={column.pk}"
                if can_add and column
                else ""
            ),
            button_text="新建本周要闻" if can_add and column else "",
        )
    pending = week_articles(digest=digest).exclude(digest_items__digest=digest).count()
    if digest.is_published:
        state = "已发布"
    elif digest.status == WeeklyDigest.Status.PUBLISHED:
        state = f"定时发布({_when(digest.published_at)})"
    else:
        state = digest.get_status_display()
    return Panel(
        key="digest",
        title="本周要闻",
        count=pending,
        summary=f"本周({week})的每周要闻:{state}。"
        + ("" if pending else "本周已发布的稿件已全部收录。"),
        warnings=[f"本周还有 {pending} 篇已发布稿件未收录。"] if pending else [],
        button_url=_change_url(digest),
        button_text="打开本周要闻",
    )


def scheduled_panel(user, now) -> Panel:
    until = now + datetime.timedelta(days=SCHEDULE_DAYS)
    articles = list(
        Article.objects.scheduled(until=until, now=now).select_related("column")
    )
    digests = (
        list(WeeklyDigest.objects.scheduled(until=until, now=now))
        if user.has_perm("digests.view_weeklydigest")
        else []
    )
    items = sorted(
        [(a.published_at, a, a.column.name) for a in articles]
        + [(d.published_at, d, "每周要闻") for d in digests],
        key=lambda item: item[0],
    )
    return Panel(
        key="scheduled",
        title="定时发布",
        count=len(items),
        rows=[
            Row(
                title=str(obj),
                url=_change_url(obj),
                meta=what,
                note=f"{_when(at)} 公开",
            )
            for at, obj, what in items[:ROWS]
        ],
        summary=f"未来 {SCHEDULE_DAYS} 天内定时公开的内容。",
        empty=f"未来 {SCHEDULE_DAYS} 天没有定时发布的内容。",
    )


def locks_panel(user, now) -> Panel:
    locks = list(
        live_locks(now).select_related("user", "content_type").order_by("since")
    )
    by_model: dict = {}
    for lock in locks:
        # Only what this person may open: a reporter does not see digests here.
        content_type = lock.content_type
        if user.has_perm(f"{content_type.app_label}.view_{content_type.model}"):
            by_model.setdefault(content_type, []).append(lock.object_id)
    objects = {
        (content_type.pk, obj.pk): obj
        for content_type, ids in by_model.items()
        for obj in content_type.model_class()._default_manager.filter(pk__in=ids)
    }
    rows = []
    for lock in locks:
        obj = objects.get((lock.content_type_id, lock.object_id))
        if obj is not None:
            rows.append(
                Row(
                    title=str(obj),
                    url=_change_url(obj),
                    meta=display_name(lock.user),
                    note=f"自 {_when(lock.since)} 起",
                )
            )
    return Panel(
        key="locks",
        title="正在编辑",
        count=len(rows),
        rows=rows[:ROWS],
        empty="现在没有人在编辑。",
    )


def freshness_panel(user, now) -> Panel:
    today = timezone.localdate(now)
    latest_article = (
        Article.objects.published(now)
        .filter(column=OuterRef("pk"))
        .order_by("-published_at")
        .values("published_at")[:1]
    )
    latest_digest = (
        WeeklyDigest.objects.published(now)
        .filter(column=OuterRef("pk"))
        .order_by("-published_at")
        .values("published_at")[:1]
    )
    columns = Column.objects.annotate(
        last_article_at=Subquery(latest_article),
        last_digest_at=Subquery(latest_digest),
    ).order_by("rank", "name")
    rows, warnings, newest = [], [], None
    for column in columns:
        moments = [m for m in (column.last_article_at, column.last_digest_at) if m]
        last = max(moments) if moments else None
        newest = max(newest, last) if newest and last else (newest or last)
        last_on = timezone.localdate(last) if last else None
        warning = column.staleness_warning(last_published_on=last_on, today=today)
        if warning:
            warnings.append(warning)
        rows.append(
            Row(
                title=column.name,
                url=column.get_absolute_url(),
                meta=_days_ago(last_on, today, "更新"),
                note=(
                    f"超过 {column.stale_after_days} 天未更新时提醒"
                    if column.stale_after_days
                    else "不提醒"
                ),
                is_warning=bool(warning),
            )
        )
    home_warning = home_staleness_warning(
        newest_on=timezone.localdate(newest) if newest else None, today=today
    )
    if home_warning:
        warnings.insert(0, home_warning)
    newest_on = timezone.localdate(newest) if newest else None
    return Panel(
        key="freshness",
        title="栏目更新",
        count=len(warnings),
        rows=rows,
        summary=f"首页最新内容:{_days_ago(newest_on, today, '发布')}。",
        warnings=warnings,
        empty="还没有栏目。",
    )


def _days_ago(day: datetime.date | None, today: datetime.date, verb: str) -> str:
    if day is None:
        return "尚未发布内容"
    days = (today - day).days
    return f"今天{verb}" if days <= 0 else f"{days} 天前{verb}"


def home_staleness_warning(*, newest_on: datetime.date | None, today) -> str:
    """The home page's rule: its newest public item is `HOME_STALE_AFTER_DAYS` old."""
    threshold = settings.HOME_STALE_AFTER_DAYS
    if not threshold:
        return ""
    if newest_on is None:
        return "首页还没有公开的内容。"
    days = (today - newest_on).days
    return f"首页已 {days} 天未更新" if days >= threshold else ""


def links_panel(user, now) -> Panel:
    broken = CheckedLink.objects.broken()
    last = CheckedLink.objects.order_by("-last_checked_at").first()
    return Panel(
        key="links",
        title="链接检查",
        count=broken.count(),
        rows=[
            Row(
                title=link.text or link.target,
                url=link.page_url,
                meta=f"{link.page_title or link.page_url}",
                note=f"{link.target}:{link.status}",
                is_warning=True,
            )
            for link in broken[:ROWS]
        ],
        summary=(
            f"最近一次检查:{_when(last.last_checked_at)}。"
            if last
            else "还没有检查过链接。"
        ),
        empty="最近一次检查没有发现断链。",
        more_url=reverse("admin:link_report"),
        more_text="链接检查报告",
    )


# A change waits this long for the baker before the workbench says the worker is down.
PUBLISH_LATE_SECONDS = 60


def publishing_panel(user, now) -> Panel:
    """Is the site up to date? Changes waiting for the baker, and failed purges."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    from .models import PurgeRetry
    from .publishing.queue import QUEUE

    due = Q(status="RUNNING") | Q(
        Q(run_after=get_date_max()) | Q(run_after__lte=now), status="READY"
    )
    state = DBTaskResult.objects.filter(queue_name=QUEUE).aggregate(
        count=Count("pk", filter=due),
        oldest=Min("enqueued_at", filter=due),
        last=Max("finished_at", filter=Q(status="SUCCESSFUL")),
    )
    count, oldest, last = state["count"], state["oldest"], state["last"]
    purges = list(PurgeRetry.objects.all()[: ROWS + 1])
    failing = len(purges) if len(purges) <= ROWS else PurgeRetry.objects.count()
    warnings = []
    if oldest is not None and (now - oldest).total_seconds() > PUBLISH_LATE_SECONDS:
        warnings.append(
            f"有 {count} 项修改等待发布到网站,最早的{_ago(oldest, now)}提交:"
            "网站发布服务(publishworker)可能没有运行,请联系管理员。"
        )
    if failing:
        warnings.append(f"{failing} 个页面的缓存刷新失败,正在自动重试。")
    return Panel(
        key="publishing",
        title="网站发布",
        count=count,
        rows=[
            Row(
                title=retry.path,
                url=retry.path,
                meta=f"缓存刷新失败,已尝试 {retry.attempts} 次",
                note=f"下次重试:{_when(retry.next_attempt_at)}",
                is_warning=True,
            )
            for retry in purges[:ROWS]
        ]
        if user.has_perm("wuxi_news.view_purgeretry")
        else [],
        summary=(f"发布服务最近一次完成:{_when(last)}。" if last else "")
        + (f"等待发布到网站:{count} 项。" if count else "网站页面已是最新。"),
        empty="没有刷新失败的页面。",
        warnings=warnings,
        more_url=reverse("admin:wuxi_news_purgeretry_changelist")
        if failing and user.has_perm("wuxi_news.view_purgeretry")
        else "",
        more_text="页面刷新失败列表" if failing else "",
    )


# Which panels a person sees: (builder, the permissions of which they need one).
PANELS = [
    (awaiting_panel, list(REVIEW_PERMISSIONS.values())),
    (returned_panel, ["articles.add_article"]),
    (drafts_panel, ["articles.add_article"]),
    (recent_panel, ["articles.change_article"]),
    (digest_panel, ["digests.view_weeklydigest"]),
    (scheduled_panel, ["articles.view_article"]),
    (locks_panel, ["articles.change_article"]),
    (freshness_panel, ["articles.view_article"]),
    (links_panel, ["articles.view_article"]),
    (publishing_panel, ["articles.view_article"]),
]  # fmt: skip


def build_workbench(user, now: datetime.datetime | None = None) -> list[Panel]:
    """The panels `user` may see, filled in."""
    now = now or timezone.now()
    panels = [
        builder(user, now)
        for builder, permissions in PANELS
        if any(user.has_perm(p) for p in permissions)
        and (builder is not publishing_panel or settings.PUBLISH_QUEUE)
    ]
    # A site that is not being updated comes before everything else.
    return sorted(
        panels, key=lambda panel: not (panel.key == "publishing" and panel.warnings)
    )


def workbench_json(panels: list[Panel]) -> dict:
    return {"panels": [asdict(panel) for panel in panels]}
