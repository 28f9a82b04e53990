from django.views.generic import DetailView

from .models import Person


class PersonDetailView(DetailView):
    """An official's page; people with no appointment (private citizens) have none."""

    template_name = "people/person_detail.html"
    context_object_name = "person"

    def get_queryset(self):
        return Person.objects.officials().with_appointments()
