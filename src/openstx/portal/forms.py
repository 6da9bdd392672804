"""Portal forms. Validation of business rules happens in services; a form that comes back with
errors keeps everything the user typed (files have to be chosen again, as browsers require)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openstx.directory.models import Organization
from openstx.portal.models import Article, Service


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


FILES_HELP = _("PDF, Word, Excel, images; each file is checked and limited in size.")


def _org_field(user: Any) -> forms.ModelChoiceField:
    from openstx.core.permissions import organization_ids

    return forms.ModelChoiceField(
        label=_("On behalf of"),
        queryset=Organization.objects.filter(pk__in=organization_ids(user)),
        required=False,
        empty_label=_("Myself"),
    )


class RequestForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=300)
    details = forms.CharField(
        label=_("What do you need?"), widget=forms.Textarea(attrs={"rows": 6})
    )
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    # the form metaclass moves declared fields to base_fields: no clash with BaseForm.files
    files = MultipleFileField(label=_("Attachments"), help_text=FILES_HELP)  # type: ignore[assignment]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organization = self.fields["organization"] = _org_field(user)
        assert organization.queryset is not None  # _org_field sets it
        if not organization.queryset.exists():
            del self.fields["organization"]


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    # the form metaclass moves declared fields to base_fields: no clash with BaseForm.files
    files = MultipleFileField(label=_("Attachments"), help_text=FILES_HELP)  # type: ignore[assignment]


class ActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("assign", "assign"),
            ("start", "start"),
            ("complete", "complete"),
            ("decline", "decline"),
        ]
    )
    assignee = forms.IntegerField(required=False)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class QueueFilter(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.all(),
        required=False,
        empty_label=_("All services"),
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from openstx.portal.models import ServiceRequest

        super().__init__(*args, **kwargs)
        status, assignee = self.fields["status"], self.fields["assignee"]
        assert isinstance(status, forms.ChoiceField)
        assert isinstance(assignee, forms.ChoiceField)
        status.choices = [
            ("", _("All open")),
            ("all", _("All")),
            *ServiceRequest.Status.choices,
        ]
        assignee.choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Nobody")),
        ]


class ApplicationForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none())
    project_title = forms.CharField(label=_("Project"), max_length=300)
    summary = forms.CharField(
        label=_("Summary of the project"), widget=forms.Textarea(attrs={"rows": 6})
    )
    total_cost_vnd = forms.IntegerField(label=_("Total cost (VND)"), min_value=0, required=False)
    requested_amount_vnd = forms.IntegerField(label=_("Amount requested (VND)"), min_value=1)
    # the form metaclass moves declared fields to base_fields: no clash with BaseForm.files
    files = MultipleFileField(label=_("Documents"), help_text=FILES_HELP)  # type: ignore[assignment]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = _org_field(user)
        field.required = True
        field.empty_label = None
        field.label = _("Applying organisation")
        self.fields["organization"] = field


class ReviewForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("review", "review"),
            ("checklist", "checklist"),
            ("approve", "approve"),
            ("reject", "reject"),
        ]
    )
    checked = forms.MultipleChoiceField(label=_("Checklist"), required=False)
    amount_vnd = forms.IntegerField(label=_("Amount approved (VND)"), required=False, min_value=1)
    decision_number = forms.CharField(label=_("Decision number"), required=False, max_length=64)
    reasons = forms.CharField(
        label=_("Reasons / comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, documents: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        checked = self.fields["checked"]
        assert isinstance(checked, forms.ChoiceField)
        checked.choices = [(d, d) for d in documents or []]


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=300)
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}))
    # honeypot: hidden from people by CSS, filled in by naive bots
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )


class TrainingForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    organization_name = forms.CharField(label=_("Organisation"), max_length=300, required=False)


class ArticleFilter(forms.Form):
    q = forms.CharField(label=_("Words"), required=False)
    category = forms.ChoiceField(label=pgettext_lazy("portal section", "Category"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)
        category.choices = [("", _("All categories")), *Article.Category.choices]


class StartupProfileForm(forms.ModelForm):
    class Meta:
        from openstx.portal.models import StartupProfile

        model = StartupProfile
        fields = [
            "pitch",
            "stage",
            "field",
            "team_size",
            "founded_year",
            "support_received",
            "incubator",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        incubator = self.fields["incubator"]
        assert isinstance(incubator, forms.ModelChoiceField)  # a foreign key
        incubator.queryset = Organization.objects.filter(type=Organization.Type.INTERMEDIARY)
        self.fields["field"].required = False


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class ArticleForm(forms.Form):
    """The officers' article editor. The body may hold HTML: it is sanitised on save."""

    title = forms.CharField(label=_("Title"), max_length=300)
    category = forms.ChoiceField(
        label=pgettext_lazy("portal section", "Category"), choices=Article.Category.choices
    )
    summary = forms.CharField(
        label=_("Summary"),
        max_length=600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    body = forms.CharField(
        label=_("Body"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Paragraphs, headings, lists, tables and links are kept; scripts, styles and "
            "other markup are removed when saved."
        ),
    )
    image = forms.FileField(
        label=_("Image"),
        required=False,
        help_text=_("JPEG, PNG or WebP; it is checked, re-encoded and a thumbnail is made."),
    )
    remove_image = forms.BooleanField(label=_("Remove the current image"), required=False)
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=DateTimeLocalInput(),
        help_text=_("Empty: now. A future time keeps the article hidden until then."),
    )
    deadline = forms.DateTimeField(
        label=_("Deadline for proposals"),
        required=False,
        widget=DateTimeLocalInput(),
        help_text=_("Calls for proposals only."),
    )
    task_codes = forms.CharField(
        label=_("S&T tasks concerned"),
        required=False,
        help_text=_("Calls for proposals only: task codes, separated by commas."),
    )
    event_start = forms.DateTimeField(
        label=_("Event starts"), required=False, widget=DateTimeLocalInput()
    )
    event_place = forms.CharField(label=_("Event place"), max_length=300, required=False)
    organization = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organization.objects.filter(
            type__in=[Organization.Type.INTERMEDIARY, Organization.Type.STATE_AGENCY]
        ),
        required=False,
        help_text=_("For events: the incubator or intermediary organisation holding it."),
    )

    def __init__(self, *args: Any, instance: Article | None = None, **kwargs: Any) -> None:
        if instance is not None and instance.pk and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": instance.title,
                "category": instance.category,
                "summary": instance.summary,
                "body": instance.body,
                "publish_at": instance.publish_at,
                "deadline": instance.deadline,
                "task_codes": ", ".join(t.code or str(t.pk) for t in instance.tasks.all()),
                "event_start": instance.event_start,
                "event_place": instance.event_place,
                "organization": instance.organization_id,
            }
        super().__init__(*args, **kwargs)
        if instance is not None and instance.organization_id:  # keep an existing choice
            field = self.fields["organization"]
            assert isinstance(field, forms.ModelChoiceField) and field.queryset is not None
            field.queryset = field.queryset | Organization.objects.filter(
                pk=instance.organization_id
            )
        if instance is None or not instance.image:
            del self.fields["remove_image"]

    def clean_task_codes(self) -> list[Any]:
        from openstx.portal.services import tasks_by_codes

        return tasks_by_codes(self.cleaned_data.get("task_codes", "").split(","))

    def service_data(self) -> dict[str, Any]:
        """What ``services.save_article`` takes."""
        d = dict(self.cleaned_data)
        d["tasks"] = d.pop("task_codes", [])
        for key in ("image", "remove_image"):
            d.pop(key, None)
        return d
