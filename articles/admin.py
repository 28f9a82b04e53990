from ckeditor.widgets import CKEditorWidget
from django import forms
from django.contrib import admin

from .models import Article, ArticlePhoto, Column


@admin.register(Column)
class ColumnAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent", "rank"]
    list_filter = ["parent"]
    search_fields = ["name", "slug"]
    list_select_related = ["parent"]


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = [
            "headline", "column", "news_on", "status", "published_at", "summary", "body",
            "source", "reporters", "responsible_editor", "officials",
        ]  # fmt: skip
        widgets = {"body": CKEditorWidget()}


class ArticlePhotoInline(admin.TabularInline):
    model = ArticlePhoto
    extra = 1
    autocomplete_fields = ["photo"]
    fields = ["photo", "after_paragraph", "order"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    list_display = ["headline", "column", "news_on", "status", "published_at"]
    list_filter = ["status", "column", "news_on", "officials"]
    search_fields = ["headline", "body"]
    list_select_related = ["column"]
    date_hierarchy = "news_on"
    autocomplete_fields = ["officials"]
    inlines = [ArticlePhotoInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
