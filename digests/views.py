from django.views.generic import DetailView

from wuxi_news.cache import PublicPageMixin

from . import rendering
from .models import WeeklyDigest


class DigestDetailView(PublicPageMixin, DetailView):
    template_name = "digests/weeklydigest_detail.html"
    context_object_name = "digest"

    def get(self, request, *args, **kwargs):
        # Readers: the page rendered when the digest last changed (rendering.py).
        if not request.user.is_staff:
            page = rendering.published_page(kwargs["pk"])
            if page is not None:
                return self.render_to_response(
                    {"page": page, "og_image": page.image_url}
                )
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        digests = WeeklyDigest.objects.select_related(*rendering.RELATED)
        if self.request.user.is_staff:
            return digests  # staff preview drafts
        return digests.published().select_related("rendering")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        digest = self.object
        if self.request.user.is_staff:
            page = rendering.render_page(digest, public=False)
        else:  # not rendered yet, or outdated: render, and keep it for the next readers
            page = rendering.render_page(digest)
            rendering.store(digest, page, replacing=rendering.stored_rendering(digest))
        context["page"] = page
        context["og_image"] = page.image_url
        return context
