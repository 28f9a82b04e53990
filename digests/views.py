from django.views.generic import DetailView

from wuxi_news.cache import PublicPageMixin

from . import rendering
from .checking import check_digest_stories
from .models import WeeklyDigest
from .services import can_see_unpublished_digests


class DigestDetailView(PublicPageMixin, DetailView):
    """A digest's public page; those who may change or publish digests see previews."""

    template_name = "digests/weeklydigest_detail.html"
    context_object_name = "digest"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # Anyone else (other staff roles included) gets exactly what the public gets.
        self.previewing = can_see_unpublished_digests(request.user)

    def get(self, request, *args, **kwargs):
        # Readers: the page rendered when the digest last changed (rendering.py).
        if not self.previewing:
            page = rendering.published_page(kwargs["pk"])
            if page is not None:
                return self.render_to_response(
                    {"page": page, "og_image": page.image_url}
                )
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        digests = WeeklyDigest.objects.select_related(*rendering.RELATED)
        if self.previewing:
            return digests
        return digests.published().select_related("rendering")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        digest = self.object
        if self.previewing:
            page = rendering.render_page(digest, public=False)
            # Staff previews list the editorial check's findings, story by story.
            context["editorial_reports"] = check_digest_stories(digest)
        else:  # not rendered yet, or outdated: render, and keep it for the next readers
            page = rendering.render_page(digest)
            rendering.store(digest, page, replacing=rendering.stored_rendering(digest))
        context["page"] = page
        context["og_image"] = page.image_url
        return context
