from dataclasses import replace

from django.http import Http404
from django.views.generic import DetailView

from people.models import Person, order_by_protocol

from .mentions import link_first_mentions
from .models import Article
from .services import can_preview


class ArticleDetailView(DetailView):
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
        context["previous_article"], context["next_article"] = article.neighbours()
        return context
