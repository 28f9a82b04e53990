from pathlib import Path

import pytest

from digests.legacy import parse_legacy_text

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE_PATH = FIXTURES / "reference_2024-12-15.txt"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def publish_root(settings, tmp_path):
    """Each test bakes into a folder of its own."""
    settings.PUBLISH_ROOT = tmp_path / "site"
    settings.PUBLISH_LOCK_FILE = tmp_path / "publish.lock"
    return settings.PUBLISH_ROOT


@pytest.fixture
def portal_shell(settings):
    """Every element of the portal shell configured, as the demo shows it."""
    settings.SITE = settings.SITE | {
        "EMBLEM": "img/example-emblem.svg",
        "NAV": [
            ("政务公开", "https://www.cqwx.gov.cn/zwgk/"),
            ("政务服务", "https://www.cqwx.gov.cn/zwfw/"),
            ("互动交流", "https://www.cqwx.gov.cn/hdjl/"),
            ("走进巫溪", "https://www.cqwx.gov.cn/zjwx/"),
        ],  # fmt: skip
        "UNDERTAKER": "巫溪县融媒体中心(示例)",
        "ICP": "渝ICP备00000000号-1(示例)",
        "PUBLIC_SECURITY_RECORD": "渝公网安备50023802000000号(示例)",
        "CONAC_URL": "https://bszs.conac.cn/",
        "CONAC_IMAGE": "img/example-conac.svg",
        "JIUCUO_URL": "https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=1",
        "JIUCUO_IMAGE": "img/example-jiucuo.svg",
        "CONTACT_LINES": ["地址:巫溪县柏杨街道(示例)", "电话:023-00000000(示例)"],
        "HAS_EXAMPLES": True,
    }
    return settings.SITE


@pytest.fixture
def reference_bytes() -> bytes:
    return REFERENCE_PATH.read_bytes()


@pytest.fixture
def reference_text(reference_bytes) -> str:
    return reference_bytes.decode("utf-8")


@pytest.fixture
def officials(db):
    from people.services import load_default_officials

    load_default_officials()


@pytest.fixture
def reference_digest(officials, reference_text):
    """The reference page imported into the database, with the officials register."""
    from digests.services import import_digest

    document, _ = parse_legacy_text(reference_text)
    return import_digest(document=document).digest


@pytest.fixture
def register(db):
    """The fixture register of the editorial check (issue 13)."""
    from tests.factories import make_reference_register

    return make_reference_register()
