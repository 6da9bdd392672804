"""Listing pages: public lists, detail pages, posting and editing, files, the owner's list, moderation."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openstx.core.permissions import (
    CHANGE,
    VIEW,
    can,
    can_add,
    is_broker_or_officer,
    is_officer,
    organization_ids,
    restrict,
)
from openstx.core.richtext import plain_text
from openstx.exchange import forms, services
from openstx.exchange.filters import SORT_LABELS, ListingFilter
from openstx.exchange.middleware import mark_view
from openstx.exchange.models import (
    Demand,
    Event,
    ListingAttachment,
    ListingStatus,
    Offer,
    TransferMode,
)

PAGE_SIZE = 20
MODELS = {"offer": Offer, "demand": Demand}


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _flash_errors(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for m in _errors(exc):
            messages.error(request, m)
    else:
        messages.error(request, str(exc) or _("You may not do this."))


# --- Public lists ---------------------------------------------------------------------------------


def _listing_list(
    request: HttpRequest, model: type[Offer] | type[Demand], template: str
) -> HttpResponse:
    flt = ListingFilter(model, request.GET, request.user)
    qs = flt.apply()
    facets = flt.compute_facets(qs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    if model is Demand:
        services.set_requester_labels(request.user, items)
    from openstx.directory.models import Organization

    return render(
        request,
        template,
        {
            "page": page,
            "items": items,
            "facets": facets,
            "flt": flt,
            "selected_fields": flt.getlist("field"),
            "sorts": SORT_LABELS,
            "kinds": Offer.Kind.choices,
            "modes": TransferMode.choices,
            "org_types": Organization.Type.choices,
            "trl_range": range(1, 10),
            "can_post": can_add(request.user, model),
        },
    )


def offer_list(request: HttpRequest) -> HttpResponse:
    return _listing_list(request, Offer, "exchange/offer_list.html")


def demand_list(request: HttpRequest) -> HttpResponse:
    return _listing_list(request, Demand, "exchange/demand_list.html")


# --- Detail pages -----------------------------------------------------------------------------------


def _related(listing: Offer | Demand, user: Any, limit: int = 4) -> list[Any]:
    field_ids = list(listing.fields.values_list("pk", flat=True))
    if not field_ids:
        return []
    qs = (
        restrict(type(listing).objects.all(), user)
        .filter(status=ListingStatus.PUBLISHED, fields__in=field_ids)
        .exclude(pk=listing.pk)
        .distinct()
        .order_by("-published_at")
    )
    return list(qs[:limit])


def _json_ld(request: HttpRequest, listing: Offer | Demand, user: Any) -> str:
    url = request.build_absolute_uri(listing.get_absolute_url())
    if isinstance(listing, Offer):
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "Service" if listing.kind == Offer.Kind.SERVICE else "Product",
            "name": listing.title,
            "description": listing.summary_text,
            "url": url,
            "category": [f.name for f in listing.fields.all()],
            "keywords": ", ".join(listing.keyword_list),
        }
        owner = {"@type": "Organization", "name": listing.owner.name}
        data["provider" if listing.kind == Offer.Kind.SERVICE else "brand"] = owner
        if listing.price_vnd is not None:
            data["offers"] = {
                "@type": "Offer",
                "price": listing.price_vnd,
                "priceCurrency": "VND",
                "availability": "https://schema.org/InStock",
            }
            if listing.valid_until:
                data["offers"]["priceValidUntil"] = listing.valid_until.isoformat()
    else:
        data = {
            "@context": "https://schema.org",
            "@type": "Demand",
            "name": listing.title,
            "description": listing.summary_text,
            "url": url,
        }
        if services.can_see_requester(None, listing):
            data["seller"] = {"@type": "Organization", "name": listing.requester.name}
        if listing.deadline:
            data["availabilityEnds"] = listing.deadline.isoformat()
        if listing.budget_max_vnd is not None:
            data["priceSpecification"] = {
                "@type": "PriceSpecification",
                "priceCurrency": "VND",
                "minPrice": listing.budget_min_vnd,
                "maxPrice": listing.budget_max_vnd,
            }
    if listing.published_at:
        data["datePublished"] = listing.published_at.date().isoformat()
    # </script> inside a JSON string must not end the script element
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def _detail(
    request: HttpRequest,
    model: type[Offer] | type[Demand],
    pk: int,
    slug: str | None,
    template: str,
) -> HttpResponse:
    related = {"offer": "owner", "demand": "requester"}[services.listing_kind(model())]
    listing = get_object_or_404(
        restrict(model.objects.select_related(related, "region", "created_by"), request.user),
        pk=pk,
    )
    if slug != listing.slug:
        return redirect(listing.get_absolute_url(), permanent=True)
    # views are counted around the page cache (exchange.middleware), not here: whether this
    # viewer's look counts is decided now and kept with any cached copy of the page
    return mark_view(
        render(request, template, detail_context(request, listing)), listing, request.user
    )


def detail_context(request: HttpRequest, listing: Offer | Demand) -> dict[str, Any]:
    """What a listing's public page shows to ``request.user`` (also the preview's context)."""
    user = request.user
    is_owner = services.is_owner(user, listing)
    confidential = services.can_see_confidential(user, listing)
    context: dict[str, Any] = {
        "listing": listing,
        "fields": list(listing.fields.all()),
        "images": list(listing.images.all()),
        "attachments": [a for a in listing.attachments.all() if not a.confidential or confidential],
        "show_confidential": confidential,
        "is_owner": is_owner,
        "can_edit": can(user, CHANGE, listing),
        "actions": services.allowed_actions(user, listing),
        "quality_issues": services.quality_issues(listing)
        if listing.status == ListingStatus.DRAFT
        else [],
        "related": _related(listing, user),
        "json_ld": _json_ld(request, listing, user) if listing.is_public else "",
        "meta_description": plain_text(listing.summary_text, 160),
        "transitions": list(listing.transitions.select_related("actor"))
        if (is_owner or is_officer(user))
        else [],
        "can_interest": user.is_authenticated and listing.is_public and not is_owner,
        "interest_form": forms.InterestForm(),
        "action_form": forms.ActionForm(),
        "upload_form": forms.UploadForm(),
        "kind": services.listing_kind(listing),
        "my_connections": list(
            services.pipeline(user, mine_only=True).filter(
                **{services.listing_kind(listing): listing}
            )
        )
        if user.is_authenticated
        else [],
        "can_broker": is_broker_or_officer(user)
        and isinstance(listing, Demand)
        and listing.is_public,
        "can_ask_expert": is_owner and isinstance(listing, Demand) and listing.is_public,
        "listing_events": list(
            restrict(listing.events.all(), user).exclude(status=Event.Status.DRAFT)[:10]
        ),
    }
    if isinstance(listing, Demand):
        context["requester_display"] = services.requester_label(user, listing)
        context["show_requester"] = services.can_see_requester(user, listing)
    if context["can_edit"]:
        context["counts"] = services.counts(listing)
        context["completeness"] = services.completeness(listing)
        context["can_delete"] = services.can_delete(user, listing)
        context["first_step"] = services.steps_for(context["kind"])[0].name
    return context


def offer_detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    return _detail(request, Offer, pk, slug, "exchange/offer_detail.html")


def demand_detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    return _detail(request, Demand, pk, slug, "exchange/demand_detail.html")


# --- Posting and editing --------------------------------------------------------------------------


def _edit(request: HttpRequest, kind: str, pk: int | None) -> HttpResponse:
    model = MODELS[kind]
    form_class = forms.OfferForm if kind == "offer" else forms.DemandForm
    if pk is None:
        if not can_add(request.user, model):
            messages.error(
                request, _("To post, you must be an approved member of an organisation.")
            )
            return redirect("accounts:profile")
        instance = model()
    else:
        instance = get_object_or_404(restrict(model.objects.all(), request.user, CHANGE), pk=pk)
    if request.method == "POST":
        form = form_class(request.POST, instance=instance, user=request.user)
        if form.is_valid():
            listing = form.save(commit=False)
            try:
                listing = services.save_listing(
                    listing,
                    request.user,
                    fields=form.cleaned_data.get("fields"),
                    organization=form.cleaned_data.get(form.org_field_name),
                )
                if "ip_records" in form.fields and isinstance(listing, Offer):
                    services.link_ip_records(listing, request.user, form.cleaned_data["ip_records"])
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errs in exc.message_dict.items():
                        form.add_error(name if name in form.fields else None, errs)
                else:
                    form.add_error(None, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                if listing.status == ListingStatus.SUBMITTED and pk is not None:
                    messages.info(request, _("Your changes were sent to moderation again."))
                else:
                    messages.success(request, _("Saved."))
                return redirect(listing.get_absolute_url())
    else:
        form = form_class(instance=instance, user=request.user)
    return render(
        request,
        "exchange/listing_form.html",
        {
            "form": form,
            "kind": kind,
            "listing": instance if pk else None,
            "completeness": services.completeness(instance) if pk else None,  # type: ignore[arg-type]
        },
    )


@login_required
def offer_create(request: HttpRequest) -> HttpResponse:
    return _edit(request, "offer", None)


@login_required
def offer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, "offer", pk)


@login_required
def demand_create(request: HttpRequest) -> HttpResponse:
    return _edit(request, "demand", None)


@login_required
def demand_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, "demand", pk)


@login_required
@require_POST
def listing_action(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = MODELS.get(kind)
    if model is None:
        raise Http404
    listing = get_object_or_404(restrict(model.objects.all(), request.user), pk=pk)
    form = forms.ActionForm(request.POST)
    if form.is_valid():
        action = form.cleaned_data["action"]
        try:
            services.transition(listing, action, request.user, form.cleaned_data["comment"])
            messages.success(
                request, _("Done: %(what)s.") % {"what": services.ACTION_LABELS.get(action, action)}
            )
        except (ValidationError, PermissionDenied) as exc:
            _flash_errors(request, exc)
    nxt = request.POST.get("next", "")
    if nxt.startswith("/") and not nxt.startswith("//"):
        return redirect(nxt)
    listing.refresh_from_db()
    if can(request.user, VIEW, listing):
        return redirect(listing.get_absolute_url())
    return redirect("exchange:my-listings")


@login_required
@require_POST
def listing_upload(request: HttpRequest, kind: str, pk: int, what: str) -> HttpResponse:
    model = MODELS.get(kind)
    if model is None or what not in ("image", "attachment"):
        raise Http404
    listing = get_object_or_404(restrict(model.objects.all(), request.user, CHANGE), pk=pk)
    form = forms.UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            if what == "image":
                services.add_image(
                    listing, request.user, form.cleaned_data["file"], form.cleaned_data["caption"]
                )
            else:
                services.add_attachment(
                    listing,
                    request.user,
                    form.cleaned_data["file"],
                    form.cleaned_data["confidential"],
                )
            messages.success(request, _("File added."))
        except (ValidationError, PermissionDenied) as exc:
            _flash_errors(request, exc)
    else:
        messages.error(request, _("Choose a file."))
    nxt = request.POST.get("next", "")
    if nxt.startswith("/") and not nxt.startswith("//"):
        return redirect(nxt)  # back to the posting form's files step
    return redirect(listing.get_absolute_url())


def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    att = get_object_or_404(ListingAttachment.objects.select_related("offer", "demand"), pk=pk)
    listing = att.offer or att.demand
    if listing is None or not can(request.user, VIEW, listing):
        raise Http404
    if att.confidential and not services.can_see_confidential(request.user, listing):
        raise Http404
    response = FileResponse(
        att.file.open("rb"), as_attachment=True, filename=att.name, content_type=att.mime_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def my_listings(request: HttpRequest) -> HttpResponse:
    ids = organization_ids(request.user)
    offers = list(
        Offer.objects.filter(owner__in=ids)
        .select_related("owner")
        .prefetch_related("fields", "images", "attachments", "ip_records")
        .order_by("-updated_at")[:200]
    )
    demands = list(
        Demand.objects.filter(requester__in=ids)
        .select_related("requester")
        .prefetch_related("fields", "images", "attachments")
        .order_by("-updated_at")[:200]
    )

    def rows(kind: str, items: list[Any]) -> list[dict[str, Any]]:
        counts = services.counts_by_listing(kind, [i.pk for i in items])
        return [
            {
                "listing": item,
                "counts": counts[item.pk],
                "completeness": services.completeness(item),
                "can_delete": services.can_delete(request.user, item),
            }
            for item in items
        ]

    return render(
        request,
        "exchange/my_listings.html",
        {
            "offers": rows("offer", offers),
            "demands": rows("demand", demands),
            "can_post": bool(ids) or is_officer(request.user),
        },
    )


# --- Moderation -----------------------------------------------------------------------------------


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    if not is_officer(request.user):
        raise PermissionDenied
    offers = Offer.objects.filter(status=ListingStatus.SUBMITTED).select_related("owner")
    demands = Demand.objects.filter(status=ListingStatus.SUBMITTED).select_related("requester")
    return render(
        request,
        "exchange/moderation.html",
        {
            "offers": offers.order_by("submitted_at"),
            "demands": demands.order_by("submitted_at"),
        },
    )


def listing_redirect(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """``/exchange/offers/12/`` → the canonical URL with the slug."""
    model = MODELS[kind]
    listing = get_object_or_404(restrict(model.objects.all(), request.user), pk=pk)
    return redirect(listing.get_absolute_url(), permanent=True)
