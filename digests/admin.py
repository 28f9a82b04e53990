from django.contrib import admin

from .models import Brief, DigestItem, WeeklyDigest


class DigestItemInline(admin.TabularInline):
    model = DigestItem
    extra = 0
    autocomplete_fields = ["article"]
    fields = ["article", "order", "is_lead"]


class BriefInline(admin.TabularInline):
    model = Brief
    extra = 0
    fields = ["happened_on", "text", "order"]


@admin.register(WeeklyDigest)
class WeeklyDigestAdmin(admin.ModelAdmin):
    list_display = ["title", "issued_on", "column", "status", "published_at"]
    list_filter = ["status", "column"]
    search_fields = ["title", "items__article__headline"]
    list_select_related = ["column"]
    date_hierarchy = "issued_on"
    inlines = [DigestItemInline, BriefInline]
