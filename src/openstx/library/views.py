"""Library pages (thin: rules live in services and policies)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models.functions import Substr
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openstx.core.jobs import enqueue
from openstx.core.models import Job
from openstx.core.permissions import CHANGE, MODERATE, VIEW, can, can_add, is_officer
from openstx.core.text import nfc
from openstx.library import citations, services
from openstx.library.extraction import IMAGE_TYPES, PDF, ExtractionError
from openstx.library.forms import BatchForm, DocumentForm, ModerationForm
from openstx.library.models import BatchItem, Collection, Document, DocumentFile
from openstx.library.policies import DOWNLOAD

#: Characters of the extracted text the document page reads from the database: the page shows an
#: excerpt, never the whole text (which may be millions of characters; /text downloads it).
EXCERPT_CHARS = 3000


def _visible(request: HttpRequest, pk: int, queryset: Any = None) -> Document:
    document = get_object_or_404(
        queryset if queryset is not None else Document.objects.live(), pk=pk
    )
    if not can(request.user, VIEW, document):
        raise Http404
    return document


def index(request: HttpRequest) -> HttpResponse:
    """The catalogue: newest first, by collection; words search the full text through the
    search service (ranked, with snippets and a collection facet named in the user's language)."""
    collection = request.GET.get("collection", "")
    if collection not in Collection.values:
        collection = ""
    query = nfc(request.GET.get("q", "")).strip()
    ctx = {
        "collections": Collection.choices,
        "collection": collection,
        "q": query,
        "can_upload": can_add(request.user, Document),
        "is_officer": is_officer(request.user),
    }
    if query:
        from openstx.search.service import search

        results = search(
            query,
            user=request.user,
            types=["document"],
            filters={"kind": [collection]} if collection else {},
            page=request.GET.get("page", 1),
            per_page=20,
        )
        ctx.update(results=results, collection_facet=results.facets.get("kind", []))
        return render(request, "library/index.html", ctx)
    qs = Document.objects.restrict(request.user, VIEW).filter(status=Document.Status.PUBLISHED)
    if collection:
        qs = qs.filter(collection=collection)
    ctx["page"] = Paginator(
        qs.order_by("-created_at").only(
            "id",
            "title",
            "creators",
            "date",
            "collection",
            "access_level",
            "digitised",
        ),
        20,
    ).get_page(request.GET.get("page"))
    return render(request, "library/index.html", ctx)


def detail(request: HttpRequest, pk: int, slug: str = "") -> HttpResponse:
    document = _visible(
        request,
        pk,
        Document.objects.live()
        .defer("full_text")
        .annotate(text_excerpt=Substr("full_text", 1, EXCERPT_CHARS)),
    )
    # annotated by the queryset above (get_object_or_404 is typed as returning a plain Document)
    text_excerpt: str = getattr(document, "text_excerpt", "")
    files = {f.kind: f for f in document.files.all()}
    can_change = can(request.user, CHANGE, document)
    return render(
        request,
        "library/detail.html",
        {
            "document": document,
            "original": files.get(DocumentFile.Kind.ORIGINAL),
            "searchable": DocumentFile.Kind.SEARCHABLE_PDF in files
            or (
                getattr(files.get(DocumentFile.Kind.ORIGINAL), "mime", "") in IMAGE_TYPES
                and bool(text_excerpt)
            ),
            "text_excerpt": text_excerpt,
            "extraction_notice": services.extraction_notice(document) if can_change else "",
            "preview": DocumentFile.Kind.PREVIEW in files
            or getattr(files.get(DocumentFile.Kind.ORIGINAL), "mime", "") in (*IMAGE_TYPES, PDF),
            "can_download": can(request.user, DOWNLOAD, document),
            "can_change": can_change,
            "can_moderate": can(request.user, MODERATE, document)
            and document.status == Document.Status.PENDING,
            "moderation_form": ModerationForm(),
            "experts": document.experts.all(),
            "organizations": document.organizations.all(),
            "task": services.linked_task(document, request.user),
        },
    )


def download(request: HttpRequest, pk: int, kind: str) -> HttpResponse | FileResponse:
    document = _visible(request, pk)
    if not can(request.user, DOWNLOAD, document):
        return HttpResponseForbidden(_("You may not download this document."))
    if kind == DocumentFile.Kind.PREVIEW:
        item = services.ensure_preview(document)
    elif kind == DocumentFile.Kind.SEARCHABLE_PDF:
        item = services.ensure_searchable_pdf(document)
    else:
        item = document.files.filter(kind=kind).first()
    if item is None:
        raise Http404
    if kind == DocumentFile.Kind.PREVIEW:
        return FileResponse(item.file.open("rb"), content_type="image/png")
    services.record_download(document)
    return FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=item.original_name or Path(item.file.name or "").name,
        content_type=item.mime or "application/octet-stream",
    )


