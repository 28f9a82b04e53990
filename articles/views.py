from dataclasses import replace

from django.db.models import F, Q, Value
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import DetailView, ListView

from digests.models import WeeklyDigest
from people.models import Person, order_by_protocol
from wuxi_news.cache import PublicPageMixin
from wuxi_news.context_processors import FONT_SIZES

from .filters import ArticleFilter, DigestFilter
from .mentions import link_first_mentions
from .models import Article, Column
from .services import can_preview


class ColumnView(PublicPageMixin, ListView):
    """Published articles and digests of a column, newest first, filterable."""

    template_name = "articles/column_detail.html"
    context_object_name = "entries"
    paginate_by = 20

    def get_queryset(self):
        self.column = get_object_or_404(Column, slug=self.kwargs["slug"])
        self.article_filter = ArticleFilter(
            self.request.GET,
            queryset=Article.objects.published().in_column(self.column),
        )
        self.digest_filter = DigestFilter(
            self.request.GET,
            queryset=WeeklyDigest.objects.published().in_column(self.column),
        )
        articles = self.article_filter.qs.annotate(
            kind=Value("article"), entry_title=F("headline"), entry_day=F("news_on")
        ).values("pk", "kind", "entry_title", "entry_day")
        digests = self.digest_filter.qs.annotate(
            kind=Value("digest"), entry_title=F("title"), entry_day=F("issued_on")
        ).values("pk", "kind", "entry_title", "entry_day")
        return (
            articles.order_by()
            .union(digests.order_by(), all=True)
            .order_by("-entry_day", "kind", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        published = Article.objects.published().in_column(self.column)
        months = set(published.dates("news_on", "month"))
        months |= set(
            WeeklyDigest.objects.published()
            .in_column(self.column)
            .dates("issued_on", "month")
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        form = self.article_filter.form
        context |= {
            "column": self.column,
            "months": sorted(months, reverse=True),
            "officials": list(
                Person.objects.officials()
                .filter(articles__in=published)
                .order_by("name", "pk")
            ),
            "filters": {
                name: (form.data.get(name) or "").strip()
                for name in ("q", "month", "official")
            },
            "query_string": query.urlencode(),
            "page_numbers": (
                context["paginator"].get_elided_page_range(
                    context["page_obj"].number, on_each_side=2, on_ends=1
                )
                if context["is_paginated"]
                else []
            ),
        }
        page = context["page_obj"].number
        if page > 1:
            context["canonical_url"] = self.request.build_absolute_uri(
                f"{self.request.path}?page={page}"
            )
        return context


class ArticleDetailView(PublicPageMixin, DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        articles = Article.objects.select_related(
            "column__parent__parent"
        ).with_placements()
        if self.request.user.is_staff:
            return articles  # a preview, maybe: get_object decides
        return articles.published()

    def get_object(self, queryset=None):
        article = super().get_object(queryset)
        if not (article.is_published or can_preview(self.request.user, article)):
            raise Http404("稿件不存在或尚未公开。")
        return article

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        officials = order_by_protocol(
            Person.objects.officials()
            .filter(articles=article)
            .with_appointments()
            .with_namesake_flag(),
            article.news_on,
        )
        blocks = article.blocks()
        linked = iter(
            link_first_mentions([b.html for b in blocks if b.kind == "html"], officials)
        )
        context["blocks"] = blocks = [
            replace(b, html=next(linked)) if b.kind == "html" else b for b in blocks
        ]
        context["officials"] = [
            (person, person.title_text_on(article.news_on)) for person in officials
        ]
        images = [b.photo.image for b in blocks if b.kind == "photo" and b.photo.image]
        context["og_image"] = images[0].url if images else ""
        context["previous_article"], context["next_article"] = self._neighbours()
        return context

    def _neighbours(self):
        """The published articles before and after this one in its column (by date)."""
        article = self.object
        siblings = (
            Article.objects.published()
            .in_column(article.column)
            .exclude(pk=article.pk)
            .only("pk", "headline")
        )
        if article.published_at is None:
            return None, None
        day, at, pk = article.news_on, article.published_at, article.pk
        older = siblings.filter(
            Q(news_on__lt=day)
            | Q(news_on=day, published_at__lt=at)
            | Q(news_on=day, published_at=at, pk__lt=pk)
        ).newest_first()
        newer = siblings.filter(
            Q(news_on__gt=day)
            | Q(news_on=day, published_at__gt=at)
            | Q(news_on=day, published_at=at, pk__gt=pk)
        ).order_by("news_on", "published_at", "pk")
        return older.first(), newer.first()


class PreferencesView(View):
    """【字体:大 中 小】 and 长者模式 without JavaScript: set a cookie, go back."""

    max_age = 365 * 24 * 60 * 60

    def get(self, request):
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}
        ):
            target = reverse("home")
        response = HttpResponseRedirect(target)
        font = request.GET.get("font")
        if font in FONT_SIZES:
            response.set_cookie("font", font, max_age=self.max_age, samesite="Lax")
        elder = request.GET.get("elder")
        if elder in ("0", "1"):
            response.set_cookie("elder", elder, max_age=self.max_age, samesite="Lax")
        response["Cache-Control"] = "no-store"
        return response


class RobotsView(View):
    def get(self, request):
        lines = [
            "User-agent: *",
            "Disallow: /admin/",
            "Disallow: /prefs/",
            f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
        ]
        return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
