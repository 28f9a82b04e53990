"""Page links of the site's paginated lists.

A public list (a column, an official's reports) pages by path, `/column/wxyw/page/2/`,
so that each page is a file the site can be baked to; a filtered list or a search pages
by query string (`?q=…&page=2`), as it is rendered on request.
"""

import re
from collections.abc import Callable

from django.core.paginator import Page
from django.http import Http404
from django.utils.http import urlencode


def page_links(page: Page, url_for: Callable[[int], str]) -> dict:
    """The context of includes/_pagination.html for `page`, each link from `url_for`."""
    paginator = page.paginator
    if paginator.num_pages <= 1:
        return {"page_links": []}
    numbers = paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return {
        "page_links": [
            (number, None if number == paginator.ELLIPSIS else url_for(number))
            for number in numbers
        ],
        "previous_page_url": url_for(page.previous_page_number())
        if page.has_previous()
        else "",
        "next_page_url": url_for(page.next_page_number()) if page.has_next() else "",
    }


def query_page_url(query: dict) -> Callable[[int], str]:
    """Links of a list filtered by `query` (without `page`): `?…&page=N`."""

    def url_for(number: int) -> str:
        return "?" + urlencode({**query, "page": number} if number > 1 else query)

    return url_for


PAGE_NUMBER = re.compile(r"[0-9]{1,9}")


def path_page_redirect(kwargs: dict, query) -> int | None:
    """The page a path-paged list sends its old address to: `?page=N` (from before the
    site was baked) and `page/1/` lead to the path of that page; None stays; `page/0/` is no page."""
    number = kwargs.get("page")
    if number == 0:
        raise Http404("没有这一页。")
    if number == 1:
        return 1
    if number is None and "page" in query:
        value = query.get("page", "")
        return int(value) if PAGE_NUMBER.fullmatch(value) else 1
    return None
