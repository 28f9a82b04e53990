from django.db import models
from django.utils import timezone


class CheckedLinkQuerySet(models.QuerySet):
    def broken(self):
        return self.filter(outcome=CheckedLink.Outcome.BROKEN).order_by(
            "page_url", "target", "pk"
        )


class CheckedLink(models.Model):
    """One link on one public page, as `check_links` last found it."""

    class Outcome(models.TextChoices):
        OK = "ok", "正常"
        REDIRECT = "redirect", "跳转"
        BROKEN = "broken", "断链"
        UNCHECKED = "unchecked", "未检查"

    page_url = models.CharField("所在页面", max_length=500)
    page_title = models.CharField("页面标题", max_length=200, blank=True)
    text = models.CharField("链接文字", max_length=300, blank=True)
    target = models.CharField("链接地址", max_length=1000)
    is_external = models.BooleanField("外部链接", default=False)
    outcome = models.CharField(
        "结果", max_length=20, choices=Outcome, default=Outcome.UNCHECKED
    )
    status = models.CharField(
        "状态",
        max_length=200,
        blank=True,
        help_text="HTTP 状态码,或“超时”“无法连接”等原因;跳转时写明跳到哪里。",
    )
    first_seen_at = models.DateTimeField("首次发现", default=timezone.now)
    last_checked_at = models.DateTimeField("最近检查", default=timezone.now)

    objects = CheckedLinkQuerySet.as_manager()

    class Meta:
        verbose_name = "链接检查结果"
        verbose_name_plural = "链接检查结果"
        ordering = ["page_url", "target", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["page_url", "target"], name="checkedlink_once_per_page"
            )
        ]

    def __str__(self):
        return f"{self.page_url} → {self.target}"


class PurgeRetry(models.Model):
    """A purge that failed (a front cache or CDN not told of a changed page), retried
    by the publish worker with a growing wait until it succeeds."""

    purger = models.CharField("刷新方式", max_length=200)
    path = models.CharField("页面", max_length=500)
    attempts = models.PositiveIntegerField("已尝试次数", default=0)
    last_error = models.TextField("最近错误", blank=True)
    next_attempt_at = models.DateTimeField("下次重试", default=timezone.now)
    first_failed_at = models.DateTimeField("首次失败", default=timezone.now)

    class Meta:
        verbose_name = "页面刷新失败"
        verbose_name_plural = "页面刷新失败"
        constraints = [
            models.UniqueConstraint(
                fields=["purger", "path"], name="one_retry_per_page"
            )
        ]
        ordering = ["next_attempt_at", "pk"]

    def __str__(self):
        return f"{self.path}({self.purger})"
