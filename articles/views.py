from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView, TemplateView

from digests.models import WeeklyDigest

from .models import Article, Column


class HomeView(TemplateView):
    template_name = "articles/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["columns"] = [
            (
                column,
                list(Article.objects.published().in_column(column).newest_first()[:8]),
            )
            for column in Column.objects.filter(parent__isnull=True)
        ]
        context["latest_digest"] = (
            WeeklyDigest.objects.published().newest_first().first()
        )
        return context


class ColumnView(ListView):
    template_name = "articles/column_detail.html"
    context_object_name = "articles"
    paginate_by = 20

    def get_queryset(self):
        self.column = get_object_or_404(Column, slug=self.kwargs["slug"])
        return Article.objects.published().in_column(self.column).newest_first()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["column"] = self.column
        context["digests"] = WeeklyDigest.objects.published().in_column(self.column)[:5]
        return context


class ArticleDetailView(DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        articles = Article.objects.select_related("column__parent").with_placements()
        if self.request.user.is_staff:
            return articles  # staff preview drafts
        return articles.published()
