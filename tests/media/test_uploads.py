import functools
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image, ImageCms, ImageFile, PngImagePlugin

from media.models import Photo
from media.uploads import clean_photo_upload
from tests.admin_forms import admin_form_data
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
    assert ExifTags.Base.Make not in exif


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
        {
            "caption": "新说明",
            "credit_role": "记者",
            "credit_name": "吴丹",
            "seen_updated_at": photo.updated_at.isoformat(),  # the page's marker
        },
    )
    versions = Version.objects.get_for_object(photo)
    assert versions.count() == 1
    assert versions[0].revision.user == user
    assert versions[0].field_dict["caption"] == "新说明"


# -- Metadata: only pixels (orientation applied) and the colour profile are kept ------

SECRETS = [b"TestCam", b"Model-X100", b"Wu Dan", b"SN-0042", b"2019:05:04", b"<script>"]


@functools.cache  # the profile's header holds its creation time
def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def camera_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "TestCam"
    exif[ExifTags.Base.Model] = "Model-X100"
    exif[ExifTags.Base.Artist] = "Wu Dan"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] = "SN-0042"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = (
        "2019:05:04 10:00:00"
    )
    return exif


XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Make="TestCam" '
    b'tiff:Artist="Wu Dan"/></rdf:RDF></x:xmpmeta>'
)


def camera_file(image_format: str) -> bytes:
    """A 40 x 20 photo with orientation 6, camera and author data and an ICC profile."""
    out = io.BytesIO()
    image = Image.new("RGB", (40, 20), "red")
    options = {"exif": camera_exif(), "icc_profile": srgb_profile()}
    if image_format == "JPEG":
        options |= {"comment": b"<script>alert(1)</script>", "xmp": XMP}
    elif image_format == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Author", "Wu Dan")
        text.add_text("Comment", "<script>alert(1)</script>", zip=True)
        text.add_itxt("Description", "<script>alert(2)</script>")
        text.add_itxt("XML:com.adobe.xmp", XMP.decode())
        options["pnginfo"] = text
    else:
        options["xmp"] = XMP
    image.save(out, format=image_format, **options)
    data = out.getvalue()
    assert all(secret in data for secret in SECRETS[:2]), "the test file has no EXIF"
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_a_stored_upload_keeps_only_pixels_and_colour_profile(
    client, image_format, media_root
):
    client.force_login(make_user(roles=["编辑"]))
    response = post_photo(
        client,
        {"image": upload(camera_file(image_format), name="IMG.x"), "caption": "说明"},
    )
    assert response.status_code == 302
    stored = Photo.objects.get().image
    data = (media_root / stored.name).read_bytes()
    for secret in [*SECRETS, b"xmpmeta", b"Exif\x00\x00"]:
        assert secret not in data, secret
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (20, 40)  # orientation applied to the pixels
        assert not image.getexif()
        assert image.info.get("icc_profile") == srgb_profile()
        assert not {"comment", "xmp", "exif", "Author", "Comment"} & set(image.info)
        assert not getattr(image, "text", {})
    if image_format == "PNG":
        assert not {b"tEXt", b"zTXt", b"iTXt", b"eXIf"} & set(png_chunks(data))
    if image_format == "WEBP":
        assert b"EXIF" not in data and b"XMP " not in data


def png_chunks(data: bytes) -> list[bytes]:
    chunks, position = [], 8
    while position < len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        chunks.append(data[position + 4 : position + 8])
        position += 12 + length
    return chunks


def test_a_palette_png_keeps_its_transparency():
    out = io.BytesIO()
    image = Image.new("RGB", (10, 10), "red").convert("P", palette=Image.ADAPTIVE)
    image.save(out, format="PNG", transparency=image.getpixel((0, 0)))
    cleaned = Image.open(clean_photo_upload(upload(out.getvalue(), name="a.png")))
    assert cleaned.convert("RGBA").getpixel((0, 0))[3] == 0


# -- Truncated files: refused whatever ran before in the same process ----------------


def truncated_jpeg() -> bytes:
    out = io.BytesIO()
    noise = Image.effect_noise((400, 300), 64).convert("RGB")
    noise.save(out, format="JPEG", quality=95)
    data = out.getvalue()
    return data[: len(data) // 2]


@pytest.mark.django_db
def test_a_truncated_jpeg_is_refused_even_after_a_pdf_export(
    client, reference_digest, monkeypatch
):
    from digests.exports import ExportError, export_digest

    try:
        export_digest(digest=reference_digest, fmt="pdf")
    except ExportError:  # no CJK font here: set the flag as importing WeasyPrint does
        monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    assert ImageFile.LOAD_TRUNCATED_IMAGES  # what WeasyPrint leaves behind
    photos = Photo.objects.count()
    client.force_login(make_user(roles=["编辑"]))
    response = post_photo(
        client, {"image": upload(truncated_jpeg()), "caption": "说明"}
    )
    assert response.status_code == 200
    assert "图片文件已损坏" in response.content.decode()
    assert Photo.objects.count() == photos
    assert ImageFile.LOAD_TRUNCATED_IMAGES  # the PDF export keeps its setting


def test_a_colour_profile_is_rewritten_so_nothing_rides_inside_it():
    padded = srgb_profile() + b"ICCSECRET<script>alert(1)</script>" * 200
    out = io.BytesIO()
    Image.new("RGB", (30, 20), "blue").save(out, format="JPEG", icc_profile=padded)
    data = clean_photo_upload(upload(out.getvalue())).read()
    assert b"ICCSECRET" not in data and b"<script>" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.info.get("icc_profile") == srgb_profile()


def test_an_unreadable_colour_profile_is_dropped():
    out = io.BytesIO()
    Image.new("RGB", (30, 20), "blue").save(
        out, format="JPEG", icc_profile=b"not a profile <script>" * 10
    )
    data = clean_photo_upload(upload(out.getvalue())).read()
    assert b"<script>" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert "icc_profile" not in image.info


def test_a_multi_picture_jpeg_from_a_phone_is_stored_as_its_first_frame():
    out = io.BytesIO()
    first, second = (
        Image.new("RGB", (30, 20), "red"),
        Image.new("RGB", (30, 20), "blue"),
    )
    first.save(out, format="MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    cleaned = clean_photo_upload(upload(out.getvalue()))
    with Image.open(cleaned) as image:
        assert image.format == "JPEG"
        assert getattr(image, "n_frames", 1) == 1
        red, green, blue = image.getpixel((5, 5))
        assert red > 200 and blue < 60
    assert cleaned.name.endswith(".jpg")


@pytest.mark.django_db
def test_a_stale_photo_save_is_refused_and_the_newer_caption_kept(client):
    photo = make_photo(caption="原说明。", alt_text="")
    url = reverse("admin:media_photo_change", args=[photo.pk])
    client.force_login(make_user(roles=["记者"]))
    stale = admin_form_data(client.get(url), credit_name="李明")
    fresh = admin_form_data(client.get(url), alt_text="会场全景")
    assert client.post(url, fresh).status_code == 302
    response = client.post(url, stale)
    assert response.status_code == 200
    assert "保存被拒绝" in response.content.decode()
    photo.refresh_from_db()
    assert photo.alt_text == "会场全景"
