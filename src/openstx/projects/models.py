"""S&T tasks (nhiệm vụ KH&CN), their life cycle, councils, score sheets and outputs.

All state changes go through ``openstx.projects.services`` (and ``workflow`` for the life cycle
configuration); these classes hold data and the small derived values templates need.

Links to the technology exchange (the demand a task was ordered from, the offer created from a
result) and to the IP registry (an output's IP record) are nullable foreign keys that are set to
NULL when the other record is deleted.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from openstx.core.models import BaseQuerySet, ExternalIdModel, NormalizedTextMixin, TimeStampedModel


class Level(models.TextChoices):
    NATIONAL = "national", _("National")
    MINISTERIAL = "ministerial", _("Ministerial")
    PROVINCIAL = "provincial", _("Provincial / city")
    DISTRICT = "district", _("District")
    GRASSROOTS = "grassroots", _("Grassroots")


class Form(models.TextChoices):
    DE_TAI = "de_tai", _("Research project (đề tài)")
    DU_AN_SXTN = "du_an_sxtn", _("Pilot production project (dự án SXTN)")
    DE_AN = "de_an", _("Scheme (đề án)")
    DU_AN_KHCN = "du_an_khcn", _("S&T project (dự án KH&CN)")
    CHUONG_TRINH = "chuong_trinh", _("Programme (chương trình)")


class Rating(models.TextChoices):
    NONE = "", _("—")
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class Workflow(TimeStampedModel):
    """A life-cycle configuration (states, transitions, roles, required documents and fields,
    council rules). Exactly one is active; the shipped default is loaded from
    ``projects/data/workflow_default.json`` the first time it is needed."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    definition = models.JSONField(_("definition"), default=dict)
    is_active = models.BooleanField(pgettext_lazy("in use", "active"), default=False, db_index=True)

    class Meta:
        ordering = ["-is_active", "name"]
        verbose_name = _("life-cycle configuration")
        verbose_name_plural = _("life-cycle configurations")

    def __str__(self) -> str:
        return self.name


class TaskQuerySet(BaseQuerySet):
    def active(self) -> TaskQuerySet:
        from openstx.projects.workflow import get_workflow

        return self.filter(state__in=get_workflow().active_states)


