"""Thin views: permissions through core.permissions / policies, changes through services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openstx.core.permissions import CHANGE, VIEW, can, is_officer, restrict
from openstx.directory.models import Expert
from openstx.projects import services
from openstx.projects.filters import filter_tasks
from openstx.projects.forms import (
    BudgetForm,
    CouncilForm,
    CouncilMemberForm,
    OutputForm,
    ScoreForm,
    StepForm,
    TaskForm,
    TeamMemberForm,
    expert_option_value,
)
from openstx.projects.models import (
    Council,
    CouncilMember,
    Form,
    Level,
    Task,
    TaskBudget,
    TaskOutput,
)
from openstx.projects.policies import can_see_dossier
from openstx.projects.workflow import get_workflow


def _officer_only(request: Any) -> None:
    if not is_officer(request.user):
        raise PermissionDenied


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{m}" for msgs in exc.message_dict.values() for m in msgs)
    return "; ".join(exc.messages)


def task_list(request):
    config = get_workflow()
    qs = restrict(Task.objects.all(), request.user, VIEW).select_related(
        "host", "leader", "workflow"
    )
    qs, active = filter_tasks(qs, request.GET)
    page = Paginator(qs.order_by("-start_date", "-pk"), 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    from openstx.taxonomy.models import FieldOfScience

    return render(
        request,
        "projects/task_list.html",
        {
            "page": page,
            "active": active,
            "query": query.urlencode(),
            "levels": Level.choices,
            "forms": Form.choices,
            "states": config.state_choices(),
            "top_fields": FieldOfScience.objects.filter(level=1),
            "can_add": is_officer(request.user),
        },
    )


def task_detail(request, pk: int):
    task = get_object_or_404(Task.objects.select_related("host", "leader", "workflow"), pk=pk)
    if not can(request.user, VIEW, task):
        raise Http404
    dossier = can_see_dossier(request.user, task)
    config = get_workflow(task.workflow)
    context: dict[str, Any] = {
        "task": task,
        "dossier": dossier,
        "config": config,
        "officer": is_officer(request.user),
    }
    if dossier:
        context.update(
            {
                "timeline": services.timeline(task),
                "members": task.members.select_related("expert", "expert__organization"),
                "budget": task.budget_lines.all(),
                "councils": task.councils.annotate(n=Count("members")),
                "steps": services.available_steps(request.user, task),
                "actions": services.task_actions(request.user, task),
                "documents": task.documents.all(),
            }
        )
        if context["officer"]:
            context["team_form"] = _team_form(request, task)
    context["outputs"] = task.outputs.select_related("publication", "offer", "ip_record")
    context["source_demand"] = task.source_demand if dossier else None
    context["calls"] = services.calls_for_task(task)
    return render(request, "projects/task_detail.html", context)


@login_required
def task_edit(request, pk: int | None = None):
    _officer_only(request)
    task = get_object_or_404(Task, pk=pk) if pk else Task()
    form = TaskForm(request.POST if request.method == "POST" else None, instance=task)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        try:
            services.save_task(obj, request.user, fields=form.cleaned_data.get("fields"))
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("The task was saved."))
            return redirect(obj.get_absolute_url())
    return render(request, "projects/task_form.html", {"form": form, "task": task})


@login_required
def task_budget(request, pk: int):
    _officer_only(request)
    task = get_object_or_404(Task, pk=pk)
    form = BudgetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        amounts = {source: form.cleaned_data.get(source) for source in TaskBudget.Source.values}
        services.set_budget(task, request.user, form.cleaned_data["year"], amounts)
        messages.success(request, _("The budget was saved."))
        return redirect(task.get_absolute_url())
    return render(
        request,
        "projects/task_budget.html",
        {"form": form, "task": task, "lines": task.budget_lines.all()},
    )


def _team_form(request, task: Task, data: Any = None) -> TeamMemberForm:
    return TeamMemberForm(
        data,
        user=request.user,
        lookup_url=reverse("projects:task-expert-options", args=[task.pk]),
    )


@login_required
def task_member(request, pk: int):
    _officer_only(request)
    task = get_object_or_404(Task, pk=pk)
    if request.method == "POST":
        form = _team_form(request, task, request.POST)
        if form.is_valid():
            expert = form.cleaned_data["expert"]
            services.add_member(task, expert, form.cleaned_data["role"], request.user)
            messages.success(
                request, _("%(name)s was added to the team.") % {"name": expert.display_name}
            )
        else:
            messages.error(request, _form_errors(form))
    return redirect(task.get_absolute_url() + "#h-team")


def _form_errors(form: Any) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _expert_options(request, task: Task, exclude: set[int]) -> HttpResponse:
    """``<option>``s for the officers' expert chooser: name, organisation, conflicts."""
    _officer_only(request)
    text = request.GET.get("q") or request.GET.get("expert") or ""
    options = [
        {
            "value": expert_option_value(row["expert"]),
            "label": "; ".join(c["text"] for c in row["conflicts"]),
            "conflict": bool(row["conflicts"]),
        }
        for row in services.expert_options(task, request.user, text, exclude)
    ]
    return render(request, "projects/includes/expert_options.html", {"options": options})


