import datetime

from django import forms
from django.core.exceptions import ValidationError

from articles.editing import EditingFormMixin
from articles.forms import preselect_column
from articles.models import Article

from .archive import MAX_ARCHIVE_BYTES
from .models import PageImport, WeeklyDigest
from .reading import MAX_FILE_BYTES


class WeeklyDigestForm(EditingFormMixin, forms.ModelForm):
    class Meta:
        model = WeeklyDigest
        # Status and publication time change only through the publish button.
        fields = ["title", "column", "week_starts_on", "week_ends_on", "issued_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        preselect_column(self)
        # View-only users get a form without these fields.
        if "week_ends_on" in self.fields:
            self.fields["week_ends_on"].required = False
            self.fields["week_ends_on"].help_text += "留空则为本周起之后第六天。"
        if "issued_on" in self.fields:
            self.fields["issued_on"].required = False
            self.fields["issued_on"].help_text += "留空则同本周止。"

    def clean(self):
        cleaned_data = super().clean()
        start = cleaned_data.get("week_starts_on")
        if start and not cleaned_data.get("week_ends_on"):
            if start > datetime.date.max - datetime.timedelta(days=6):
                raise ValidationError({"week_starts_on": "本周起的日期超出了范围。"})
            cleaned_data["week_ends_on"] = start + datetime.timedelta(days=6)
        if cleaned_data.get("week_ends_on") and not cleaned_data.get("issued_on"):
            cleaned_data["issued_on"] = cleaned_data["week_ends_on"]
        return cleaned_data


class DigestItemFormSet(forms.BaseInlineFormSet):
    """Duplicates and a second lead are named in Chinese before the database sees them."""

    def clean(self):
        # Before the generic duplicate check, so the editor reads which article it is.
        self._check_items()
        super().clean()

    def _check_items(self):
        seen, leads = set(), []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("article"):
                continue
            article = data["article"]
            if not isinstance(article, Article):
                # A view-only row's data is its initial values: the saved article's pk.
                article = form.instance.article
            if article.pk in seen:
                raise ValidationError(
                    f"同一篇稿件不能在一期中收录两次:《{article.headline}》。"
                )
            seen.add(article.pk)
            if data.get("is_lead"):
                leads.append(article.headline)
        if len(leads) > 1:
            raise ValidationError(
                "每期只能有一篇头条,现在勾选了:" + "、".join(f"《{h}》" for h in leads)
            )


class PageImportForm(forms.ModelForm):
    """An upload of old pages: one page file (.txt, .json) or a ZIP of them."""

    class Meta:
        model = PageImport
        fields = ["upload", "column", "is_update", "is_forced", "is_dry_run"]
        labels = {"upload": "页面文件或 ZIP 压缩包"}
        help_texts = {
            "upload": "旧网站页面的纯文本文件(.txt,常用的中文编码均可)、导出的 JSON,"
            "或装着许多页面文件的 ZIP 压缩包(可含子文件夹)。"
        }

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        limit = (
            MAX_ARCHIVE_BYTES
            if upload.name.lower().endswith(".zip")
            else MAX_FILE_BYTES
        )
        if upload.size > limit:
            raise ValidationError(
                f"文件太大({upload.size / 1024 / 1024:.1f} MB),最大 "
                f"{limit // 1024 // 1024} MB。"
            )
        if not upload.name.lower().endswith((".zip", ".txt", ".text", ".json")):
            raise ValidationError("只能上传 .txt、.json 或 .zip 文件。")
        return upload

    def save(self, commit=True):
        self.instance.original_name = self.cleaned_data["upload"].name[-255:]
        return super().save(commit)
