from django.views.generic import DetailView

from wuxi_news.cache import PublicPageMixin

from .models import WeeklyDigest
from .services import build_document


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
            document = document.without_unpublished()
        context["document"] = document
        stories = document.stories
        photos = [photo for story in stories for photo in story.photos]
        context["first_photo"] = photos[0].photo if photos else None
        return context
