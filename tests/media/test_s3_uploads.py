"""Photos on S3-compatible object storage: uploads, renditions, pages, refusals.

A moto server on 127.0.0.1 plays the bucket; the default storage is django-storages'
S3Storage configured as settings.py does for MEDIA_S3_BUCKET (never overwriting).
"""

import io
import json
import logging
import urllib.request
import uuid

import boto3
import pytest
from bs4 import BeautifulSoup
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto.server import ThreadedMotoServer
from PIL import Image

from media.models import Photo
from media.renditions import image_size, renditions
from media.uploads import NOT_AN_IMAGE
from tests.admin_forms import admin_form_data
from tests.factories import make_article, make_photo, make_user, place_photo
from wuxi_news.settings import s3_options

pytestmark = pytest.mark.django_db

REGION = "us-east-1"
RED, BLUE = (200, 30, 30), (30, 30, 200)


@pytest.fixture(scope="module")
def s3_endpoint():
    """A moto S3 server on a free local port, with dummy credentials for boto3."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            # Nothing from this machine's AWS configuration, no metadata service,
            # no proxy between the tests and the local server.
            "AWS_CONFIG_FILE": "/nonexistent/aws-config",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
            "AWS_EC2_METADATA_DISABLED": "true",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }.items():
            env.setenv(name, value)
        for name in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE",
                     "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):  # fmt: skip
            env.delenv(name, raising=False)
        werkzeug = logging.getLogger("werkzeug")  # the server logs every request
        level = werkzeug.level
        werkzeug.setLevel(logging.WARNING)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            yield f"http://{host}:{port}"
        finally:
            server.stop()
            werkzeug.setLevel(level)


@pytest.fixture
def s3(s3_endpoint):
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION)


@pytest.fixture
def bucket(settings, s3, s3_endpoint, media_root):
    """A fresh bucket per test, made the default storage as settings.py makes it."""
    name = f"photos-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    # Photos are served by plain URLs (no signature, no object ACL): readers may read
    # the bucket, as its policy says in production.
    public_read = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{name}/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(public_read))
    # Changing STORAGES resets django.core.files.storage.storages and default_storage
    # (Django's setting_changed receiver), so the next access builds an S3Storage.
    settings.STORAGES = settings.STORAGES | {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_options(
                name,
                endpoint_url=s3_endpoint,
                region_name=REGION,
                file_overwrite=False,
                querystring_auth=False,
            ),
        }
    }
    assert default_storage.__class__.__name__ == "S3Storage"
    yield name
    assert not media_root.exists(), "nothing may be written to the local disk"


def objects(s3, bucket, prefix="") -> dict[str, dict]:
    """Key → head_object() of every object under `prefix`."""
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {o["Key"]: s3.head_object(Bucket=bucket, Key=o["Key"]) for o in listed}


def body(s3, bucket, key) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def colour_of(data: bytes) -> tuple[int, int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").getpixel((image.width // 2, image.height // 2))


def near(colour, expected, tolerance=20) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def image_bytes(format="JPEG", size=(1600, 1000), colour=RED) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=format)
    return out.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type)


def post_photo(client, **data):
    client.force_login(make_user(roles=["编辑"]))
    return client.post(reverse("admin:media_photo_add"), data)


def s3_requests(storage) -> list[tuple[str, str]]:
    """Every request the storage sends from now on, as (method, URL)."""
    sent: list[tuple[str, str]] = []
    events = storage.connection.meta.client.meta.events
    events.register(
        "before-send.s3",
        lambda request, **_: sent.append((request.method, request.url)),
    )
    return sent


# -- Uploads -------------------------------------------------------------------------


def test_an_admin_upload_is_stored_in_the_bucket(client, bucket, s3):
    response = post_photo(
        client, image=upload(image_bytes("PNG"), name="会场.png"), caption="说明"
    )
    assert response.status_code == 302
    photo = Photo.objects.get()
    assert photo.image.name.startswith("photos/") and photo.image.name.endswith(".png")
    assert (photo.width, photo.height) == (1600, 1000)
    stored = objects(s3, bucket, "photos/")
    assert list(stored) == [photo.image.name]
    assert stored[photo.image.name]["ContentType"] == "image/png"
    assert near(colour_of(body(s3, bucket, photo.image.name)), RED)
    assert photo.has_file


def test_a_photo_saved_through_the_model_is_stored_in_the_bucket(bucket, s3):
    photo = make_photo()
    photo.image.save("meeting.jpg", ContentFile(image_bytes()), save=True)
    # Recorded in the row: loading the photo never has to open its file.
    row = Photo.objects.values_list("width", "height").get(pk=photo.pk)
    assert row == (1600, 1000)
    head = s3.head_object(Bucket=bucket, Key=photo.image.name)
    assert head["ContentType"] == "image/jpeg"
    assert photo.image.size == head["ContentLength"]
    with photo.image.open("rb") as handle:
        assert handle.read() == body(s3, bucket, photo.image.name)


def test_an_article_inline_upload_is_stored_in_the_bucket(client, bucket, s3):
    from articles.models import Article

    article = make_article(status=Article.Status.DRAFT)
    client.force_login(make_user(roles=["编辑"]))
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = admin_form_data(client.get(url)) | {
        "placements-TOTAL_FORMS": "1",
        "placements-0-image": upload(image_bytes(colour=BLUE)),
        "placements-0-caption": "说明",
        "placements-0-after_paragraph": "1",
        "placements-0-order": "0",
    }
    assert client.post(url, data).status_code == 302
    photo = article.placements.get().photo
    assert list(objects(s3, bucket, "photos/")) == [photo.image.name]
    assert near(colour_of(body(s3, bucket, photo.image.name)), BLUE)


def test_a_non_image_is_refused_in_chinese_and_nothing_stored(client, bucket, s3):
    response = post_photo(
        client,
        image=upload(b"<?php system($_GET['c']); ?>", name="a.jpg"),
        caption="说明",
    )
    assert response.status_code == 200
    assert NOT_AN_IMAGE in response.content.decode()
    assert not Photo.objects.exists()
    assert objects(s3, bucket) == {}


def test_a_corrupt_image_is_refused_in_chinese_and_nothing_stored(client, bucket, s3):
    out = io.BytesIO()
    Image.effect_noise((400, 300), 64).convert("RGB").save(out, "JPEG", quality=95)
    truncated = out.getvalue()[: len(out.getvalue()) // 2]
    response = post_photo(client, image=upload(truncated), caption="说明")
    assert response.status_code == 200
    assert "图片文件已损坏" in response.content.decode()
    assert not Photo.objects.exists()
    assert objects(s3, bucket) == {}


# -- Never overwriting ---------------------------------------------------------------


def test_a_second_upload_with_the_same_file_name_keeps_the_first(client, bucket, s3):
    for colour in (RED, BLUE):
        response = post_photo(
            client, image=upload(image_bytes(colour=colour), name="IMG_0001.jpg")
        )
        assert response.status_code == 302
    first, second = Photo.objects.order_by("pk")
    assert first.image.name != second.image.name
    assert set(objects(s3, bucket, "photos/")) == {first.image.name, second.image.name}
    assert near(colour_of(body(s3, bucket, first.image.name)), RED)
    assert near(colour_of(body(s3, bucket, second.image.name)), BLUE)


def test_a_name_already_in_the_bucket_gets_a_new_name_recorded_on_the_photo(
    bucket, s3, monkeypatch
):
    """Even when two uploads ask for the very same name, neither file is lost, and
    each photo (and each of its renditions) shows its own picture."""
    field = Photo._meta.get_field("image")
    monkeypatch.setattr(
        field, "upload_to", lambda instance, filename: "photos/same.jpg"
    )
    photos = []
    for colour in (RED, BLUE):
        photo = make_photo()
        photo.image.save("x.jpg", ContentFile(image_bytes(colour=colour)), save=True)
        photos.append(Photo.objects.get(pk=photo.pk))
    first, second = photos
    assert first.image.name == "photos/same.jpg"
    assert second.image.name != first.image.name
    assert second.image.name.startswith("photos/same")
    for photo, colour in zip(photos, (RED, BLUE), strict=True):
        assert near(colour_of(body(s3, bucket, photo.image.name)), colour)
        made = renditions(photo)
        assert len(made["webp"]) == len(made["jpg"]) == 3
        for rendition in made["webp"] + made["jpg"]:
            assert near(colour_of(fetch(rendition.url)[0]), colour)


def test_originals_differing_only_in_extension_get_renditions_of_their_own(
    bucket, s3, monkeypatch
):
    field = Photo._meta.get_field("image")
    photos = []
    for name, fmt, colour in [("same.jpg", "JPEG", RED), ("same.png", "PNG", BLUE)]:
        monkeypatch.setattr(
            field, "upload_to", lambda i, f, name=name: f"photos/{name}"
        )
        photo = make_photo()
        photo.image.save(name, ContentFile(image_bytes(fmt, colour=colour)), save=True)
        photos.append((photo, colour))
    urls = set()
    for photo, colour in photos:
        for rendition in renditions(photo)["webp"] + renditions(photo)["jpg"]:
            assert near(colour_of(fetch(rendition.url)[0]), colour)
            urls.add(rendition.url)
    assert len(urls) == 12
    assert len(objects(s3, bucket, "renditions/")) == 12


def test_a_rendition_name_taken_meanwhile_is_not_overwritten(bucket, s3, monkeypatch):
    """Another process stores the same rendition between the check and the write:
    the storage picks a new name, and the page uses that name, not the one asked."""
    photo = make_photo()
    photo.image.save("a.jpg", ContentFile(image_bytes(colour=BLUE)), save=True)
    taken = photo.image.name.replace("photos/", "renditions/photos/").replace(
        ".jpg", "-480.webp"
    )
    s3.put_object(Bucket=bucket, Key=taken, Body=b"theirs", ContentType="image/webp")
    storage_class = default_storage.__class__
    exists = storage_class.exists
    checked = []

    def exists_but_unseen_once(self, name):
        if name == taken and not checked:
            checked.append(name)
            return False  # the check ran just before the other process wrote it
        return exists(self, name)

    monkeypatch.setattr(storage_class, "exists", exists_but_unseen_once)
    made = renditions(photo)
    assert checked == [taken]
    assert body(s3, bucket, taken) == b"theirs"
    smallest = made["webp"][0]
    assert smallest.width == 480 and not smallest.url.endswith(taken)
    data, content_type = fetch(smallest.url)
    assert content_type == "image/webp" and near(colour_of(data), BLUE)


# -- Renditions and pages -------------------------------------------------------------


def fetch(url: str) -> tuple[bytes, str]:
    """GET from the local moto server, bypassing any proxy."""
    assert url.startswith("http://127.0.0.1:"), url
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        return response.read(), response.headers["Content-Type"]


def test_renditions_are_stored_in_the_bucket_with_their_content_types(bucket, s3):
    photo = make_photo()
    photo.image.save("meeting.jpg", ContentFile(image_bytes()), save=True)
    made = renditions(photo)
    assert [r.width for r in made["webp"]] == [480, 800, 1200]
    assert [r.width for r in made["jpg"]] == [480, 800, 1200]
    stored = objects(s3, bucket, "renditions/")
    assert len(stored) == 6
    for key, head in stored.items():
        expected = "image/webp" if key.endswith(".webp") else "image/jpeg"
        assert head["ContentType"] == expected, key
        with Image.open(io.BytesIO(body(s3, bucket, key))) as image:
            assert (
                image.format == {"image/webp": "WEBP", "image/jpeg": "JPEG"}[expected]
            )
            assert image.width in (480, 800, 1200)
    for rendition in made["webp"] + made["jpg"]:
        data, content_type = fetch(rendition.url)
        assert content_type == rendition.mime
        with Image.open(io.BytesIO(data)) as image:
            assert image.width == rendition.width


def test_the_size_of_a_photo_without_one_in_its_row_is_read_from_the_bucket(bucket):
    photo = make_photo()
    photo.image.save("meeting.jpg", ContentFile(image_bytes(size=(640, 480))))
    photo.width = photo.height = None
    assert image_size(photo) == (640, 480)


def test_the_article_page_serves_the_photo_from_the_storage_urls(
    client, bucket, s3_endpoint
):
    article = make_article(body="<p>一。</p><p>二。</p>")
    photo = make_photo(alt_text="会场全景")
    photo.image.save("meeting.jpg", ContentFile(image_bytes()), save=True)
    place_photo(article, photo)
    base = f"{s3_endpoint}/{bucket}/renditions/"  # the bucket's own, unsigned URLs

    soup = BeautifulSoup(client.get(article.get_absolute_url()).content, "html.parser")
    image = soup.select_one("figure.photo img")
    webp = soup.select_one("figure.photo source")
    assert webp["type"] == "image/webp"
    assert image["width"] == "1600" and image["height"] == "1000"
    assert image["alt"] == "会场全景"
    assert image["src"].startswith(base) and image["src"].endswith("-1200.jpg")
    for srcset, mime in [
        (image["srcset"], "image/jpeg"),
        (webp["srcset"], "image/webp"),
    ]:
        candidates = [c.strip().split(" ") for c in srcset.split(",")]
        assert [w for _, w in candidates] == ["480w", "800w", "1200w"]
        for url, width in candidates:
            assert url.startswith(base), url
            data, content_type = fetch(url)
            assert content_type == mime
            with Image.open(io.BytesIO(data)) as served:
                assert f"{served.width}w" == width


def test_a_page_seen_again_costs_no_request_to_the_bucket(client, bucket):
    article = make_article(body="".join(f"<p>第{n}段。</p>" for n in range(4)))
    for n in range(3):
        photo = make_photo()
        photo.image.save(f"p{n}.jpg", ContentFile(image_bytes()), save=True)
        place_photo(article, photo, after_paragraph=n + 1)
    sent = s3_requests(default_storage)
    first = client.get(article.get_absolute_url())
    assert first.status_code == 200 and sent  # renditions made on first use
    sent.clear()
    again = client.get(article.get_absolute_url())
    assert again.content == first.content
    assert sent == []


def test_an_original_missing_from_the_bucket_is_shown_without_renditions(
    client, bucket, s3
):
    article = make_article()
    photo = make_photo()
    photo.image.save("meeting.jpg", ContentFile(image_bytes()), save=True)
    place_photo(article, photo)
    s3.delete_object(Bucket=bucket, Key=photo.image.name)
    assert not photo.has_file
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    image = BeautifulSoup(response.content, "html.parser").select_one("figure img")
    assert image["src"] == photo.image.url and not image.get("srcset")
    assert renditions(photo) == {}
    assert objects(s3, bucket) == {}
