import axes.apps
import django.contrib.admin.apps
from django.apps import AppConfig


class WuxiNewsConfig(AppConfig):
    name = "wuxi_news"
    verbose_name = "巫溪要闻"

    def ready(self):
        from .publishing import checks, queue  # noqa: F401 (checks: registered)

        queue.connect_signals()


class AxesConfig(axes.apps.AppConfig):
    """django-axes under a Chinese name; its field names are in wuxi_news/locale."""

    default = False
    verbose_name = "登录保护"

    def ready(self):
        super().ready()
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        # Axes writes these titles (admin breadcrumbs and headings) as English
        # f-strings, out of reach of translation.
        AccessAttempt.__str__ = lambda row: f"{row.username} 的登录尝试"
        AccessFailureLog.__str__ = lambda row: (
            f"{row.username} 登录失败{'(已锁定)' if row.locked_out else ''}"
        )
        AccessLog.__str__ = lambda row: f"{row.username} 的登录记录"


class NewsAdminConfig(django.contrib.admin.apps.AdminConfig):
    """Django's admin with the newsroom's site: the workbench as its home page."""

    default = False
    default_site = "wuxi_news.sites.NewsAdminSite"
