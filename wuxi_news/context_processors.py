from django.conf import settings
from django.core.exceptions import DisallowedHost

# Font size switch 【字体:大 中 小】, kept in a cookie (see wuxi_news.views.PreferencesView).
FONT_SIZES = {"large": "大", "medium": "中", "small": "小"}
DEFAULT_FONT = "medium"


def reading_prefs(request) -> dict:
    font = request.COOKIES.get("font", DEFAULT_FONT)
    return {
        "font": font if font in FONT_SIZES else DEFAULT_FONT,
        "elder": request.COOKIES.get("elder") == "1",
    }


def site(request):
    try:
        canonical_url = request.build_absolute_uri(request.path)
    except DisallowedHost:  # the 400 page for a forged Host header
        canonical_url = request.path
    return {
        "site": settings.SITE,
        "prefs": reading_prefs(request),
        "canonical_url": canonical_url,
    }
