"""Every public query parameter: a bad value is ignored or refused, never a server error.

Property-based: Hypothesis tries any text for each parameter of each public page.
"""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.factories import (
    add_item,
    make_appointment,
    make_article,
    make_column,
    make_digest,
)

pytestmark = pytest.mark.django_db

bounded = settings(
    max_examples=60,
    deadline=None,
    database=None,  # nothing written into the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Any text, and the shapes that reach the parsers: numbers and year-month pairs.
values = st.one_of(
    st.text(),
    st.integers().map(str),
    st.from_regex(r"-?[0-9]{1,25}-[0-9]{1,25}", fullmatch=True),
)
ODD = ["9999-12", "99999999999999999999-1", "0001-01", "0-1", "-1", "0", "last",
       "1e9", "9" * 30, "9" * 5000, "\x00", " ", "%", "\r\nX: y"]  # fmt: skip


@pytest.fixture
def site():
    """A column with an article and a digest about an official, and his page."""
    column = make_column(slug="wxyw")
    official = make_appointment().person
    article = make_article(column=column, officials=[official])
    add_item(make_digest(column=column), article)
    return {"column": column.get_absolute_url(), "person": official.get_absolute_url()}


def odd(strategy):
    for value in reversed(ODD):
        strategy = example(value=value)(strategy)
    return strategy


@pytest.mark.parametrize("name", ["q", "month", "official"])
@bounded
@odd
@given(value=values)
def test_column_filters_ignore_values_they_cannot_use(client, site, name, value):
    assert client.get(site["column"], {name: value}).status_code == 200


@bounded
@odd
@given(value=values)
def test_column_page_number_is_a_page_or_404(client, site, value):
    # The old `?page=N` leads to the page's path; a page that is not there is a 404.
    response = client.get(site["column"], {"page": value})
    assert response.status_code == 301
    assert client.get(response["Location"]).status_code in (200, 404)


@bounded
@given(query=st.dictionaries(st.sampled_from(["q", "month", "official"]), values))
def test_column_filters_combined_never_fail(client, site, query):
    assert client.get(site["column"], query).status_code == 200


@pytest.mark.parametrize("name", ["q", "column", "month", "order"])
@bounded
@odd
@given(value=values)
def test_search_parameters_ignore_values_they_cannot_use(client, site, name, value):
    assert (
        client.get(reverse("search"), {"q": "测试稿件", name: value}).status_code == 200
    )


@bounded
@given(
    query=st.dictionaries(
        st.sampled_from(["q", "column", "month", "order", "page"]), values
    )
)
def test_search_parameters_combined_never_fail(client, site, query):
    assert client.get(reverse("search"), query).status_code in (200, 404)


@bounded
@odd
@given(value=values)
def test_search_page_number_is_a_page_or_404(client, site, value):
    response = client.get(reverse("search"), {"q": "测试稿件", "page": value})
    assert response.status_code in (200, 404)


@bounded
@odd
@given(value=values)
def test_person_page_number_leads_to_a_page_or_404(client, site, value):
    response = client.get(site["person"], {"page": value})
    assert response.status_code == 301
    assert client.get(response["Location"]).status_code in (200, 404)


@bounded
@odd
@given(value=values)
def test_sitemap_ignores_any_page_parameter(client, site, value):
    assert client.get(reverse("sitemap"), {"p": value}).status_code == 200


@pytest.mark.parametrize("name", ["next", "font", "elder"])
@bounded
@odd
@given(value=values)
def test_reading_preferences_redirect_home_on_bad_values(client, name, value):
    response = client.get(reverse("prefs"), {name: value})
    assert response.status_code == 302
    assert "\n" not in response["Location"]


@pytest.mark.parametrize("page", ["home", "article", "digest", "feed", "robots"])
@bounded
@given(query=st.dictionaries(st.text(min_size=1), values, max_size=3))
def test_pages_without_parameters_ignore_any(client, site, page, query):
    url = {
        "home": reverse("home"),
        "article": make_article().get_absolute_url(),
        "digest": make_digest().get_absolute_url(),
        "feed": reverse("feed", kwargs={"slug": "wxyw"}),
        "robots": reverse("robots"),
    }[page]
    assert client.get(url, query).status_code == 200
