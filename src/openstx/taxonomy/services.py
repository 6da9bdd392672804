"""Loading the code lists and resolving user-entered values (codes or names) to them.

``load_all()`` is idempotent and bulk: it inserts what is missing and updates what changed.
``resolve_field(value)`` and ``resolve_admin_unit(value)`` are what importers and forms use.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from openstx.core.text import clean, fold
from openstx.taxonomy.models import (
    AdministrativeUnit,
    CodeListVersion,
    FieldOfScience,
    TechnologyReadinessLevel,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
LEGACY_PREFIX = "old-"


class LookupError_(ValueError):  # noqa: N801 - a ValueError that importers report as a row error
    pass


@dataclass
class LoadStats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8-sig", newline="") as fh:
        return [{k: clean(v) for k, v in row.items()} for row in csv.DictReader(fh)]


@transaction.atomic
def load_fields_of_science() -> LoadStats:
    rows = _read_csv("fields_of_science.csv")
    rows.sort(key=lambda r: (int(r["level"]), r["code"]))
    stats = LoadStats()
    # parents first: one bulk pass per level so parent ids exist
    for level in sorted({int(r["level"]) for r in rows}):
        ids = dict(FieldOfScience.objects.values_list("code", "id"))
        level_rows: list[dict[str, Any]] = [
            {
                "code": r["code"],
                "level": level,
                "parent_id": ids.get(r["parent_code"]) if r["parent_code"] else None,
                "name_vi": r["name_vi"],
                "name_en": r["name_en"],
                "source": r["source"],
            }
            for r in rows
            if int(r["level"]) == level
        ]
        existing_codes = {r["code"] for r in level_rows}
        s = _sync_subset(FieldOfScience, "code", level_rows, existing_codes)
        stats.created += s.created
        stats.updated += s.updated
        stats.unchanged += s.unchanged
    _clear_caches()
    return stats


def _sync_subset(
    model: Any, key: str, rows: list[dict[str, Any]], keys: set[str] | set[int]
) -> LoadStats:
    fields = [k for k in rows[0] if k != key] if rows else []
    stats = LoadStats()
    existing = {getattr(o, key): o for o in model.objects.filter(**{f"{key}__in": keys})}
    new, changed = [], []
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            new.append(model(**row))
            stats.created += 1
            continue
        diff = [f for f in fields if getattr(obj, f) != row[f]]
        if diff:
            for f in diff:
                setattr(obj, f, row[f])
            changed.append(obj)
            stats.updated += 1
        else:
            stats.unchanged += 1
    if new:
        model.objects.bulk_create(new, batch_size=1000)
    if changed:
        model.objects.bulk_update(changed, fields, batch_size=1000)
    return stats


@transaction.atomic
def load_trl() -> LoadStats:
    rows: list[dict[str, Any]] = [
        {
            "level": int(r["level"]),
            "code": r["code"],
            "name_vi": r["name_vi"],
            "name_vi_short": r["name_vi_short"],
            "name_en": r["name_en"],
            "source": r["source"],
        }
        for r in _read_csv("trl.csv")
    ]
    return _sync_subset(TechnologyReadinessLevel, "level", rows, {r["level"] for r in rows})


def _ascii_title(name: str) -> str:
    return " ".join(w.capitalize() for w in fold(name).split())


def _short_province_name(name: str) -> str:
    return re.sub(r"^(thành phố|tỉnh)\s+", "", name, flags=re.IGNORECASE)


@transaction.atomic
def load_admin_units() -> LoadStats:
    """Current provinces and wards (``vietnam-provinces``) and the 63 pre-2025 provinces
    (``data/legacy_provinces.csv``, ``is_current=False``, ``successor`` = current province).

    The package has no pre-2025 districts, so none are loaded."""
    import vietnam_provinces

    nested = json.loads(Path(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH).read_text("utf-8"))
    stats = LoadStats()

    provinces = [
        {
            "code": f"{p['code']:02d}",
            "name": clean(p["name"]),
            "name_en": _ascii_title(_short_province_name(clean(p["name"]))),
            "division_type": p["division_type"],
            "level": AdministrativeUnit.Level.PROVINCE,
            "parent_id": None,
            "is_current": True,
            "successor_id": None,
        }
        for p in nested
    ]
    s = _sync_units(provinces)
    _add(stats, s)
    ids = dict(
        AdministrativeUnit.objects.filter(is_current=True, level=1).values_list("code", "id")
    )

    wards = [
        {
            "code": f"{w['code']:05d}",
            "name": clean(w["name"]),
            "name_en": _ascii_title(clean(w["name"])),
            "division_type": w["division_type"],
            "level": AdministrativeUnit.Level.WARD,
            "parent_id": ids[f"{p['code']:02d}"],
            "is_current": True,
            "successor_id": None,
        }
        for p in nested
        for w in p["wards"]
    ]
    _add(stats, _sync_units(wards))

    legacy = [
        {
            "code": LEGACY_PREFIX + r["code"],
            "name": r["name"],
            "name_en": _ascii_title(_short_province_name(r["name"])),
            "division_type": r["division_type"],
            "level": AdministrativeUnit.Level.PROVINCE,
            "parent_id": None,
            "is_current": False,
            "successor_id": ids[r["successor_code"]],
        }
        for r in _read_csv("legacy_provinces.csv")
    ]
    _add(stats, _sync_units(legacy))
    _clear_caches()
    return stats


def _sync_units(rows: list[dict[str, Any]]) -> LoadStats:
    for row in rows:
        row["name_folded"] = fold(row["name"])
    return _sync_subset(AdministrativeUnit, "code", rows, {r["code"] for r in rows})


def _add(total: LoadStats, part: LoadStats) -> None:
    total.created += part.created
    total.updated += part.updated
    total.unchanged += part.unchanged


#: Bump a list's loader version when its loader changes what it writes from the same files.
LOADER_VERSIONS = {"fields_of_science": "1", "trl": "1", "admin_units": "1"}


def _admin_unit_sources() -> list[Path]:
    # located without importing the package (its import costs ~0.5 s; ``migrate`` on an
    # up-to-date database should not pay it)
    spec = importlib.util.find_spec("vietnam_provinces")
    nested = (
        Path(spec.origin).parent / "data" / "nested-divisions.json"
        if spec and spec.origin
        else None
    )
    if nested is None or not nested.exists():
        import vietnam_provinces

        nested = Path(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH)
    return [nested, DATA_DIR / "legacy_provinces.csv"]


def _sources(name: str) -> list[Path]:
    if name == "fields_of_science":
        return [DATA_DIR / "fields_of_science.csv"]
    if name == "trl":
        return [DATA_DIR / "trl.csv"]
    return _admin_unit_sources()


def shipped_checksum(name: str) -> str:
    """SHA-256 over a list's loader version and source files: what this release ships."""
    digest = hashlib.sha256(LOADER_VERSIONS[name].encode())
    for path in _sources(name):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


