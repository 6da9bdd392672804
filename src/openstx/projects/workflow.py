"""The task life cycle as configuration, not code (the 2025 law is replacing the old rules).

A configuration is JSON (shipped default: ``data/workflow_default.json``) held in a
:class:`~openstx.projects.models.Workflow` row that staff can copy, edit and switch in the back
office. It names:

- ``states``: ``code``, ``label``/``label_vi``, ``active`` (may still change; "stop" applies),
  ``public`` (the task is shown to the public), ``implementing`` (counts as implemented).
- ``transitions``: ``code``, labels, ``from`` (state codes, or ``"*active"``), ``to``, ``roles``
  who may perform it (``officer``, ``host`` = members of the host organisation, ``leader`` = the
  task leader's user), ``require`` (task attributes that must be filled), ``fields`` (form fields
  captured with the step; ``sets`` copies a value onto the task), ``documents`` (files to attach,
  ``required`` or not), ``comment_required``, ``council`` (a concluded council of a purpose with
  one of the listed ``outcomes`` must exist) and ``effects`` (named side effects implemented in
  services: ``schedule_check``, ``rating_from_council``, ``rating_fail``).
- ``councils``: per purpose, the scoring ``criteria`` (``max`` points) and the outcome ``rule``
  (``vote_fraction`` of "in favour" votes needed and score ``bands``).
- ``reminders``: ``periodic_check_months`` and ``check_notice_days``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError

from openstx.projects.models import Workflow, localized

DEFAULT_PATH = Path(__file__).parent / "data" / "workflow_default.json"
ROLES = ("officer", "host", "leader")
FIELD_TYPES = ("text", "textarea", "date", "number")


@dataclass
class Step:
    code: str
    label: str
    label_vi: str
    sources: list[str]
    to: str
    roles: list[str]
    require: list[str] = field(default_factory=list)
    fields: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    comment_required: bool = False
    council: dict[str, Any] | None = None
    effects: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return localized(self.label, self.label_vi)


class WorkflowConfig:
    """A parsed, validated configuration."""

    def __init__(self, definition: dict[str, Any], row: Workflow | None = None):
        validate_definition(definition)
        self.row = row
        self.definition = definition
        self.initial: str = definition["initial"]
        self.states: dict[str, dict[str, Any]] = {s["code"]: s for s in definition["states"]}
        self.active_states = [c for c, s in self.states.items() if s.get("active")]
        self.public_states = [c for c, s in self.states.items() if s.get("public")]
        self.implementing_states = [c for c, s in self.states.items() if s.get("implementing")]
        self.steps: dict[str, Step] = {}
        for t in definition["transitions"]:
            sources: list[str] = []
            for s in t["from"]:
                sources.extend(self.active_states if s == "*active" else [s])
            self.steps[t["code"]] = Step(
                code=t["code"],
                label=t.get("label", t["code"]),
                label_vi=t.get("label_vi", ""),
                sources=sources,
                to=t["to"],
                roles=list(t.get("roles", ["officer"])),
                require=list(t.get("require", [])),
                fields=list(t.get("fields", [])),
                documents=list(t.get("documents", [])),
                comment_required=bool(t.get("comment_required")),
                council=t.get("council"),
                effects=list(t.get("effects", [])),
            )
        self.councils: dict[str, dict[str, Any]] = definition.get("councils", {})
        self.reminders: dict[str, Any] = definition.get("reminders", {})

    def state_label(self, code: str) -> str:
        state = self.states.get(code)
        if state is None:
            return code
        return localized(state.get("label", code), state.get("label_vi", ""))

    def state_choices(self) -> list[tuple[str, str]]:
        return [(c, self.state_label(c)) for c in self.states]

    def transition_label(self, code: str) -> str:
        step = self.steps.get(code)
        if step is None:
            return {
                "create": localized("Created", "Tạo mới"),
                "import": localized("Imported", "Nhập dữ liệu"),
            }.get(code, code)
        return step.title

    def steps_from(self, state: str) -> list[Step]:
        return [s for s in self.steps.values() if state in s.sources]

    def council_config(self, purpose: str) -> dict[str, Any]:
        return self.councils.get(purpose, {"criteria": [], "rule": {}})

    def is_public(self, state: str) -> bool:
        return state in self.public_states


def validate_definition(definition: dict[str, Any]) -> None:
    """Raise ValidationError when a configuration is inconsistent (used when staff save one)."""
    errors: list[str] = []
    try:
        states = {s["code"] for s in definition["states"]}
        if definition["initial"] not in states:
            errors.append(f"initial state {definition['initial']!r} is not a state")
        codes = set()
        for t in definition["transitions"]:
            code = t["code"]
            if code in codes:
                errors.append(f"transition {code!r} appears twice")
            codes.add(code)
            if t["to"] not in states:
                errors.append(f"transition {code!r} goes to unknown state {t['to']!r}")
            for s in t["from"]:
                if s != "*active" and s not in states:
                    errors.append(f"transition {code!r} starts from unknown state {s!r}")
            for role in t.get("roles", []):
                if role not in ROLES:
                    errors.append(f"transition {code!r}: unknown role {role!r}")
            for f in t.get("fields", []):
                if f.get("type", "text") not in FIELD_TYPES:
                    errors.append(f"transition {code!r}: field {f.get('name')!r} has unknown type")
        for purpose, conf in definition.get("councils", {}).items():
            for c in conf.get("criteria", []):
                if int(c.get("max", 0)) <= 0:
                    errors.append(f"council {purpose!r}: criterion {c.get('code')!r} needs max > 0")
    except (KeyError, TypeError) as exc:
        errors.append(f"malformed configuration: missing {exc}")
    if errors:
        raise ValidationError(errors)


def default_definition() -> dict[str, Any]:
    return json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))


_cache: dict[tuple[int, Any], WorkflowConfig] = {}


def active_workflow_row() -> Workflow:
    """The active configuration row; the shipped default is loaded the first time."""
    row = Workflow.objects.filter(is_active=True).order_by("pk").first()
    if row is None:
        definition = default_definition()
        row, _created = Workflow.objects.get_or_create(
            code=definition["code"],
            defaults={
                "name": definition.get("name_vi") or definition["name"],
                "definition": definition,
                "is_active": True,
            },
        )
        if not row.is_active:
            Workflow.objects.filter(pk=row.pk).update(is_active=True)
            row.is_active = True
    return row


def get_workflow(row: Workflow | None = None) -> WorkflowConfig:
    """The parsed configuration of ``row`` (a task's workflow) or of the active one."""
    if row is None:
        row = active_workflow_row()
    key = (row.pk, row.updated_at)
    config = _cache.get(key)
    if config is None:
        config = WorkflowConfig(row.definition, row)
        _cache.clear() if len(_cache) > 16 else None
        _cache[key] = config
    return config


def activate(row: Workflow) -> None:
    """Make ``row`` the configuration for new tasks (existing tasks keep theirs)."""
    validate_definition(row.definition)
    Workflow.objects.exclude(pk=row.pk).update(is_active=False)
    Workflow.objects.filter(pk=row.pk).update(is_active=True)
    row.is_active = True
