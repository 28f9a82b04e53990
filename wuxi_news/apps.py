from django.apps import AppConfig


class WuxiNewsConfig(AppConfig):
    name = "wuxi_news"
    verbose_name = "巫溪要闻"

    def ready(self):
        from . import cache

        cache.connect_signals()
