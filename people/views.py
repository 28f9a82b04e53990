from django.core.paginator import Paginator
from django.utils import timezone
from django.views.generic import DetailView

from articles.models import Article
from wuxi_news.cache import PublicPageMixin

from .models import Person


class PersonDetailView(PublicPageMixin, DetailView):
    """An official's page; people with no appointment (private citizens) have none."""

    template_name = "people/person_detail.html"
    context_object_name = "person"
    paginate_by = 20

    def get_queryset(self):
        return Person.objects.officials().with_appointments()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = self.object
        today = timezone.localdate()
        current = person.appointments_on(today)
        articles = (
            Article.objects.published()
            .concerning(person)
            .newest_first()
            .only("pk", "headline", "news_on")
        )
        page = Paginator(articles, self.paginate_by).get_page(
            self.request.GET.get("page")
        )
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
            "page_numbers": page.paginator.get_elided_page_range(
                page.number, on_each_side=2, on_ends=1
            )
            if page.paginator.num_pages > 1
            else [],
        }
        return context
