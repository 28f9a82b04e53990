import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from wuxi_news.settings import cache_from_url

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_manage("check", env_overrides={"DJANGO_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_deploy_check_is_clean_in_production_settings(tmp_path):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        env_overrides={
            "DJANGO_SECRET_KEY": "x" * 20 + "production-like-secret-key-with-entropy-9f83h",
            "DJANGO_ALLOWED_HOSTS": "www.cqwx.gov.cn",
            "DJANGO_VAR_DIR": str(tmp_path),
        },
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_generates_a_development_key_once(tmp_path):
    env = {"DJANGO_DEBUG": "1", "DJANGO_VAR_DIR": str(tmp_path)}
    assert run_manage("check", env_overrides=env).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert run_manage("check", env_overrides=env).returncode == 0
    assert (tmp_path / "secret_key").read_text() == key and len(key) > 40


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("locmem://", "LocMemCache"),
        ("redis://127.0.0.1:6379/1", "RedisCache"),
        ("dummy://", "DummyCache"),
    ],
)
def test_cache_url(url, backend):
    assert cache_from_url(url)["BACKEND"].endswith(backend)


def test_unknown_cache_scheme():
    with pytest.raises(ImproperlyConfigured):
        cache_from_url("memcached://x")


def test_persistent_connections_with_health_checks(settings):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.MEDIA_URL == "/uploads/"