@login_required
def task_expert_options(request, pk: int):
    task = get_object_or_404(Task, pk=pk)
    return _expert_options(request, task, set(task.members.values_list("expert_id", flat=True)))


@login_required
def council_expert_options(request, pk: int):
    council = get_object_or_404(Council.objects.select_related("task"), pk=pk)
    return _expert_options(
        request, council.task, set(council.members.values_list("expert_id", flat=True))
    )


@login_required
def task_step(request, pk: int, code: str):
    task = get_object_or_404(Task, pk=pk)
    config = get_workflow(task.workflow)
    step = config.steps.get(code)
    if step is None:
        raise Http404
    if not services.user_roles(request.user, task) & set(step.roles):
        raise PermissionDenied
    form = StepForm(step, request.POST if request.method == "POST" else None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.perform(
                task,
                code,
                request.user,
                comment=form.cleaned_data["comment"],
                data=form.data_values(),
                files=form.files_values(),
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Done: %(step)s.") % {"step": step.title})
            return redirect(task.get_absolute_url())
    return render(request, "projects/task_step.html", {"task": task, "step": step, "form": form})


@login_required
def workspace(request):
    _officer_only(request)
    config = get_workflow()
    counts = dict(Task.objects.values_list("state").annotate(n=Count("pk")).order_by())
    by_state = [(code, config.state_label(code), counts.get(code, 0)) for code in config.states]
    today = timezone.localdate()
    from openstx.taxonomy.models import AdministrativeUnit, FieldOfScience

    field_id = request.GET.get("field", "")
    region_id = request.GET.get("region", "")
    demands = services.unmet_demands(
        field_id=int(field_id) if field_id.isdigit() else None,
        region_id=int(region_id) if region_id.isdigit() else None,
    )[:50]
    demands = services.without_good_match(demands)
    return render(
        request,
        "projects/workspace.html",
        {
            "by_state": by_state,
            "overdue": services.overdue_tasks(today).select_related("host", "workflow")[:50],
            "checks_due": services.checks_due(today).select_related("host", "workflow")[:50],
            "to_organise": services.councils_to_organise()[:50],
            "open_councils": Council.objects.exclude(status=Council.Status.CONCLUDED)
            .select_related("task")
            .annotate(n=Count("members"))[:50],
            "demands": demands,
            "fields": FieldOfScience.objects.filter(level=1),
            "regions": AdministrativeUnit.objects.filter(level=1, is_current=True),
            "field_id": field_id,
            "region_id": region_id,
        },
    )


@login_required
def council_create(request, pk: int):
    _officer_only(request)
    task = get_object_or_404(Task, pk=pk)
    form = CouncilForm(
        request.POST if request.method == "POST" else None,
        initial={"purpose": request.GET.get("purpose", "acceptance")},
    )
    if request.method == "POST" and form.is_valid():
        council = services.create_council(
            task,
            form.cleaned_data["purpose"],
            request.user,
            meeting_date=form.cleaned_data["meeting_date"],
            place=form.cleaned_data["place"],
            decision_number=form.cleaned_data["decision_number"],
        )
        return redirect(council.get_absolute_url())
    return render(request, "projects/council_form.html", {"form": form, "task": task})


def _council_for(request, pk: int) -> Council:
    council = get_object_or_404(Council.objects.select_related("task", "task__host"), pk=pk)
    if not can(request.user, VIEW, council):
        raise Http404
    return council


@login_required
def council_detail(request, pk: int):
    council = _council_for(request, pk)
    members = list(
        council.members.select_related("expert", "expert__organization", "expert__user", "sheet")
    )
    members.sort(key=lambda m: (m.role_order, m.expert.full_name))
    for m in members:  # annotated for the template (attributes the model does not declare)
        m.can_score = (  # type: ignore[attr-defined]
            services.may_enter_scores(request.user, m) and council.status != "concluded"
        )
        m.score_sheet = getattr(m, "sheet", None) if hasattr(m, "sheet") else None  # type: ignore[attr-defined]
    officer = is_officer(request.user)
    context = {
        "council": council,
        "task": council.task,
        "members": members,
        "officer": officer,
        "preview": services.compute_outcome(council),
        "can_conclude": council.status != "concluded"
        and (officer or can(request.user, CHANGE, council)),
        "member_form": _council_member_form(request, council),
    }
    if officer and council.status != "concluded":
        context["suggestions"] = services.suggest_members(council)
    return render(request, "projects/council_detail.html", context)


def _council_member_form(request, council: Council, data: Any = None) -> CouncilMemberForm:
    return CouncilMemberForm(
        data,
        user=request.user,
        lookup_url=reverse("projects:council-expert-options", args=[council.pk]),
    )


@login_required
@require_POST
def council_add_member(request, pk: int):
    _officer_only(request)
    council = get_object_or_404(Council, pk=pk)
    form = _council_member_form(request, council, request.POST)
    if form.is_valid():
        expert = form.cleaned_data["expert"]
        try:
            services.add_council_member(council, expert, form.cleaned_data["role"], request.user)
            messages.success(
                request, _("%(name)s was added to the council.") % {"name": expert.display_name}
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    else:
        messages.error(request, _form_errors(form) or _("Choose an expert and a role."))
    return redirect(council.get_absolute_url())


@login_required
@require_POST
def council_remove_member(request, pk: int, member_pk: int):
    _officer_only(request)
    member = get_object_or_404(CouncilMember, pk=member_pk, council_id=pk)
    try:
        services.remove_council_member(member, request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("projects:council-detail", pk=pk)


@login_required
@require_POST
def council_invite(request, pk: int):
    _officer_only(request)
    council = get_object_or_404(Council, pk=pk)
    n = services.send_invitations(council, request.user)
    messages.success(request, _("Invitations sent: %(n)d.") % {"n": n})
    return redirect(council.get_absolute_url())


@login_required
def score_sheet(request, pk: int, member_pk: int):
    council = _council_for(request, pk)
    member = get_object_or_404(
        CouncilMember.objects.select_related("expert"), pk=member_pk, council=council
    )
    if not services.may_enter_scores(request.user, member):
        raise PermissionDenied
    sheet = getattr(member, "sheet", None) if hasattr(member, "sheet") else None
    initial: dict[str, Any] = {}
    if sheet is not None:
        initial = {f"c_{k}": v for k, v in sheet.scores.items()}
        initial.update({"vote": sheet.vote, "comment": sheet.comment})
    form = ScoreForm(council, request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.enter_scores(
                member,
                request.user,
                form.scores(),
                form.cleaned_data["vote"],
                form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("The score sheet was saved."))
            return redirect(council.get_absolute_url())
    return render(
        request, "projects/score_form.html", {"council": council, "member": member, "form": form}
    )


@login_required
@require_POST
def council_conclude(request, pk: int):
    council = _council_for(request, pk)
    try:
        services.conclude(council, request.user, notes=request.POST.get("notes", ""))
        messages.success(
            request, _("The council's outcome: %(outcome)s.") % {"outcome": council.outcome_label}
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect(council.get_absolute_url())


@login_required
def council_minutes(request, pk: int):
    from openstx.projects.minutes import minutes_docx, minutes_filename

    council = _council_for(request, pk)
    response = HttpResponse(
        minutes_docx(council),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="{minutes_filename(council)}"'
    return response


@login_required
def my_councils(request):
    seats = (
        CouncilMember.objects.filter(expert__user=request.user)
        .exclude(invitation=CouncilMember.Invitation.NOT_SENT)
        .select_related("council", "council__task", "council__task__host")
        .order_by("-council__meeting_date", "-pk")
    )
    pending = [s for s in seats if s.invitation == CouncilMember.Invitation.INVITED]
    duties = [s for s in seats if s.invitation == CouncilMember.Invitation.ACCEPTED]
    past = [s for s in seats if s.invitation == CouncilMember.Invitation.DECLINED]
    for s in duties:
        s.needs_sheet = s.council.status != "concluded" and not hasattr(s, "sheet")
    return render(
        request,
        "projects/my_councils.html",
        {
            "pending": pending,
            "duties": duties,
            "declined": past,
            "has_profile": Expert.objects.filter(user=request.user).exists(),
        },
    )


@login_required
@require_POST
def invitation_respond(request, member_pk: int):
    member = get_object_or_404(
        CouncilMember.objects.select_related("expert", "council"), pk=member_pk
    )
    accept = request.POST.get("answer") == "accept"
    try:
        services.respond_invitation(member, request.user, accept, request.POST.get("note", ""))
        messages.success(request, _("Thank you, your answer was recorded."))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("projects:my-councils")


@login_required
def output_add(request, pk: int):
    task = get_object_or_404(Task, pk=pk)
    roles = services.user_roles(request.user, task)
    if not roles & {"officer", "host", "leader"}:
        raise PermissionDenied
    form = OutputForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        doi = values.get("doi")
        if doi:
            from openstx.directory.models import Publication

            pub = Publication.objects.filter(doi__iexact=doi).first()
            if pub is not None:
                values["publication"] = pub
        try:
            services.add_output(task, request.user, **values)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("The output was recorded."))
            return redirect(task.get_absolute_url())
    return render(request, "projects/output_form.html", {"task": task, "form": form})


@login_required
@require_POST
def output_offer(request, pk: int):
    output = get_object_or_404(TaskOutput.objects.select_related("task"), pk=pk)
    roles = services.user_roles(request.user, output.task)
    if not roles & {"officer", "host"}:
        raise PermissionDenied
    try:
        offer = services.offer_from_output(output, request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc) if isinstance(exc, ValidationError) else str(exc))
        return redirect(output.task.get_absolute_url())
    messages.success(request, _("A draft technology offer was created; review and submit it."))
    try:
        from django.urls import reverse

        return redirect(reverse("exchange:offer-edit", args=[offer.pk]))
    except Exception:  # noqa: BLE001 - the exchange may name its edit page differently
        return redirect(offer.get_absolute_url())


@login_required
@require_POST
def demand_order(request, demand_pk: int):
    _officer_only(request)
    from openstx.exchange.models import Demand

    demand = get_object_or_404(Demand, pk=demand_pk)
    task = services.task_from_demand(demand, request.user)
    messages.success(request, _("A task proposal was created from the demand."))
    return redirect(task.get_absolute_url())


@login_required
def document_download(request, pk: int):
    """Task documents belong to the dossier: served through this check, never as public media."""
    from django.http import FileResponse

    from openstx.projects.models import TaskDocument

    doc = get_object_or_404(TaskDocument.objects.select_related("task"), pk=pk)
    if not can_see_dossier(request.user, doc.task):
        raise Http404
    return FileResponse(
        doc.file.open("rb"),
        as_attachment=True,
        filename=doc.name or (doc.file.name or "").rsplit("/", 1)[-1],
    )


@login_required
def workflow_view(request):
    _officer_only(request)
    config = get_workflow()
    return render(
        request, "projects/workflow.html", {"config": config, "steps": list(config.steps.values())}
    )


def expert_tasks_q(expert: Expert) -> Q:
    return Q(leader=expert) | Q(members__expert=expert)
