"""Search bookkeeping: the transactional outbox, index nodes, and the staff-edited synonyms."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openstx.core.text import clean


class OutboxEntry(models.Model):
    """One change to a searchable record, written in the record's own transaction."""

    class Op(models.TextChoices):
        UPSERT = "u", _("add or update")
        DELETE = "d", _("delete")

    id = models.BigAutoField(primary_key=True)
    model = models.CharField(_("model"), max_length=100)  # app_label.modelname
    pk_value = models.CharField(_("record id"), max_length=64)
    op = models.CharField(_("operation"), max_length=1, choices=Op.choices, default=Op.UPSERT)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("search outbox entry")
        verbose_name_plural = _("search outbox")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.id} {self.op} {self.model}:{self.pk_value}"


class SearchNode(models.Model):
    """An index replica (one per web node / data directory) and how far it has applied."""

    name = models.CharField(_("node"), max_length=200, unique=True)
    last_applied_id = models.BigIntegerField(_("last applied outbox id"), default=0)
    safe_id = models.BigIntegerField(
        _("applied through"),
        default=0,
        help_text=_("Every outbox row up to this id has been applied (used for pruning)."),
    )
    generation = models.CharField(_("index generation"), max_length=100, blank=True)
    documents = models.BigIntegerField(pgettext_lazy("count", "documents"), default=0)
    heartbeat = models.DateTimeField(_("last seen"), null=True, blank=True)

    class Meta:
        verbose_name = _("search node")
        verbose_name_plural = _("search nodes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SearchState(models.Model):
    """Cluster-wide counters (``pruned_through``: outbox rows up to this id are gone)."""

    key = models.CharField(max_length=50, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("search state")
        verbose_name_plural = _("search state")

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class Synonym(models.Model):
    """A group of equivalent terms or an abbreviation and its expansion, edited by staff.

    ``terms`` lists the equivalent forms separated by "=" or new lines:
    ``ĐBSCL = đồng bằng sông Cửu Long``; ``khóm = dứa = thơm``. A query containing any of them
    also finds the others.
    """

    class Kind(models.TextChoices):
        ABBREVIATION = "abbreviation", _("Abbreviation")
        SYNONYM = "synonym", _("Synonym")

    terms = models.TextField(
        _("equivalent terms"),
        help_text=_('Separate the forms with "=" or new lines, e.g. "khóm = dứa = thơm".'),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.SYNONYM)
    note = models.CharField(_("note"), max_length=300, blank=True)
    is_active = models.BooleanField(pgettext_lazy("in use", "active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("synonym or abbreviation")
        verbose_name_plural = _("synonyms and abbreviations")
        ordering = ["terms"]

    def __str__(self) -> str:
        return " = ".join(self.term_list())

    def term_list(self) -> list[str]:
        import re

        return [clean(t) for t in re.split(r"[=\n]", self.terms or "") if clean(t)]
