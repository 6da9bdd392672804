"""Posting a listing step by step: what, technical detail, readiness and IP, commercial terms,
files; then a preview of the public page and submission. Deleting a draft.

Each step is a plain POST (no script needed) that validates the step on the server and keeps
the draft: the first step creates it, so images and documents can be attached before it is
ever submitted. Rules live in ``services.listings_posting``; this module parses and renders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from openstx.core.permissions import CHANGE, DELETE, can_add, restrict
from openstx.exchange import forms, services
from openstx.exchange.models import Demand, ListingStatus, Offer
from openstx.exchange.views.listings import MODELS, detail_context


def _model(kind: str) -> Any:
    model = MODELS.get(kind)
    if model is None:
        raise Http404
    return model


def step_url(kind: str, pk: int, step: str) -> str:
    return reverse("exchange:listing-step", args=[kind, pk, step])


def _apply_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errs in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errs)
    else:
        form.add_error(None, exc)


def _page(
    request: HttpRequest,
    kind: str,
    listing: Offer | Demand | None,
    step: services.Step,
    form: Any,
) -> HttpResponse:
    steps = services.steps_for(kind)
    names = [s.name for s in steps]
    index = names.index(step.name)
    context: dict[str, Any] = {
        "kind": kind,
        "listing": listing,
        "step": step,
        "steps": steps,
        "step_number": index + 1,
        "step_count": len(steps),
        "previous": steps[index - 1] if index else None,
        "form": form,
        "completeness": services.completeness(listing) if listing else None,
    }
    if step.files and listing is not None:
        context.update(
            images=list(listing.images.all()),
            attachments=list(listing.attachments.all()),
            upload_form=forms.UploadForm(),
        )
    return render(request, "exchange/listing_steps.html", context)


def _save_step(
    request: HttpRequest, kind: str, listing: Offer | Demand, step: services.Step
) -> tuple[Any, Offer | Demand | None]:
    """Validate and save one step; returns the form and the saved listing (None on errors)."""
    form = forms.step_form(kind, step.name, request.POST, instance=listing, user=request.user)
    if not form.is_valid():
        return form, None
    obj = form.save(commit=False)
    try:
        saved = services.save_listing(
            obj,
            request.user,
            fields=form.cleaned_data.get("fields") if "fields" in form.fields else None,
            organization=form.cleaned_data.get(form.org_field_name),
        )
        if "ip_records" in form.fields and isinstance(saved, Offer):
            services.link_ip_records(saved, request.user, form.cleaned_data["ip_records"])
    except ValidationError as exc:
        _apply_errors(form, exc)
        return form, None
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return form, None
    return form, saved


def _after_save(request: HttpRequest, kind: str, listing: Any, step: services.Step) -> HttpResponse:
    if request.POST.get("go") == "save":
        messages.success(request, _("Draft saved."))
        return redirect(step_url(kind, listing.pk, step.name))
    following = services.next_step(kind, step.name)
    if following is None:
        return redirect("exchange:listing-preview", kind, listing.pk)
    return redirect(step_url(kind, listing.pk, following.name))


@login_required
def listing_start(request: HttpRequest, kind: str) -> HttpResponse:
    """Step one of a new listing; "next" saves it as a draft and opens step two."""
    model = _model(kind)
    if not can_add(request.user, model):
        messages.error(request, _("To post, you must be an approved member of an organisation."))
        return redirect("accounts:profile")
    step = services.steps_for(kind)[0]
    if request.method == "POST":
        form, saved = _save_step(request, kind, model(), step)
        if saved is not None:
            return _after_save(request, kind, saved, step)
    else:
        form = forms.step_form(kind, step.name, instance=model(), user=request.user)
    return _page(request, kind, None, step, form)


@login_required
def listing_step(request: HttpRequest, kind: str, pk: int, step: str) -> HttpResponse:
    """A step of an existing listing (a draft, or any listing its owner edits)."""
    model = _model(kind)
    listing = get_object_or_404(restrict(model.objects.all(), request.user, CHANGE), pk=pk)
    current = services.get_step(kind, step)
    if current is None:
        raise Http404
    if current.files:  # uploads post to listing-upload; "next" here only moves on
        if request.method == "POST":
            return redirect("exchange:listing-preview", kind, listing.pk)
        return _page(request, kind, listing, current, None)
    if request.method == "POST":
        form, saved = _save_step(request, kind, listing, current)
        if saved is not None:
            return _after_save(request, kind, saved, current)
    else:
        form = forms.step_form(kind, current.name, instance=listing, user=request.user)
    return _page(request, kind, listing, current, form)


@login_required
def listing_preview(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The public page as it will look, with a "preview" banner and the submit button."""
    model = _model(kind)
    listing = get_object_or_404(restrict(model.objects.all(), request.user, CHANGE), pk=pk)
    context = detail_context(request, listing)
    steps = services.steps_for(kind)
    context.update(
        preview=True,
        json_ld="",
        related=[],
        can_interest=False,
        quality_issues=services.quality_issues(listing),
        can_submit="submit" in context["actions"],
        last_step=steps[-1].name,
        first_step=steps[0].name,
    )
    template = "exchange/offer_detail.html" if kind == "offer" else "exchange/demand_detail.html"
    return render(request, template, context)


@login_required
def listing_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Confirm, then delete a draft (only drafts; the owner's members or an officer)."""
    model = _model(kind)
    listing = get_object_or_404(restrict(model.objects.all(), request.user, DELETE), pk=pk)
    if listing.status != ListingStatus.DRAFT:
        raise Http404
    if request.method == "POST":
        title = listing.title
        try:
            services.delete_draft(listing, request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return redirect(listing.get_absolute_url())
        messages.success(request, _("The draft “%(title)s” was deleted.") % {"title": title})
        return redirect("exchange:my-listings")
    return render(
        request,
        "exchange/listing_delete.html",
        {
            "listing": listing,
            "kind": kind,
            "images": listing.images.count(),
            "attachments": listing.attachments.count(),
        },
    )
