"""The publish targets: a local folder with releases, and S3-compatible storage."""

import uuid

import pytest

from tests.factories import make_article, make_column
from tests.s3 import s3_client, s3_service
from wuxi_news.publishing import files, worker
from wuxi_news.publishing.targets import LocalTarget, configured_target

pytestmark = pytest.mark.django_db

PAGE = b"<!DOCTYPE html><title>t</title>"
HTML = files.content_type_for("index.html")


@pytest.fixture
def bucket(monkeypatch, settings):
    # moto keeps its buckets per process, not per server: a new name for each test.
    name = f"pages-{uuid.uuid4().hex[:12]}"
    with s3_service(monkeypatch, name) as endpoint:
        settings.PUBLISH_STORAGE = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": name, "endpoint_url": endpoint},
        }
        client = s3_client(endpoint)
        client.name = name
        yield client


@pytest.fixture(params=["local", "s3"])
def target(request, publish_root, settings):
    if request.param == "s3":
        request.getfixturevalue("bucket")
    else:
        settings.PUBLISH_STORAGE = None
    return configured_target()


def test_a_target_writes_reads_lists_and_deletes(target):
    target.write("articles/5/index.html", PAGE, HTML)
    target.write("column/wxyw/rss.xml", b"<rss/>", files.content_type_for("rss.xml"))
    assert target.read("articles/5/index.html") == PAGE
    assert sorted(target.files()) == ["articles/5/index.html", "column/wxyw/rss.xml"]
    target.write("articles/5/index.html", PAGE + b"2", HTML)  # replaced, not renamed
    assert target.read("articles/5/index.html") == PAGE + b"2"
    assert len(list(target.files())) == 2
    assert target.delete("articles/5/index.html") is True
    assert target.delete("articles/5/index.html") is False
    assert target.read("articles/5/index.html") is None
    assert list(target.files()) == ["column/wxyw/rss.xml"]


def test_bake_all_and_reconcile_on_each_target(target):
    article = make_article(column=make_column(slug="wxyw"), headline="两种目标")
    done = worker.bake_all(target)
    assert done["pages"] > 5
    assert "两种目标".encode() in target.read(
        files.file_for(article.get_absolute_url())
    )
    assert worker.reconcile(target)["drift"] == 0
    target.delete("index.html")
    target.write("articles/404/index.html", PAGE, HTML)
    assert worker.reconcile(target)["drift"] == 2
    assert worker.reconcile(target)["drift"] == 0


def test_s3_objects_carry_content_type_with_charset_and_cache_control(bucket):
    target = configured_target()
    target.write("articles/5/index.html", PAGE, HTML)
    target.write("column/wxyw/rss.xml", b"<rss/>", files.content_type_for("rss.xml"))
    head = bucket.head_object(Bucket=bucket.name, Key="articles/5/index.html")
    assert head["ContentType"] == "text/html; charset=utf-8"
    assert head["CacheControl"] == "public, max-age=60"
    rss = bucket.head_object(Bucket=bucket.name, Key="column/wxyw/rss.xml")
    assert rss["ContentType"] == "application/rss+xml; charset=utf-8"


def test_a_storage_that_would_rename_instead_of_replacing_is_refused(settings, bucket):
    from django.core.exceptions import ImproperlyConfigured

    settings.PUBLISH_STORAGE["OPTIONS"]["file_overwrite"] = False
    with pytest.raises(ImproperlyConfigured):
        configured_target()


def test_local_writes_are_atomic_and_never_leave_a_temporary_file(publish_root):
    target = LocalTarget(publish_root)
    target.write("index.html", PAGE, HTML)

    class Boom(Exception):
        pass

    import os

    real = os.replace

    def failing(*args):
        raise Boom

    os.replace = failing
    try:
        with pytest.raises(Boom):
            target.write("index.html", b"half", HTML)
    finally:
        os.replace = real
    assert target.read("index.html") == PAGE
    assert sorted(p.name for p in target.live().iterdir()) == ["index.html"]


@pytest.mark.parametrize("file", ["../outside.html", "a/../../b.html"])
def test_a_path_outside_the_release_is_refused(publish_root, file):
    target = LocalTarget(publish_root)
    with pytest.raises(files.NotPublishable):
        target.write(file, PAGE, HTML)


@pytest.mark.parametrize(
    "path", ["/a/../b/", "/x?y=1", "/.git/config", "/noext", "relative/"]
)
def test_only_plain_paths_name_a_file(path):
    with pytest.raises(files.NotPublishable):
        files.file_for(path)


def test_file_and_path_are_inverse():
    for path in ["/", "/articles/5/", "/column/wxyw/rss.xml", "/sitemap.xml"]:
        assert files.path_for(files.file_for(path)) == path


def test_repairing_a_target_never_removes_what_the_baker_did_not_write(target):
    make_article()
    target.write("photos/2024/a.jpg", b"\xff\xd8photo", "image/jpeg")
    target.write("imports/page.txt", b"old page", "text/plain")
    target.write("articles/404/index.html", PAGE, HTML)  # a page: removed
    assert worker.reconcile(target)["removed"] == 1
    assert target.read("photos/2024/a.jpg") == b"\xff\xd8photo"
    assert target.read("imports/page.txt") == b"old page"


def test_reconcile_removes_the_temporary_files_of_a_killed_write(publish_root):
    import os
    import tempfile

    make_article()
    target = LocalTarget(publish_root)
    worker.bake_all(target)
    live = target.live()
    left = []
    for folder in (live, live / "articles"):
        # What a baker killed between mkstemp and os.replace leaves behind.
        handle, name = tempfile.mkstemp(dir=folder, prefix=".bake-")
        os.write(handle, b"<!DOCTYPE html><title>half")
        os.close(handle)
        left.append(name)

    done = worker.reconcile(target)

    assert done["temporary"] == 2
    assert done["drift"] == 2
    assert not any(os.path.exists(name) for name in left)
    again = worker.reconcile(target)
    assert (again["temporary"], again["drift"]) == (0, 0)


def test_reconcile_aborts_the_unfinished_multipart_uploads_of_pages(bucket):
    make_article()
    target = configured_target()
    worker.bake_all(target)
    for key in ("articles/5/index.html", "photos/2024/big.jpg"):
        upload = bucket.create_multipart_upload(Bucket=bucket.name, Key=key)
        bucket.upload_part(
            Bucket=bucket.name,
            Key=key,
            UploadId=upload["UploadId"],
            PartNumber=1,
            Body=b"x" * 1024,
        )

    done = worker.reconcile(target)

    assert (done["temporary"], done["drift"]) == (1, 1)
    unfinished = bucket.list_multipart_uploads(Bucket=bucket.name).get("Uploads", [])
    assert [u["Key"] for u in unfinished] == ["photos/2024/big.jpg"]  # not a page
    assert worker.reconcile(target)["drift"] == 0
