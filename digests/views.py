from dataclasses import replace

from django.views.generic import DetailView

from wuxi_news.cache import PublicPageMixin

from .models import WeeklyDigest
from .services import build_document
from .structure import DaySection, DigestDocument, Story


class DigestDetailView(PublicPageMixin, DetailView):
    template_name = "digests/weeklydigest_detail.html"
    context_object_name = "digest"

    def get_queryset(self):
        digests = WeeklyDigest.objects.select_related("column__parent__parent")
        if self.request.user.is_staff:
            return digests  # staff preview drafts
        return digests.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        document = build_document(self.object)
        if not self.request.user.is_staff:
            document = public_document(document)
        context["document"] = document
        stories = document.stories
        photos = [photo for story in stories for photo in story.photos]
        context["first_photo"] = photos[0].photo if photos else None
        return context


def public_document(document: DigestDocument) -> DigestDocument:
    """The digest without the stories whose article is not public (yet).

    A published digest must not leak the body of a draft, in-review or scheduled
    article it carries: such stories are left out, and a day left empty goes with them.
    """

    def public(story: Story) -> bool:
        return story.article is None or story.article.is_published

    days = [
        DaySection(section.day, [s for s in section.stories if public(s)])
        for section in document.days
    ]
    return replace(
        document,
        lead=document.lead if document.lead and public(document.lead) else None,
        days=[section for section in days if section.stories],
    )
