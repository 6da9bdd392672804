from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from openstx.core.text import clean
from openstx.core.typeahead import use_typeahead
from openstx.library.extraction import SUPPORTED_EXTENSIONS
from openstx.library.models import AccessLevel, Collection, Document


def check_size(upload: Any) -> None:
    limit = int(settings.OPENSTX_MAX_UPLOAD_BYTES)
    if upload is not None and upload.size > limit:
        raise forms.ValidationError(
            _("%(name)s is too large (the limit is %(limit)d MB).")
            % {"name": upload.name, "limit": limit // (1 << 20)}
        )


class ListField(forms.CharField):
    """One value per line (creators, subjects)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(value)
        return value

    # a CharField that cleans to a list: Django lets a field's to_python return any type
    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [clean(line) for line in text.replace(";", "\n").splitlines() if clean(line)]


class DocumentForm(forms.ModelForm):
    creators = ListField(label=_("Creators"), required=False, help_text=_("One per line."))
    subjects = ListField(label=_("Subjects"), required=False, help_text=_("One per line."))
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("PDF, DOCX, ODT, TXT or a scanned image."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUPPORTED_EXTENSIONS)}),
    )

    class Meta:
        model = Document
        fields = [
            "title",
            "creators",
            "subjects",
            "description",
            "publisher",
            "date",
            "dc_type",
            "identifier",
            "language",
            "rights",
            "collection",
            "access_level",
            "digitised",
            "experts",
            "organizations",
            "task_reference",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from openstx.core.permissions import is_admin, is_officer

        access_level = self.fields["access_level"]
        assert isinstance(access_level, forms.ChoiceField)  # a model field with choices
        if not is_officer(user):  # members choose between public and members-only
            access_level.choices = [
                (AccessLevel.PUBLIC, AccessLevel.PUBLIC.label),
                (AccessLevel.MEMBERS, AccessLevel.MEMBERS.label),
            ]
        elif not is_admin(user):
            access_level.choices = [
                c for c in AccessLevel.choices if c[0] != AccessLevel.RESTRICTED
            ]
        # several experts / organisations, each picked by typing (core.typeahead)
        for name, kind in (("experts", "expert"), ("organizations", "organization")):
            use_typeahead(self, name, kind, user, multiple=True).required = False

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        check_size(upload)
        return upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ",".join(SUPPORTED_EXTENSIONS)})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class BatchForm(forms.Form):
    # the form metaclass moves declared fields to base_fields: no clash with BaseForm.files
    files = MultipleFileField(label=_("Scanned files"))  # type: ignore[assignment]
    collection = forms.ChoiceField(
        label=_("Collection"), choices=Collection.choices, initial=Collection.OTHER
    )
    access_level = forms.ChoiceField(
        label=_("Access level"),
        choices=[c for c in AccessLevel.choices if c[0] != AccessLevel.RESTRICTED],
        initial=AccessLevel.PUBLIC,
    )

    def clean_files(self) -> list[Any]:
        files = self.cleaned_data["files"]
        for upload in files:
            check_size(upload)
        return files


class ModerationForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the uploader"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