class Task(NormalizedTextMixin, ExternalIdModel, TimeStampedModel):
    """One S&T task. Public fields: code, title, level, form, fields, ordering agency, host,
    leader, period, state, objectives, expected products, rating. The rest (budget breakdown,
    team, documents, councils) is the dossier, for staff, the host and the council."""

    code = models.CharField(_("code"), max_length=64, blank=True, db_index=True)
    title = models.CharField(_("title"), max_length=500)
    level = models.CharField(
        _("level"), max_length=16, choices=Level.choices, default=Level.PROVINCIAL, db_index=True
    )
    form = models.CharField(
        _("form"), max_length=16, choices=Form.choices, default=Form.DE_TAI, db_index=True
    )
    fields = models.ManyToManyField(
        "taxonomy.FieldOfScience",
        blank=True,
        related_name="tasks",
        verbose_name=_("fields of science"),
    )
    ordering_agency = models.CharField(_("ordering agency"), max_length=300, blank=True)
    host = models.ForeignKey(
        "directory.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_tasks",
        verbose_name=_("host organisation"),
    )
    leader = models.ForeignKey(
        "directory.Expert",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_tasks",
        verbose_name=_("leader"),
    )
    start_date = models.DateField(_("start"), null=True, blank=True, db_index=True)
    end_date = models.DateField(_("end"), null=True, blank=True, db_index=True)
    extended_end_date = models.DateField(_("extended to"), null=True, blank=True)
    budget_total_vnd = models.BigIntegerField(
        _("total budget (VND)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    objectives = models.TextField(_("objectives"), blank=True)
    expected_products = models.TextField(_("expected products"), blank=True)
    workflow = models.ForeignKey(
        Workflow,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        verbose_name=_("life-cycle configuration"),
    )
    state = models.CharField(_("state"), max_length=32, default="proposed", db_index=True)
    state_changed_at = models.DateTimeField(_("state changed"), null=True, blank=True)
    next_check_due = models.DateField(
        _("next periodic check"), null=True, blank=True, db_index=True
    )
    rating = models.CharField(_("rating"), max_length=16, choices=Rating.choices, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True, db_index=True)
    source_demand = models.ForeignKey(
        "exchange.Demand",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ordered_tasks",
        verbose_name=_("ordered from demand"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    history = HistoricalRecords(m2m_fields=[fields])
    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-created_at"]
        verbose_name = _("S&T task")
        verbose_name_plural = _("S&T tasks")
        indexes = [models.Index(fields=["state", "level"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_total_vnd__isnull=True)
                | models.Q(budget_total_vnd__gte=0),
                name="task_budget_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(start_date__isnull=True)
                | models.Q(end_date__isnull=True)
                | models.Q(start_date__lte=models.F("end_date")),
                name="task_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()

    def get_absolute_url(self) -> str:
        return reverse("projects:task-detail", args=[self.pk])

    @property
    def effective_end(self) -> dt.date | None:
        return self.extended_end_date or self.end_date

    @property
    def state_label(self) -> str:
        from openstx.projects.workflow import get_workflow

        return get_workflow(self.workflow).state_label(self.state)


class TaskMember(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("Leader")
        SECRETARY = "secretary", _("Scientific secretary")
        KEY = "key", _("Key member")
        MEMBER = "member", _("Member")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="members")
    expert = models.ForeignKey(
        "directory.Expert",
        on_delete=models.CASCADE,
        related_name="task_memberships",
        verbose_name=_("expert"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = _("task team member")
        verbose_name_plural = _("task team")
        constraints = [models.UniqueConstraint(fields=["task", "expert"], name="uniq_task_member")]

    def __str__(self) -> str:
        return f"{self.expert} ({self.get_role_display()})"


class TaskBudget(models.Model):
    class Source(models.TextChoices):
        STATE = "state", _("State budget")
        OTHER = "other", _("Other sources")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="budget_lines")
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    source = models.CharField(
        _("source"), max_length=8, choices=Source.choices, default=Source.STATE
    )
    amount_vnd = models.BigIntegerField(_("amount (VND)"), validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["year", "source"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            models.UniqueConstraint(
                fields=["task", "year", "source"], name="uniq_task_budget_line"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_vnd__gte=0), name="budget_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_source_display()}: {self.amount_vnd:,}"


class TaskTransition(models.Model):
    """One step of a task's life: who, when, what, with which comment and form values."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("action"), max_length=32)
    from_state = models.CharField(_("from"), max_length=32, blank=True)
    to_state = models.CharField(_("to"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("form values"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("task step")
        verbose_name_plural = _("task steps")

    def __str__(self) -> str:
        return f"{self.task_id}: {self.from_state} → {self.to_state}"

    @property
    def action_label(self) -> str:
        from openstx.projects.workflow import get_workflow

        return get_workflow(self.task.workflow).transition_label(self.action)


def _document_path(instance: TaskDocument, filename: str) -> str:
    from uuid import uuid4

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"projects/{instance.task_id}/{uuid4().hex}.{ext}"


class TaskDocument(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="documents")
    transition = models.ForeignKey(
        TaskTransition, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=64)
    name = models.CharField(_("name"), max_length=300)
    file = models.FileField(_("file"), upload_to=_document_path, max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("task document")
        verbose_name_plural = _("task documents")

    def __str__(self) -> str:
        return self.name


class Reminder(models.Model):
    """A deadline reminder that was sent; the unique key makes sending idempotent."""

    class Kind(models.TextChoices):
        CHECK_DUE = "check_due", _("Periodic check due")
        OVERDUE = "overdue", _("End date passed without acceptance")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    due_date = models.DateField(_("due"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["task", "kind", "due_date"], name="uniq_task_reminder")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_date}"


class Council(TimeStampedModel):
    class Purpose(models.TextChoices):
        SELECTION = "selection", _("Selection")
        ACCEPTANCE = "acceptance", _("Acceptance")
        APPRAISAL = "appraisal", _("Technology appraisal of an investment project")

    class Status(models.TextChoices):
        FORMING = "forming", _("Being formed")
        INVITING = "inviting", _("Invitations sent")
        MEETING = "meeting", _("Scoring")
        CONCLUDED = "concluded", _("Concluded")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="councils")
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices, db_index=True)
    decision_number = models.CharField(_("decision number"), max_length=100, blank=True)
    meeting_date = models.DateField(_("meeting date"), null=True, blank=True, db_index=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.FORMING, db_index=True
    )
    rules = models.JSONField(_("criteria and outcome rule"), default=dict, blank=True)
    average_score = models.DecimalField(
        _("average score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    pass_votes = models.PositiveSmallIntegerField(_("votes in favour"), null=True, blank=True)
    votes = models.PositiveSmallIntegerField(_("votes cast"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=32, blank=True)
    outcome_label = models.CharField(_("outcome"), max_length=100, blank=True)
    concluded_at = models.DateTimeField(_("concluded"), null=True, blank=True)
    notes = models.TextField(_("discussion and recommendations"), blank=True)

    objects = BaseQuerySet.as_manager()

    class Meta:
        ordering = ["-meeting_date", "-created_at"]
        verbose_name = _("council")
        verbose_name_plural = _("councils")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} – {self.task}"

    def get_absolute_url(self) -> str:
        return reverse("projects:council-detail", args=[self.pk])

    @property
    def criteria(self) -> list[dict]:
        return list(self.rules.get("criteria", []))

    @property
    def max_total(self) -> int:
        return sum(int(c.get("max", 0)) for c in self.criteria)


class CouncilMember(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", _("Chair")
        VICE_CHAIR = "vice_chair", _("Vice-chair")
        REVIEWER_1 = "reviewer_1", _("Reviewer 1")
        REVIEWER_2 = "reviewer_2", _("Reviewer 2")
        SECRETARY = "secretary", _("Secretary")
        MEMBER = "member", _("Member")

    class Invitation(models.TextChoices):
        NOT_SENT = "not_sent", _("Not invited yet")
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="members")
    expert = models.ForeignKey(
        "directory.Expert",
        on_delete=models.PROTECT,
        related_name="council_seats",
        verbose_name=_("expert"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    invitation = models.CharField(
        _("invitation"),
        max_length=16,
        choices=Invitation.choices,
        default=Invitation.NOT_SENT,
        db_index=True,
    )
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    response_note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("council member")
        verbose_name_plural = _("council members")
        constraints = [
            models.UniqueConstraint(fields=["council", "expert"], name="uniq_council_member")
        ]

    def __str__(self) -> str:
        return f"{self.expert} – {self.get_role_display()}"

    @property
    def role_order(self) -> int:
        return [r.value for r in self.Role].index(self.role)


class ScoreSheet(models.Model):
    """One member's individual assessment: points per criterion and a vote."""

    class Vote(models.TextChoices):
        NONE = "", _("—")
        PASS = "pass", _("In favour")
        FAIL = "fail", _("Against")

    member = models.OneToOneField(CouncilMember, on_delete=models.CASCADE, related_name="sheet")
    scores = models.JSONField(_("points per criterion"), default=dict)
    total = models.DecimalField(
        pgettext_lazy("score", "total"), max_digits=6, decimal_places=2, default=0
    )
    vote = models.CharField(_("vote"), max_length=8, choices=Vote.choices, blank=True)
    comment = models.TextField(_("comments"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered"), auto_now=True)

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")

    def __str__(self) -> str:
        return f"{self.member}: {self.total}"


class TaskOutput(NormalizedTextMixin, TimeStampedModel):
    class Kind(models.TextChoices):
        PUBLICATION = "publication", _("Publication")
        IP = "ip", _("IP application or title")
        TRAINING = "training", _("People trained")
        TECHNOLOGY = "technology", _("Technology / product")

    class Degree(models.TextChoices):
        NONE = "", _("—")
        PHD = "phd", _("Doctorate")
        MASTER = "master", _("Master")
        BACHELOR = "bachelor", _("Bachelor / engineer")
        OTHER = "other", _("Other training")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="outputs")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True, db_index=True)
    publication = models.ForeignKey(
        "directory.Publication",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="task_outputs",
        verbose_name=_("publication"),
    )
    publication_kind = models.CharField(
        _("publication kind"),
        max_length=16,
        blank=True,
        choices=[("international", _("International")), ("domestic", _("Domestic"))],
    )
    doi = models.CharField(_("DOI"), max_length=200, blank=True)
    ip_record = models.ForeignKey(
        "ipr.IPRecord",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="task_outputs",
        verbose_name=_("IP record"),
    )
    ip_reference = models.CharField(
        _("IP reference as written"),
        max_length=300,
        blank=True,
        help_text=_("Application or certificate number as given in the task's report."),
    )
    degree = models.CharField(_("degree"), max_length=16, choices=Degree.choices, blank=True)
    count = models.PositiveIntegerField(_("number of people"), default=0)
    offer = models.ForeignKey(
        "exchange.Offer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="task_outputs",
        verbose_name=_("technology offer"),
    )

    class Meta:
        ordering = ["kind", "-year", "id"]
        verbose_name = _("task output")
        verbose_name_plural = _("task outputs")

    def __str__(self) -> str:
        if self.kind == self.Kind.TRAINING:
            return f"{self.get_degree_display()}: {self.count}"
        return self.title


def localized(label: str, label_vi: str) -> str:
    """Pick the Vietnamese or English label of a configuration item."""
    return label_vi if (get_language() or "vi").startswith("vi") and label_vi else label
