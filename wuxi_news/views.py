"""Pages of the site layer that mix apps: home, a column's listing of articles and
digests, site map, an official's page, search, robots.txt and reading preferences."""

from django.core.paginator import InvalidPage, Paginator
from django.db.models import Case, F, IntegerField, Value, When
from django.http import (
    Http404,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from articles.body import block_text
from articles.models import Article, ArticlePhoto, Column
from digests.models import Brief, DigestItem, WeeklyDigest
from people.models import Person

from .columns import public_columns
from .context_processors import FONT_SIZES
from .filters import (
    MIN_QUERY_LENGTH,
    ArticleFilter,
    ArticleSearchFilter,
    DigestFilter,
    DigestSearchFilter,
    is_headlines_only,
    search_words,
)
from .paging import page_links, path_page_redirect, query_page_url
from .text import excerpt


class HomeView(TemplateView):
    """The latest digest with its lead photo, each column's latest items, 图片新闻."""

    template_name = "articles/home.html"
    per_column = 8
    photo_count = 6

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        published = Article.objects.published()
        latest = published.latest_per_column(self.per_column).only(
            "pk", "headline", "news_on", "column_id"
        )
        by_column: dict[int, list[Article]] = {}
        for article in latest:
            by_column.setdefault(article.column_id, []).append(article)
        context["columns"] = [
            (column, by_column.get(column.pk, []))
            for column in public_columns()
            if column.parent_id is None or column.pk in by_column
        ]
        digest = WeeklyDigest.objects.published().newest_first().first()
        context["latest_digest"] = digest
        context["digest_photo"] = (
            ArticlePhoto.objects.filter(
                article__in=published,
                article__digest_items__digest=digest,
                article__digest_items__is_lead=True,
            )
            .exclude(photo__image="")
            .select_related("photo", "article")
            .order_by("after_paragraph", "order", "pk")
            .first()
            if digest
            else None
        )
        # 图片新闻: the newest captioned photo of each of the newest articles with one.
        placements = (
            ArticlePhoto.objects.filter(article__in=published)
            .exclude(photo__image="")
            .exclude(photo__caption="")
            .select_related("photo", "article")
            .order_by(
                "-article__news_on",
                "-article__published_at",
                "-article_id",
                "after_paragraph",
                "order",
            )[: self.photo_count * 4]
        )
        photos, seen = [], set()
        for placement in placements:
            if placement.article_id not in seen:
                seen.add(placement.article_id)
                photos.append(placement)
        context["photo_news"] = photos[: self.photo_count]
        return context


class SiteMapView(ListView):
    """网站地图: every column, the main menu, and 联系我们."""

    template_name = "wuxi_news/site_map.html"
    context_object_name = "columns"

    def get_queryset(self):
        return public_columns().select_related("parent")


class PersonDetailView(DetailView):
    """An official's page: titles, then the articles and digest stories about them.

    People with no appointment (private citizens) have none.
    """

    template_name = "people/person_detail.html"
    context_object_name = "person"
    paginate_by = 20

    def get(self, request, *args, **kwargs):
        number = path_page_redirect(kwargs, request.GET)
        if number is not None:
            person = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            return HttpResponsePermanentRedirect(person.page_url(number))
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return Person.objects.officials().with_appointments()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = self.object
        today = timezone.localdate()
        current = person.appointments_on(today)
        about = Article.objects.published().concerning(person)
        articles = about.newest_first().only("pk", "headline", "news_on")
        try:
            page = Paginator(articles, self.paginate_by).page(
                self.kwargs.get("page", 1)
            )
        except InvalidPage as error:
            raise Http404("没有这一页。") from error
        context |= {
            "current_appointments": current,
            "past_appointments": sorted(
                (a for a in person.appointments.all() if a not in current),
                key=lambda a: a.started_on,
                reverse=True,
            ),
            "title_text": person.title_text_on(today),
            "page_obj": page,
            "articles": page.object_list,
            "digest_stories": list(
                DigestItem.objects.filter(
                    digest__in=WeeklyDigest.objects.published(), article__in=about
                )
                .select_related("digest", "article")
                .only(
                    "digest__title",
                    "digest__issued_on",
                    "article__headline",
                    "article__news_on",
                )
                .order_by("-digest__issued_on", "-digest_id", "order", "pk")[
                    : self.paginate_by
                ]
            ),
            **page_links(page, person.page_url),
        }
        return context


class SearchView(ListView):
    """`/search/?q=`: published articles and digests whose headline or text holds `q`.

    Rendered on every request, never kept in the page cache; a front cache may keep a
    result page for `cache_seconds`.
    """

    template_name = "wuxi_news/search_results.html"
    context_object_name = "results"
    paginate_by = 20
    cache_seconds = 60
    orders = {"newest": "按时间", "relevance": "按相关度"}

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        if request.user.is_authenticated:
            response["Cache-Control"] = "private, no-store"
        else:
            patch_cache_control(response, public=True, max_age=self.cache_seconds)
            patch_vary_headers(response, ["Cookie"])  # reading preferences
        return response

    def get_queryset(self):
        self.article_filter = ArticleSearchFilter(
            self.request.GET, queryset=Article.objects.published()
        )
        self.digest_filter = DigestSearchFilter(
            self.request.GET, queryset=WeeklyDigest.objects.published()
        )
        form = self.article_filter.form
        form.is_valid()  # a bad value in one field leaves the others usable
        self.query = search_words(form.cleaned_data.get("q"))
        order = self.request.GET.get("order")
        self.order = order if order in self.orders else "newest"
        if len(self.query) < MIN_QUERY_LENGTH:
            return Article.objects.none()
        articles = self.article_filter.qs.annotate(
            kind=Value("article"),
            entry_title=F("headline"),
            entry_day=F("news_on"),
            column_name=F("column__name"),
            score=self._score("headline"),
        ).values("pk", "kind", "entry_title", "entry_day", "column_name", "score")
        digests = self.digest_filter.qs.annotate(
            kind=Value("digest"),
            entry_title=F("title"),
            entry_day=F("issued_on"),
            column_name=F("column__name"),
            score=self._score("title"),
        ).values("pk", "kind", "entry_title", "entry_day", "column_name", "score")
        ordering = ["-entry_day", "kind", "-pk"]
        if self.order == "relevance":
            ordering.insert(0, "-score")
        return (
            articles.order_by().union(digests.order_by(), all=True).order_by(*ordering)
        )

    def _score(self, field: str):
        """Relevance: a match in the headline counts above one in the text only.

        Worked out only when the results are ordered by it: on a short query that
        matches thousands of headlines it is a second scan of each.
        """
        if self.order != "relevance":
            return Value(0, output_field=IntegerField())
        return Case(
            When(**{f"{field}__icontains": self.query}, then=Value(2)),
            default=Value(1),
            output_field=IntegerField(),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        results = list(context["results"])
        self._add_excerpts(results)
        form = self.article_filter.form
        cleaned = form.cleaned_data
        context |= {
            "results": results,
            "query": self.query,
            "is_too_short": 0 < len(self.query) < MIN_QUERY_LENGTH,
            "is_headlines_only": len(self.query) >= MIN_QUERY_LENGTH
            and is_headlines_only(self.query),
            "columns": list(Column.objects.all()),
            "filters": {
                "column": cleaned["column"].slug if cleaned.get("column") else "",
                "month": (cleaned.get("month") or "").strip(),
            },
            "order": self.order,
            "orders": self.orders,
            **page_links(
                context["page_obj"],
                query_page_url(
                    {
                        name: self.request.GET[name]
                        for name in ("q", "column", "month", "order")
                        if self.request.GET.get(name)
                    }
                ),
            ),
        }
        return context

    def _add_excerpts(self, results: list[dict]) -> None:
        """Each result's text around the match: an article's body, a digest's brief."""
        ids = {
            kind: [r["pk"] for r in results if r["kind"] == kind]
            for kind in ("article", "digest")
        }
        texts: dict[tuple[str, int], str] = {}
        if ids["article"]:
            for pk, body in Article.objects.filter(pk__in=ids["article"]).values_list(
                "pk", "body"
            ):
                texts["article", pk] = block_text(body)
        if ids["digest"]:
            briefs = Brief.objects.filter(digest_id__in=ids["digest"]).order_by(
                "digest_id", "order", "pk"
            )
            if not is_headlines_only(self.query):
                briefs = briefs.filter(text__icontains=self.query)
            for digest_id, text in briefs.values_list("digest_id", "text"):
                texts.setdefault(("digest", digest_id), text)
        for result in results:
            result["excerpt"] = excerpt(
                texts.get((result["kind"], result["pk"]), ""), self.query
            )


class ColumnView(ListView):
    """Published articles and digests of a column, newest first, filterable."""

    template_name = "articles/column_detail.html"
    context_object_name = "entries"
    paginate_by = 20
    filter_parameters = ("q", "month", "official")

    def get(self, request, *args, **kwargs):
        # Unfiltered pages go by path (`page/2/`, a file when baked): the old `?page=N`
        # and `page/1/` lead there.
        filtered = any(request.GET.get(name) for name in self.filter_parameters)
        number = None if filtered else path_page_redirect(kwargs, request.GET)
        if number is not None:
            column = get_object_or_404(public_columns(), slug=kwargs["slug"])
            return HttpResponsePermanentRedirect(column.page_url(number))
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        self.column = get_object_or_404(public_columns(), slug=self.kwargs["slug"])
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
        form = self.article_filter.form
        filters = {
            name: (form.data.get(name) or "").strip()
            for name in ("q", "month", "official")
        }
        context |= {
            "column": self.column,
            "months": sorted(months, reverse=True),
            "officials": list(
                Person.objects.officials()
                .filter(articles__in=published)
                .order_by("name", "pk")
            ),
            "filters": filters,
            **page_links(
                context["page_obj"],
                query_page_url({k: v for k, v in filters.items() if v})
                if any(filters.values())
                else self.column.page_url,
            ),
        }
        return context


class PreferencesView(View):
    """【字体:大 中 小】 and 长者模式 without JavaScript: set a cookie, go back (the page
    applies it with static/js/prefs.js; with JavaScript the links never come here)."""

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
        if elder == "toggle":
            elder = "0" if request.COOKIES.get("elder") == "1" else "1"
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
        return HttpResponse(
            "\n".join(lines) + "\n", content_type="text/plain; charset=utf-8"
        )


class NotFoundView(TemplateView):
    """`/404.html`: the 404 page as a file, for nginx or a bucket to answer misses."""

    template_name = "404.html"


class MaintenanceView(TemplateView):
    """`/maintenance.html`: what nginx answers while the application is down."""

    template_name = "maintenance.html"
