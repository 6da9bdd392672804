"""Business rules for S&T tasks. Views, the API, imports and the demo change state only
through these functions. One module per seam:

- ``tasks``    — saving a task, budget, team, life-cycle steps, deadlines and reminders
- ``councils`` — forming councils, conflicts of interest, invitations, scores, conclusion
- ``outcome``  — the council outcome rule (pure) and reading score sheets
- ``links``    — outputs, calls for proposals, tasks ordered from unmet demands
- ``notices``  — who is told, in-app and by e-mail
- ``toolbar``  — the task page's actions, with the reason each unavailable one is disabled

``from openstx.projects import services`` keeps working: the public names are re-exported here.
"""

from __future__ import annotations

from openstx.projects.services.councils import (
    ROLE_LIMITS,
    STOP_SYLLABLES,
    add_council_member,
    conclude,
    conflict_context,
    conflicts_of_interest,
    council_matcher,
    councils_to_organise,
    create_council,
    enter_scores,
    expert_options,
    keyword_match,
    may_enter_scores,
    remove_council_member,
    respond_invitation,
    semantic_match,
    send_invitations,
    suggest_members,
)
from openstx.projects.services.links import (
    ANSWERED_STAGES,
    add_output,
    calls_for_task,
    offer_from_output,
    task_from_demand,
    unmet_demands,
    without_good_match,
)
from openstx.projects.services.notices import (
    notify,
    officers,
    task_people,
)
from openstx.projects.services.outcome import (
    QUORUM,
    compute_outcome,
    council_sheets,
    evaluate,
)
from openstx.projects.services.tasks import (
    TransitionError,
    add_member,
    add_months,
    available_steps,
    checks_due,
    council_blocker,
    council_requirement_met,
    missing_requirements,
    overdue_tasks,
    perform,
    save_task,
    send_reminders,
    set_budget,
    timeline,
    user_roles,
)
from openstx.projects.services.toolbar import Action, step_reason, task_actions

__all__ = [
    "Action",
    "council_blocker",
    "expert_options",
    "step_reason",
    "task_actions",
    "ANSWERED_STAGES",
    "QUORUM",
    "ROLE_LIMITS",
    "STOP_SYLLABLES",
    "TransitionError",
    "add_council_member",
    "add_member",
    "add_months",
    "add_output",
    "available_steps",
    "calls_for_task",
    "checks_due",
    "compute_outcome",
    "conclude",
    "conflict_context",
    "conflicts_of_interest",
    "council_matcher",
    "council_requirement_met",
    "council_sheets",
    "councils_to_organise",
    "create_council",
    "enter_scores",
    "evaluate",
    "keyword_match",
    "may_enter_scores",
    "missing_requirements",
    "notify",
    "offer_from_output",
    "officers",
    "overdue_tasks",
    "perform",
    "remove_council_member",
    "respond_invitation",
    "save_task",
    "semantic_match",
    "send_invitations",
    "send_reminders",
    "set_budget",
    "suggest_members",
    "task_from_demand",
    "task_people",
    "timeline",
    "unmet_demands",
    "user_roles",
    "without_good_match",
]