LOADERS: dict[str, Callable[[], LoadStats]] = {
    "fields_of_science": load_fields_of_science,
    "trl": load_trl,
    "admin_units": load_admin_units,
}


def _record(name: str, checksum: str) -> None:
    CodeListVersion.objects.update_or_create(name=name, defaults={"checksum": checksum})


def load_all() -> dict[str, LoadStats]:
    """Load every code list shipped with OpenSTX (idempotent) and record the versions loaded."""
    result = {}
    for name, loader in LOADERS.items():
        result[name] = loader()
        _record(name, shipped_checksum(name))
    return result


def stale_lists() -> list[str]:
    """The code lists whose shipped version is not the one recorded in the database (never
    loaded, changed by an upgrade, or emptied by ``flush``)."""
    stored = dict(CodeListVersion.objects.values_list("name", "checksum"))
    return [name for name in LOADERS if stored.get(name) != shipped_checksum(name)]


def ensure_loaded() -> dict[str, LoadStats]:
    """Load the lists that are missing or older than the shipped version; a no-op (one query
    and a checksum of the shipped files) when all are current. Run after every ``migrate``."""
    result = {}
    for name in stale_lists():
        result[name] = LOADERS[name]()
        _record(name, shipped_checksum(name))
    return result


# --- Resolving user input -------------------------------------------------------------------

_cache: dict[str, Any] = {}


def clear_caches() -> None:
    """Forget the lookup tables (after taxonomies change; importers call it before a run)."""
    _cache.clear()


_clear_caches = clear_caches


def _norm_name(value: str) -> str:
    return re.sub(r"[^\w]+", " ", fold(value)).strip()


def _field_index() -> dict[str, int]:
    if "fields" not in _cache:
        index: dict[str, int] = {}
        rows = FieldOfScience.objects.values_list("id", "code", "name_vi", "name_en")
        for pk, code, name_vi, name_en in rows:
            index[code] = pk
            for name in (name_vi, name_en):
                if name:
                    index.setdefault("n:" + _norm_name(name), pk)
        _cache["fields"] = index
    return _cache["fields"]


def resolve_field(value: str) -> FieldOfScience:
    """A field of science from its code (``"10616"``) or name (``"Công nghệ sinh học"``,
    ``"cong nghe sinh hoc"``, or the English name). Raises ``ValueError`` when unknown."""
    return FieldOfScience.objects.get(pk=resolve_field_id(value))


