from django.conf import settings
from django.core.exceptions import DisallowedHost

# Font size switch 【字体:大 中 小】, kept in a cookie (wuxi_news.views.PreferencesView)
# and applied in the browser (static/js/prefs.js): pages are the same for every reader.
FONT_SIZES = {"large": "大", "medium": "中", "small": "小"}
DEFAULT_FONT = "medium"


def site(request):
    try:
        canonical_url = request.build_absolute_uri(request.path)
    except DisallowedHost:  # the 400 page for a forged Host header
        canonical_url = request.path
    return {
        "site": settings.SITE,
        "canonical_url": canonical_url,
    }
