"""The global search page and the type-ahead fragment (thin: all logic is in service.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from openstx.search import registry, service
from openstx.search.facets import FACET_TITLES
from openstx.search.registry import FACETS


def _filters_from(request: HttpRequest) -> dict[str, list[str]]:
    return {name: request.GET.getlist(name)[:20] for name in FACETS if request.GET.getlist(name)}


def _url(params: dict[str, list[str] | str], **changes: object) -> str:
    merged: dict[str, list[str]] = {
        k: (list(v) if isinstance(v, list) else [v]) for k, v in params.items() if v
    }
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = [str(value)]
    pairs = [(k, v) for k, vs in merged.items() for v in vs if v not in ("", None)]
    return "?" + urlencode(pairs)


def search_page(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:1000]
    type_name = request.GET.get("type", "")[:50]
    sort = request.GET.get("sort", "relevance")
    filters = _filters_from(request)
    results = None
    if q.strip() or filters or type_name:
        results = service.search(
            q,
            user=request.user,
            types=[type_name] if type_name else None,
            filters=filters,
            page=request.GET.get("page", 1),
            sort=sort,
        )
    base: dict[str, list[str] | str] = {
        "q": q,
        "sort": sort if sort != "relevance" else "",
        "type": type_name,
        **filters,
    }
    tabs = []
    if results is not None:
        total_all = sum(results.type_counts.values())
        tabs.append(
            {
                "label": None,
                "count": total_all,
                "selected": not type_name,
                "url": _url(base, type=None, page=None),
            }
        )
        for spec in registry.specs():
            count = results.type_counts.get(spec.type, 0)
            if count or type_name == spec.type:
                tabs.append(
                    {
                        "label": spec.label_text,
                        "count": count,
                        "selected": type_name == spec.type,
                        "url": _url(base, type=spec.type, page=None),
                    }
                )
    facet_blocks = []
    if results is not None:
        for name in FACETS:
            values = results.facets.get(name)
            if not values:
                continue
            items = []
            for fv in values:
                chosen = list(filters.get(name, []))
                if fv.selected:
                    chosen.remove(fv.value)
                else:
                    chosen.append(fv.value)
                params = {**base, name: chosen}
                items.append(
                    {
                        "label": fv.label,
                        "count": fv.count,
                        "selected": fv.selected,
                        "url": _url(params, page=None),
                    }
                )
            facet_blocks.append({"name": name, "title": FACET_TITLES[name](), "items": items})
    pages = {}
    if results is not None:
        if results.has_previous:
            pages["previous"] = _url(base, page=results.page - 1)
        if results.has_next:
            pages["next"] = _url(base, page=results.page + 1)
    context = {
        "q": q,
        "results": results,
        "tabs": tabs,
        "facet_blocks": facet_blocks,
        "pages": pages,
        "sort": sort,
        "type_name": type_name,
        "sort_relevance_url": _url(base, sort=None, page=None),
        "sort_date_url": _url(base, sort="date", page=None),
        "clear_url": _url({"q": q}),
        "suggestion_url": (
            _url(base, q=results.suggestion["query"], page=None)
            if results is not None and results.suggestion
            else ""
        ),
        "has_filters": bool(filters),
    }
    return render(request, "search/search.html", context)


def suggest(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:200]
    items = service.suggest(q, user=request.user, limit=8) if len(q.strip()) >= 2 else []
    return render(request, "search/_suggest.html", {"items": items, "q": q})
