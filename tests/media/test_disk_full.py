"""A full disk: a clear message, nothing typed lost, no partial or orphan file."""

import errno
import io
import stat

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.module_loading import import_string
from PIL import Image
from reversion.models import Version

from articles.models import Article, ArticlePhoto
from media.models import Photo
from media.renditions import renditions
from tests.admin_forms import admin_form_data
from tests.factories import make_article, make_photo, make_user, place_photo

pytestmark = pytest.mark.django_db


class Disk:
    """Free space shared by every write; a write needing more fails with ENOSPC
    after the bytes that fitted, as a real full disk does."""

    free = 0

    @classmethod
    def fill(cls, chunks):
        for chunk in chunks:
            if len(chunk) > cls.free:
                yield chunk[: cls.free]
                cls.free = 0
                raise OSError(errno.ENOSPC, "No space left on device")
            cls.free -= len(chunk)
            yield chunk


class _Filling(File):
    def chunks(self, chunk_size=None):
        return Disk.fill(super().chunks(chunk_size))


# The storage the site is configured with, on a disk with `Disk.free` bytes left.
class FullDiskStorage(import_string(django_settings.STORAGES["default"]["BACKEND"])):
    def _save(self, name, content):
        return super()._save(name, _Filling(content, content.name))


@pytest.fixture
def full_disk(settings, monkeypatch):
    monkeypatch.setattr(Disk, "free", 0)
    settings.STORAGES = settings.STORAGES | {
        "default": {"BACKEND": f"{__name__}.FullDiskStorage"}
    }
    return Disk


