import ast
import os
import re
import shutil
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


def storage_url_in(env_overrides: dict, name: str = "photos/a.jpg"):
    """default_storage.url(name) as a process with `env_overrides` sees it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "MEDIA_", "S3_", "PUBLISH_"))
    }
    env |= {"DJANGO_SETTINGS_MODULE": "wuxi_news.settings", "DJANGO_DEBUG": "1"}
    env |= {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    code = (
        "import django; django.setup()\n"
        "from django.core.files.storage import default_storage\n"
        f"print(default_storage.url({name!r}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT, env=env | env_overrides, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_photos_in_a_bucket_are_linked_at_media_url_not_the_s3_api(tmp_path):
    result = storage_url_in(
        {
            "DJANGO_VAR_DIR": str(tmp_path),
            "MEDIA_S3_BUCKET": "wuxi-uploads",
            "MEDIA_S3_PREFIX": "media",
            "S3_ENDPOINT_URL": "http://127.0.0.1:9",
            "MEDIA_URL": "https://img.example.cn/uploads/",
        }
    )
    assert result.returncode == 0, result.stderr
    # The address the CSP allows (MEDIA_URL's origin), not http://127.0.0.1:9/….
    assert result.stdout.strip() == "https://img.example.cn/uploads/media/photos/a.jpg"


def test_photos_in_a_bucket_need_the_address_they_are_read_from(tmp_path):
    result = storage_url_in(
        {"DJANGO_VAR_DIR": str(tmp_path), "MEDIA_S3_BUCKET": "wuxi-uploads"}
    )
    assert result.returncode != 0
    assert "MEDIA_S3_BUCKET needs MEDIA_URL" in result.stderr


def variables_the_settings_read() -> set[str]:
    """Names passed to os.environ.get / os.environ[...] / env_bool / env_list / site_value."""
    tree = ast.parse((ROOT / "wuxi_news" / "settings.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = ast.unparse(node.func)
            if (
                func in {"os.environ.get", "env_bool", "env_list", "site_value"}
                and node.args
            ):
                first = node.args[0]
                if isinstance(first, ast.Constant):
                    names.add(first.value)
        elif (
            isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ"
        ):
            names.add(node.slice.value)
    return names


def test_env_example_lists_every_variable_the_settings_read_with_a_comment():
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    listed = {}
    for index, line in enumerate(lines):
        if match := re.match(r"([A-Z][A-Z0-9_]*)=", line):
            listed[match[1]] = index > 0 and lines[index - 1].startswith("#")
    assert set(listed) == variables_the_settings_read()
    assert [name for name, commented in listed.items() if not commented] == []


def make_demo_steps() -> str:
    """The commands `make demo` runs, but the server, with `python` for $(PY)."""
    recipe = (ROOT / "Makefile").read_text().split("\ndemo:", 1)[1].split("\n\n")[0]
    steps = [line.strip() for line in recipe.splitlines()[1:] if line.startswith("\t")]
    assert steps, "the Makefile has no demo recipe"
    return "\n".join(
        step.replace("$(PY)", "python") for step in steps if "runserver" not in step
    )


def readme_commands() -> str:
    """The shell block of the README's Commands section."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Commands")[1]
    section = section.split("\n## ")[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert blocks, "the Commands section shows no commands"
    return blocks[0]


@pytest.mark.slow  # runs the make demo steps and the README's block in subprocesses
def test_the_readme_commands_run_as_written_after_make_demo(tmp_path):
    """On a fresh checkout (no var/, no environment), after the steps of `make demo`
    and in a new shell, every command of the README's block works as written."""
    if sys.prefix == sys.base_prefix:
        pytest.skip("runs the README's `. .venv/bin/activate`: needs a virtualenv")
    checkout = tmp_path / "checkout"
    shutil.copytree(
        ROOT,
        checkout,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "var", "uploads", "node_modules"
        ),
    )
    (checkout / ".venv").symlink_to(sys.prefix)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "VIRTUAL_ENV"))
        and k not in {"DATABASE_URL", "CACHE_URL", "PYTHONPATH"}
    }
    python_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = ":".join(p for p in env.get("PATH", "").split(":") if p != python_bin)
    demo = subprocess.run(
        ["bash", "-euc", f". .venv/bin/activate\n{make_demo_steps()}"],
        cwd=checkout, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    shell = subprocess.run(
        ["bash", "-euc", readme_commands()],
        cwd=checkout, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert shell.returncode == 0, shell.stdout + shell.stderr
    assert "ImproperlyConfigured" not in shell.stderr
    assert (checkout / "var" / "见政巫溪这一周-2024-12-15.txt").exists()


def test_the_baker_must_be_allowed_to_speak_for_the_public_address(settings):
    from wuxi_news.publishing.checks import check_publish_base_url

    settings.ALLOWED_HOSTS = ["www.cqwx.gov.cn"]
    settings.PUBLISH_BASE_URL = "https://www.cqwx.gov.cn"
    assert check_publish_base_url() == []
    settings.PUBLISH_BASE_URL = "https://news.example.com"
    assert [e.id for e in check_publish_base_url()] == ["wuxi_news.E102"]
    settings.PUBLISH_BASE_URL = "www.cqwx.gov.cn"
    assert [e.id for e in check_publish_base_url()] == ["wuxi_news.E101"]
