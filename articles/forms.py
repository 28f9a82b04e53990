import datetime

from ckeditor.widgets import CKEditorWidget
from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.utils import timezone

from media.forms import PhotoUploadField, credit_from_photographer
from media.models import Photo
from people.models import Person
from wuxi_news.stale import check_not_stale
from wuxi_news.text import sanitize_html

from .checking import ensure_publishable
from .editing import EditingFormMixin
from .models import Article, ArticlePhoto, Column
from .services import STAGE_ACTIONS, available_actions, photo_locked_by


def preselect_column(form: forms.ModelForm) -> None:
    """A new item starts in the usual column, so the first save does not fail."""
    if "column" in form.fields and form.initial.get("column") is None:
        column = Column.objects.default()
        if column is not None:
            form.initial["column"] = column.pk


class ArticleForm(EditingFormMixin, forms.ModelForm):
    """The article, and the workflow button pressed with it (saved first, then acted)."""

    workflow = None

    class Meta:
        model = Article
        # Status, review stage and publication time change only through the workflow.
        fields = [
            "headline", "column", "news_on", "summary", "body", "source", "reporters",
            "responsible_editor", "officials",
        ]  # fmt: skip
        widgets = {"body": CKEditorWidget()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        preselect_column(self)

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk and f"{WORKFLOW_PREFIX}-action" in self.data:
            self.workflow = WorkflowForm(
                self.data, prefix=WORKFLOW_PREFIX, user=self.user, article=self.instance
            )
            if not self.workflow.is_valid():
                raise ValidationError(
                    [m for errors in self.workflow.errors.values() for m in errors]
                )
            if (
                self.workflow.cleaned_data["action"] == "approve"
                and self.instance.review_stage == Article.ReviewStage.FINAL
            ):
                # Refused here, the page comes back with everything typed and why.
                ensure_publishable(
                    self.instance,
                    headline=cleaned_data.get("headline", self.instance.headline),
                    body=sanitize_html(cleaned_data.get("body", self.instance.body)),
                    news_on=cleaned_data.get("news_on") or self.instance.news_on,
                )
        return cleaned_data


WORKFLOW_PREFIX = "workflow"
# A schedule further ahead than this is a typing slip (a year like 2205).
MAX_SCHEDULE_AHEAD = datetime.timedelta(days=366)

PHOTO_FIELDS = ["caption", "credit_role", "credit_name", "photographer", "alt_text"]


class ArticlePhotoForm(forms.ModelForm):
    """Place a photo: pick one from the library or upload a new one, with its caption."""

    existing = forms.ModelChoiceField(
        Photo.objects.all(),
        label="已有图片",
        required=False,
        widget=AutocompleteSelect(ArticlePhoto._meta.get_field("photo"), admin.site),
        help_text="从图片库选择;或在下面上传新图片。",
    )
    image = PhotoUploadField(
        label="上传图片",
        required=False,
        help_text="JPEG、PNG 或 WebP。选择了已有图片时,上传的文件将替换它。",
    )
    caption = forms.CharField(
        label="图片说明", max_length=500, required=False, widget=forms.Textarea(
            attrs={"rows": 2, "cols": 60}
        )
    )  # fmt: skip
    credit_role = forms.CharField(
        label="署名身份", max_length=20, required=False, help_text="如“记者”“通讯员”。"
    )
    credit_name = forms.CharField(
        label="摄影者署名",
        max_length=50,
        required=False,
        help_text="照片署名的文字;选择了登记的摄影者而此处留空时,用其姓名。",
    )
    photographer = forms.ModelChoiceField(
        Person.objects.all(),
        label="登记的摄影者",
        required=False,
        widget=AutocompleteSelect(Photo._meta.get_field("photographer"), admin.site),
    )
    alt_text = forms.CharField(
        label="替代文字",
        max_length=300,
        required=False,
        help_text="供读屏软件朗读的画面描述;留空则使用图片说明。",
    )

    # The placed photo's `updated_at` when the page was opened (see `clean`).
    photo_seen = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ArticlePhoto
        fields = ["after_paragraph", "order"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        photo = self.instance.photo if self.instance.photo_id else None
        if photo is not None:
            self.initial.setdefault("existing", photo.pk)
            self.initial["photo_seen"] = photo.updated_at.isoformat()
            for name in PHOTO_FIELDS:
                value = getattr(photo, name)
                self.initial.setdefault(
                    name, value.pk if name == "photographer" and value else value
                )
        self._photo = None
        self._photo_changed = False

    def clean(self):
        cleaned_data = super().clean()
        existing = cleaned_data.get("existing")
        image = cleaned_data.get("image")
        if self.errors:
            return cleaned_data
        if existing is None and not image:
            raise ValidationError("请上传图片,或从图片库选择一张已有图片。")
        if existing is not None and existing.pk != self.instance.photo_id:
            # A photo just picked from the library keeps its caption, credit and alt
            # text; only what the editor typed over them is a change.
            for name in PHOTO_FIELDS:
                if not cleaned_data.get(name):
                    cleaned_data[name] = getattr(existing, name)
        credit_from_photographer(cleaned_data)
        # A placement moved or kept never writes its photo: an unchanged photo saved
        # again would put back a caption the library changed meanwhile.
        self._photo_changed = existing is None or self._changes_photo(
            existing, cleaned_data
        )
        if existing is not None and self._photo_changed:
            self._check_photo_may_change(existing)
            if existing.pk == self.instance.photo_id:
                # The photo library (or another article) may have changed the photo
                # since this page was opened: its old caption must not be written back.
                check_not_stale(obj=existing, seen=cleaned_data.get("photo_seen"))
        photo = existing or Photo()
        if image:
            photo.image = image
        for name in PHOTO_FIELDS:
            setattr(
                photo,
                name,
                cleaned_data.get(name) or ("" if name != "photographer" else None),
            )
        try:
            photo.full_clean(exclude=["image"])
        except ValidationError as error:
            raise ValidationError(error.messages) from error
        self._photo = photo
        return cleaned_data

    @staticmethod
    def _changes_photo(photo: Photo, cleaned_data: dict) -> bool:
        if cleaned_data.get("image"):
            return True
        return any(
            (cleaned_data.get(name) or ("" if name != "photographer" else None))
            != getattr(photo, name)
            for name in PHOTO_FIELDS
        )

    def _check_photo_may_change(self, photo: Photo) -> None:
        """A library photo placed elsewhere changes only if all its articles may."""
        if self.user is None:
            return
        locked = photo_locked_by(user=self.user, photo=photo)
        if locked:
            raise ValidationError(
                "这张图片也用于"
                + "、".join(f"《{article.headline}》" for article in locked)
                + ",你没有权限修改那些稿件,所以不能修改它的图片、说明或署名。"
                "请上传一张新图片,或请有权限的人修改。"
            )

    def save(self, commit=True):
        if self._photo is not None:
            if self._photo_changed:
                if self.user is not None:
                    self._photo.updated_by = self.user
                self._photo.save()
            self.instance.photo = self._photo
        return super().save(commit)


class ArticlePhotoFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            photo = form.cleaned_data.get("existing")
            if photo is None:
                continue
            if photo.pk in seen:
                raise ValidationError(f"同一张图片在本稿中只能放一次:{photo}。")
            seen.add(photo.pk)


class WorkflowForm(forms.Form):
    """The remark, reason or publication time sent with a workflow button."""

    action = forms.ChoiceField(
        choices=[
            ("submit", "提交审核"),
            ("approve", "审核通过"),
            ("return", "退回修改"),
            ("unpublish", "撤销发布"),
        ]
    )
    remark = forms.CharField(label="意见", required=False, max_length=1000)
    publish_at = forms.DateTimeField(
        label="定时发布",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    # Sent by the read-only page's own workflow form: the step is refused if the
    # article changed after the page was opened (nobody signs off text they never saw).
    seen_updated_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, article=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.article = user, article

    def clean_action(self):
        action = self.cleaned_data["action"]
        if self.article is not None and action not in available_actions(
            user=self.user, article=self.article
        ):
            label = dict(self.fields["action"].choices)[action]
            raise ValidationError(f"这篇稿件现在不能由你执行“{label}”。")
        return action

    @property
    def label(self) -> str:
        """The step the button takes on this article, named as the review trail has it."""
        action = self.cleaned_data["action"]
        stage = self.article.review_stage if self.article else ""
        if action != "approve" or stage not in STAGE_ACTIONS:
            return dict(self.fields["action"].choices)[action]
        when = self.cleaned_data.get("publish_at") or self.article.published_at
        if stage == Article.ReviewStage.FINAL and when and when > timezone.now():
            return "定时发布"
        return STAGE_ACTIONS[stage].label

    def clean_publish_at(self):
        value = self.cleaned_data.get("publish_at")
        if value and value < timezone.now() - datetime.timedelta(minutes=1):
            raise ValidationError("定时发布时间不能早于现在;立即发布请留空。")
        if value and value > timezone.now() + MAX_SCHEDULE_AHEAD:
            raise ValidationError("定时发布时间不能晚于一年以后,请检查年份。")
        return value
