import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from media.models import Photo
from media.uploads import clean_photo_upload
from tests.factories import make_photo, make_user


def image_bytes(format="JPEG", size=(40, 20), exif=None, color="red") -> bytes:
    out = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, color).save(out, format=format, **options)
    return out.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type)


def exif_with_gps_and_rotation() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise to display
    exif[ExifTags.Base.Make] = "TestCam"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (31.0, 24.0, 0.0),
    }
    return exif.tobytes()


def test_real_images_of_each_format_are_accepted_and_renamed_by_content():
    for image_format, extension in [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")]:
        cleaned = clean_photo_upload(upload(image_bytes(image_format), name="x.gif"))
        assert cleaned.name == f"photo.{extension}"
        assert Image.open(cleaned).format == image_format


def test_a_text_file_named_jpg_is_refused():
    with pytest.raises(ValidationError) as error:
        clean_photo_upload(upload(b"<?php system($_GET['c']); ?>", name="a.jpg"))
    assert "不是这几种图片" in error.value.messages[0]


def test_a_gif_is_refused():
    with pytest.raises(ValidationError):
        clean_photo_upload(upload(image_bytes("GIF"), name="a.gif"))


def test_an_oversized_file_is_refused_before_decoding(settings):
    settings.PHOTO_MAX_BYTES = 100
    with pytest.raises(ValidationError) as error:
        clean_photo_upload(upload(image_bytes(size=(200, 200))))
    assert "图片文件太大" in error.value.messages[0]


def test_too_many_pixels_are_refused(settings):
    settings.PHOTO_MAX_PIXELS = 1000
    with pytest.raises(ValidationError) as error:
        clean_photo_upload(upload(image_bytes(size=(100, 100))))
    assert "像素太多" in error.value.messages[0]


def test_a_decompression_bomb_is_refused_without_decoding():
    # A tiny PNG declaring 30000 x 30000 pixels (900 megapixels).
    bomb = io.BytesIO()
    Image.new("1", (30000, 30000)).save(bomb, format="PNG")
    assert len(bomb.getvalue()) < 200_000
    with pytest.raises(ValidationError) as error:
        clean_photo_upload(upload(bomb.getvalue(), name="bomb.png"))
    assert "像素太多" in error.value.messages[0]


def test_exif_orientation_is_applied_and_gps_removed():
    data = image_bytes(size=(40, 20), exif=exif_with_gps_and_rotation())
    cleaned = Image.open(clean_photo_upload(upload(data)))
    assert cleaned.size == (20, 40)
    exif = cleaned.getexif()
    assert ExifTags.IFD.GPSInfo not in exif
    assert ExifTags.Base.Orientation not in exif
    assert exif.get(ExifTags.Base.Make) == "TestCam"


def post_photo(client, data: dict):
    return client.post(reverse("admin:media_photo_add"), data)


@pytest.mark.django_db
def test_admin_refuses_a_fake_image_in_chinese_and_keeps_the_typed_fields(client):
    client.force_login(make_user(roles=["编辑"]))
    response = post_photo(
        client,
        {
            "image": upload(b"not an image at all", name="fake.jpg"),
            "caption": "县委书记调研乡村振兴工作。",
            "credit_role": "记者",
            "credit_name": "吴丹",
        },
    )
    assert response.status_code == 200
    assert "不是这几种图片" in response.content.decode()
    assert (
        response.context["adminform"].form["caption"].value()
        == "县委书记调研乡村振兴工作。"
    )
    assert not Photo.objects.exists()


@pytest.mark.django_db
def test_admin_refuses_an_oversized_image_and_stores_nothing(client, settings):
    settings.PHOTO_MAX_BYTES = 500
    client.force_login(make_user(roles=["编辑"]))
    response = post_photo(
        client,
        {"image": upload(image_bytes(size=(300, 300))), "caption": "说明"},
    )
    assert "图片文件太大" in response.content.decode()
    assert not Photo.objects.exists()


@pytest.mark.django_db
def test_admin_stores_a_good_upload_under_a_generated_name(client, media_root):
    client.force_login(make_user(roles=["编辑"]))
    response = post_photo(
        client,
        {
            "image": upload(image_bytes("PNG"), name="../../etc/我的照片.png"),
            "caption": "说明\u200b文字\u202e",
        },
    )
    assert response.status_code == 302
    photo = Photo.objects.get()
    assert photo.caption == "说明文字"
    assert photo.image.name.startswith("photos/")
    assert "我的照片" not in photo.image.name and ".." not in photo.image.name
    assert photo.image.name.endswith(".png")
    assert (photo.width, photo.height) == (40, 20)


@pytest.mark.django_db
def test_picking_a_registered_photographer_signs_with_their_name(client):
    from tests.factories import make_person

    person = make_person(name="周超")
    client.force_login(make_user(roles=["编辑"]))
    post_photo(client, {"caption": "说明", "photographer": person.pk})
    photo = Photo.objects.get()
    assert photo.credit == "周超/摄"
    assert photo.photographer == person


@pytest.mark.django_db
def test_editing_a_photo_is_kept_as_a_revision(client):
    from reversion.models import Version

    photo = make_photo(caption="旧说明")
    user = make_user(roles=["编辑"])
    client.force_login(user)
    client.post(
        reverse("admin:media_photo_change", args=[photo.pk]),
        {"caption": "新说明", "credit_role": "记者", "credit_name": "吴丹"},
    )
    versions = Version.objects.get_for_object(photo)
    assert versions.count() == 1
    assert versions[0].revision.user == user
    assert versions[0].field_dict["caption"] == "新说明"
