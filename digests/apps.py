from django.apps import AppConfig


class DigestsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "digests"
    verbose_name = "每周要闻"
