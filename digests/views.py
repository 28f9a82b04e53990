from django.views.generic import DetailView

from .models import WeeklyDigest
from .services import build_document


class DigestDetailView(DetailView):
    template_name = "digests/weeklydigest_detail.html"
    context_object_name = "digest"

    def get_queryset(self):
        digests = WeeklyDigest.objects.select_related("column__parent")
        if self.request.user.is_staff:
            return digests  # staff preview drafts
        return digests.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["document"] = build_document(self.object)
        return context