def files_under(root) -> list[str]:
    """Every file, hidden ones (temporary names) included."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def jpeg_bytes(size=(300, 200)) -> bytes:
    out = io.BytesIO()
    Image.effect_noise(size, 64).convert("RGB").save(out, format="JPEG", quality=95)
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, format="PNG")
    return out.getvalue()


# -- The storage ---------------------------------------------------------------------


def test_a_write_that_fails_midway_leaves_no_file(full_disk, media_root):
    full_disk.free = 1000
    with pytest.raises(OSError) as error:
        default_storage.save("photos/a.jpg", ContentFile(jpeg_bytes()))
    assert error.value.errno == errno.ENOSPC
    assert files_under(media_root) == []


def test_a_stored_file_is_whole_readable_and_never_overwritten(media_root):
    first = default_storage.save("photos/a.jpg", ContentFile(b"first"))
    second = default_storage.save("photos/a.jpg", ContentFile(b"second"))
    assert first == "photos/a.jpg" and second != first
    assert (media_root / first).read_bytes() == b"first"
    assert (media_root / second).read_bytes() == b"second"
    assert stat.S_IMODE((media_root / first).stat().st_mode) == 0o644
    assert files_under(media_root) == sorted([first, second])


# -- The photo admin -----------------------------------------------------------------


def test_uploading_a_photo_onto_a_full_disk_keeps_the_form_and_stores_nothing(
    client, full_disk, media_root
):
    full_disk.free = 1000
    client.force_login(make_user(roles=["编辑"]))
    response = client.post(
        reverse("admin:media_photo_add"),
        {
            "image": SimpleUploadedFile("a.jpg", jpeg_bytes(), "image/jpeg"),
            "caption": "县委书记调研乡村振兴工作。",
            "credit_role": "记者",
            "credit_name": "吴丹",
        },
    )
    assert response.status_code == 200
    assert "服务器存储空间已满" in response.content.decode()
    form = response.context["adminform"].form
    assert form["caption"].value() == "县委书记调研乡村振兴工作。"
    assert form["credit_name"].value() == "吴丹"
    assert not Photo.objects.exists()
    assert files_under(media_root) == []


def test_replacing_a_photo_on_a_full_disk_keeps_the_old_file_and_caption(
    client, full_disk, media_root
):
    photo = make_photo(caption="旧说明")
    full_disk.free = 10**6
    photo.image.save("old.png", ContentFile(png_bytes()), save=True)
    before = files_under(media_root)
    full_disk.free = 1000
    client.force_login(make_user(roles=["编辑"]))
    url = reverse("admin:media_photo_change", args=[photo.pk])
    response = client.post(
        url,
        admin_form_data(
            client.get(url),
            image=SimpleUploadedFile("new.jpg", jpeg_bytes(), "image/jpeg"),
            caption="新说明",
        ),
    )
    assert response.status_code == 200
    assert "服务器存储空间已满" in response.content.decode()
    assert response.context["adminform"].form["caption"].value() == "新说明"
    photo.refresh_from_db()
    assert photo.caption == "旧说明" and photo.image.name == before[0]
    assert not Version.objects.get_for_object(photo).exists()
    assert files_under(media_root) == before


# -- The photo inline of the article admin -------------------------------------------


def test_inline_uploads_onto_a_full_disk_keep_the_article_form_and_leave_no_file(
    client, full_disk, media_root
):
    """The first photo fits, the second does not: neither is kept, nor the edit."""
    article = make_article(status=Article.Status.DRAFT, headline="原标题")
    full_disk.free = 20_000
    client.force_login(make_user(roles=["编辑"]))
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = admin_form_data(client.get(url), headline="改过的标题")
    for index, image in enumerate(
        [SimpleUploadedFile("small.png", png_bytes(), "image/png"),
         SimpleUploadedFile("big.jpg", jpeg_bytes((800, 600)), "image/jpeg")]
    ):  # fmt: skip
        data |= {
            f"placements-{index}-image": image,
            f"placements-{index}-caption": f"说明{index}",
            f"placements-{index}-after_paragraph": "1",
            f"placements-{index}-order": str(index),
        }
    data["placements-TOTAL_FORMS"] = "2"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "服务器存储空间已满" in response.content.decode()
    assert response.context["adminform"].form["headline"].value() == "改过的标题"
    inline = response.context["inline_admin_formsets"][0].formset
    assert [f["caption"].value() for f in inline.forms[:2]] == ["说明0", "说明1"]
    article.refresh_from_db()
    assert article.headline == "原标题"
    assert not ArticlePhoto.objects.exists() and not Photo.objects.exists()
    assert files_under(media_root) == []


def test_other_errors_while_saving_are_not_reported_as_a_full_disk(
    client, full_disk, monkeypatch
):
    def broken(*args, **kwargs):
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(FullDiskStorage, "_save", broken)
    client.force_login(make_user(roles=["编辑"]))
    with pytest.raises(OSError):
        client.post(
            reverse("admin:media_photo_add"),
            {"image": SimpleUploadedFile("a.png", png_bytes()), "caption": "说明"},
        )


# -- Renditions made while a reader views a page --------------------------------------


def photo_with_file():
    photo = make_photo()
    photo.image.save("meeting.jpg", ContentFile(jpeg_bytes((1000, 600))), save=True)
    return photo


def test_a_full_disk_while_making_renditions_leaves_no_part_file(
    client, full_disk, media_root
):
    article = make_article()
    full_disk.free = 10**6
    photo = photo_with_file()
    place_photo(article, photo)
    full_disk.free = 5000  # renditions are written by the storage too
    for _ in range(3):
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200
        assert f'src="{photo.image.url}"' in response.content.decode()  # the original
    assert files_under(media_root) == [photo.image.name]  # no part file, no rendition


def test_a_rendition_failing_while_encoded_leaves_no_part_file(
    client, media_root, monkeypatch
):
    article = make_article()
    photo = photo_with_file()
    place_photo(article, photo)

    def disk_full_midway(image, fp, *args, **kwargs):
        fp.write(b"\0" * 100)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", disk_full_midway)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert f'src="{photo.image.url}"' in response.content.decode()
    assert files_under(media_root) == [photo.image.name]
    assert renditions(photo) == {}