def text(request: HttpRequest, pk: int) -> HttpResponse:
    document = _visible(request, pk)
    if not can(request.user, DOWNLOAD, document):
        return HttpResponseForbidden(_("You may not download this document."))
    response = HttpResponse(document.full_text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="document-{document.pk}.txt"'
    return response


def cite(request: HttpRequest, pk: int, fmt: str = "") -> HttpResponse:
    document = _visible(request, pk)
    if not fmt:  # the "cite" button's panel (htmx fragment)
        return render(
            request,
            "library/_cite.html",
            {
                "document": document,
                "bibtex": citations.bibtex(document),
                "ris": citations.ris(document),
            },
        )
    if fmt not in citations.FORMATS:
        raise Http404
    content_type, ext = citations.FORMATS[fmt]
    response = HttpResponse(citations.render(document, fmt), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="document-{document.pk}.{ext}"'
    return response


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    if not can_add(request.user, Document):
        return HttpResponseForbidden()
    form = DocumentForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "file"}
        try:
            document = services.create_document(
                user=request.user, data=data, upload=form.cleaned_data.get("file")
            )
        except ExtractionError as exc:
            form.add_error("file", str(exc))
        else:
            if document.status == Document.Status.PENDING:
                messages.info(request, _("Thank you. The document will be published after review."))
            else:
                messages.success(request, _("The document was added; its text is being extracted."))
            return redirect(document.get_absolute_url())
    return render(request, "library/form.html", {"form": form, "document": None})


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(Document.objects.live(), pk=pk)
    if not can(request.user, CHANGE, document):
        return HttpResponseForbidden()
    form = DocumentForm(
        request.POST or None, request.FILES or None, instance=document, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "file"}
        try:
            services.update_document(
                Document.objects.get(pk=pk),
                user=request.user,
                data=data,
                upload=form.cleaned_data.get("file"),
            )
        except ExtractionError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect(document.get_absolute_url())
    return render(request, "library/form.html", {"form": form, "document": document})


@login_required
@require_POST
def moderate(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(Document.objects.live(), pk=pk)
    if not can(request.user, MODERATE, document):
        return HttpResponseForbidden()
    form = ModerationForm(request.POST)
    form.is_valid()
    approve = request.POST.get("decision") == "approve"
    services.moderate(
        document, user=request.user, approve=approve, note=form.cleaned_data.get("note", "")
    )
    messages.success(request, _("Published.") if approve else _("Rejected."))
    return redirect("library:moderation")


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    if not is_officer(request.user):
        return HttpResponseForbidden()
    pending = (
        Document.objects.live()
        .filter(status=Document.Status.PENDING)
        .defer("full_text")  # the list shows titles; a text may be millions of characters
        .select_related("uploaded_by")
    )
    return render(request, "library/moderation.html", {"pending": pending})


@login_required
def batch(request: HttpRequest) -> HttpResponse:
    if not is_officer(request.user):
        return HttpResponseForbidden()
    form = BatchForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        folder = Path(settings.DATA_DIR) / "library-batches" / uuid.uuid4().hex
        folder.mkdir(parents=True)
        for upload in form.cleaned_data["files"]:
            name = Path(nfc(upload.name)).name or "file"
            with open(folder / name, "wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
        from openstx.library.tasks import ocr_batch

        job = enqueue(
            ocr_batch,
            kind="library.ocr",
            user=request.user,
            title=_("Digitisation batch (%(n)d files)") % {"n": len(form.cleaned_data["files"])},
            folder=str(folder),
            collection=form.cleaned_data["collection"],
            access_level=form.cleaned_data["access_level"],
            user_id=request.user.pk,
        )
        return redirect("library:batch-status", job_id=job.pk)
    jobs = Job.objects.filter(kind="library.ocr").order_by("-created_at")[:10]
    return render(request, "library/batch.html", {"form": form, "jobs": jobs})


def _batch_context(request: HttpRequest, job_id: int) -> dict:
    job = get_object_or_404(Job, pk=job_id, kind="library.ocr")
    if not (is_officer(request.user) or job.created_by_id == request.user.pk):
        raise Http404
    items = BatchItem.objects.filter(job=job).select_related("document")
    return {"job": job, "items": items}


@login_required
def batch_status(request: HttpRequest, job_id: int) -> HttpResponse:
    return render(request, "library/batch_status.html", _batch_context(request, job_id))


@login_required
def batch_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    return render(request, "library/_batch_progress.html", _batch_context(request, job_id))