def resolve_field_id(value: Any) -> int:
    raw = clean(str(value))
    index = _field_index()
    code = raw.split(" ", 1)[0].rstrip(".")
    if code in index:
        return index[code]
    # "10616 Công nghệ sinh học" (code + name, as exported) or just the name
    pk = index.get("n:" + _norm_name(raw))
    if pk is None and code.isdigit():
        pk = index.get("n:" + _norm_name(raw[len(code) :]))
    if pk is None:
        raise LookupError_(_("unknown field of science %(value)r") % {"value": raw})
    return pk


def field_descendant_ids(field: FieldOfScience | int) -> list[int]:
    """Ids of a field and all its descendants (codes are prefixes of their children's)."""
    code = (
        field.code
        if isinstance(field, FieldOfScience)
        else FieldOfScience.objects.get(pk=field).code
    )
    return list(FieldOfScience.objects.filter(code__startswith=code).values_list("id", flat=True))


_UNIT_PREFIXES = re.compile(
    r"^(tinh|thanh pho|tp|t p|phuong|xa|dac khu|thi xa|thi tran|quan|huyen)\s+"
)


def _unit_key(value: str) -> str:
    key = _norm_name(value)
    return _UNIT_PREFIXES.sub("", key).strip()


def _unit_index() -> dict[str, Any]:
    if "units" not in _cache:
        by_code: dict[str, tuple[int, int | None]] = {}
        provinces: dict[str, int] = {}
        legacy: dict[str, int] = {}
        wards: dict[str, list[tuple[int, int]]] = {}
        rows = AdministrativeUnit.objects.values_list(
            "id", "code", "name", "level", "is_current", "successor_id", "parent_id"
        )
        for pk, code, name, level, is_current, successor_id, parent_id in rows:
            by_code[code] = (pk, successor_id)
            key = _unit_key(name)
            if level == 1 and is_current:
                provinces[key] = pk
            elif level == 1:
                legacy[key] = successor_id or pk
            elif is_current:
                wards.setdefault(key, []).append((pk, parent_id))
        _cache["units"] = {"code": by_code, "prov": provinces, "legacy": legacy, "wards": wards}
    return _cache["units"]


def resolve_admin_unit_id(value: Any) -> int:
    """See :func:`resolve_admin_unit`; returns the id."""
    raw = clean(str(value))
    if not raw:
        raise LookupError_(_("empty administrative unit"))
    index = _unit_index()
    code = raw.upper().removeprefix("OLD-")
    for candidate in (raw, raw.zfill(2), raw.zfill(5), LEGACY_PREFIX + code.zfill(2)):
        if candidate in index["code"]:
            pk, successor = index["code"][candidate]
            return successor or pk
    parts = [p for p in (clean(p) for p in raw.split(",")) if p]
    if len(parts) > 1:
        # "Phường Ninh Kiều, Thành phố Cần Thơ": a ward within a province
        # "Phường Ninh Kiều, Thành phố Cần Thơ": a ward within a province; an address-like
        # value whose first part is not a known ward resolves to the province.
        province = _province_id(parts[-1], index)
        if province is not None:
            for pk, parent in index["wards"].get(_unit_key(parts[0]), []):
                if parent == province:
                    return pk
            return province
    else:
        province = _province_id(raw, index)
        if province is not None:
            return province
        matches = index["wards"].get(_unit_key(raw), [])
        if len(matches) == 1:
            return matches[0][0]
        if len(matches) > 1:
            raise LookupError_(
                _("%(value)r names several wards or communes; add the province after a comma")
                % {"value": raw}
            )
    raise LookupError_(_("unknown administrative unit %(value)r") % {"value": raw})


def _province_id(value: str, index: dict[str, Any]) -> int | None:
    key = _unit_key(value)
    aliases = {"hcm": "ho chi minh", "hcmc": "ho chi minh", "tphcm": "ho chi minh", "hn": "ha noi"}
    key = aliases.get(key.replace(" ", ""), key)
    if key in index["prov"]:
        return index["prov"][key]
    if key in index["legacy"]:
        return index["legacy"][key]
    return None


def resolve_admin_unit(value: Any) -> AdministrativeUnit:
    """An administrative unit from its code (``"92"``, ``"31117"``, ``"old-93"``) or name, with or
    without "Tỉnh"/"Thành phố"/"TP." (accents optional). A pre-2025 province resolves to the
    current province that absorbed it ("Hậu Giang" → Thành phố Cần Thơ). A ward may be given as
    "Phường Ninh Kiều, Cần Thơ". Raises ``ValueError`` when unknown or ambiguous."""
    return AdministrativeUnit.objects.get(pk=resolve_admin_unit_id(value))
