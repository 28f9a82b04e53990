from django.views.generic import DetailView

from .checking import check_digest_stories
from .models import WeeklyDigest
from .page import RELATED, render_page
from .services import can_see_unpublished_digests


class DigestDetailView(DetailView):
    """A digest's public page; those who may change or publish digests see previews."""

    template_name = "digests/weeklydigest_detail.html"
    context_object_name = "digest"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # Anyone else (other staff roles included) gets exactly what the public gets.
        self.previewing = can_see_unpublished_digests(request.user)

    def get_queryset(self):
        digests = WeeklyDigest.objects.select_related(*RELATED)
        return digests if self.previewing else digests.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        digest = self.object
        page = render_page(digest, public=not self.previewing)
        if self.previewing:
            # Staff previews list the editorial check's findings, story by story.
            context["editorial_reports"] = check_digest_stories(digest)
        context["page"] = page
        context["og_image"] = page.image_url
        return context
