"""Call configurations as data: load a preset (JSON) into a CallPage under any parent page.

A preset holds everything an editor would type on a call page: texts, money, axes, criteria,
documents, calendar. Loading is idempotent: loading the same preset under the same parent again
updates the page it created (found by slug) instead of adding a second one. ``export_preset``
writes a call back in the same format, so a call can move to another site.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.utils import timezone

from .. import conf, rules
from ..models import CallPage

BUNDLED_DIR = Path(__file__).resolve().parent

#: Inline parts of a call, in the order a preset lists them.
CHILD_RELATIONS = [
    "axes",
    "eligibility_questions",
    "support_kinds",
    "funding_sources",
    "criteria",
    "required_documents",
    "milestones",
]


class PresetError(Exception):
    """A preset cannot be found or does not describe a valid call."""


@dataclass
class LoadResult:
    page: CallPage
    created: bool


def preset_dirs() -> list[Path]:
    return [Path(d) for d in conf.get("PRESET_DIRS")] + [BUNDLED_DIR]


def available_presets() -> list[str]:
    names = {p.stem for d in preset_dirs() if d.is_dir() for p in d.glob("*.json")}
    return sorted(names)


def read_preset(name_or_path: str) -> dict[str, Any]:
    path = Path(name_or_path)
    if not (path.suffix == ".json" and path.is_file()):
        candidates = [d / f"{name_or_path}.json" for d in preset_dirs()]
        path = next((c for c in candidates if c.is_file()), None)
        if path is None:
            raise PresetError(
                f"No preset named {name_or_path!r}. Available: {', '.join(available_presets())}."
            )
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise PresetError(f"{path} is not valid JSON: {exc}") from exc


def days_to_open_now(data: dict[str, Any], now: datetime.datetime | None = None) -> int:
    """How many whole days to move a preset so that its call opened 30 days ago."""
    now = now or timezone.now()
    try:
        opens_at = datetime.datetime.fromisoformat(data["page"]["opens_at"])
    except (KeyError, TypeError, ValueError) as exc:
        raise PresetError(f"page: opens_at is missing or not an ISO date-time ({exc}).") from None
    return (now - opens_at).days - 30


def _shift_milestone(item: dict[str, Any], shift: datetime.timedelta) -> dict[str, Any]:
    item = dict(item)
    if item.get("date"):
        item["date"] = (datetime.date.fromisoformat(item["date"]) + shift).isoformat()
        item["display_text"] = ""  # "mid-November 2023" no longer says the truth
    elif item.get("week"):
        monday = datetime.date.fromisocalendar(item["week_year"], item["week"], 1) + shift
        iso = monday.isocalendar()
        item["week"], item["week_year"] = iso.week, iso.year
        item["display_text"] = ""
    return item


def shift_preset(data: dict[str, Any], days: int) -> dict[str, Any]:
    if "page" not in data:
        raise PresetError('The preset has no "page" section.')
    return _shift_preset(data, days)


def _shift_preset(data: dict[str, Any], days: int) -> dict[str, Any]:
    """The same call, every date moved by ``days`` (the time of day is kept)."""
    if not days:
        return data
    shift = datetime.timedelta(days=days)
    page = dict(data["page"])
    for field in ("opens_at", "closes_at"):
        # Keep the wall-clock time ("23:59") across daylight-saving changes.
        local = timezone.localtime(datetime.datetime.fromisoformat(page[field]))
        moved = timezone.make_aware(local.replace(tzinfo=None) + shift)
        page[field] = moved.isoformat()
    shifted = dict(data, page=page)
    shifted["milestones"] = [_shift_milestone(m, shift) for m in data.get("milestones", [])]
    return shifted


def _convert(model, name: str, raw: Any, where: str) -> Any:
    """One preset value as the model field's Python value, or a PresetError saying where."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        raise PresetError(f"{where}: unknown field {name!r}.") from None
    if raw is None:
        return None
    try:
        value = field.to_python(raw)
    except ValidationError as exc:
        raise PresetError(f"{where}: {name}: {' '.join(exc.messages)}") from None
    if isinstance(value, datetime.datetime) and timezone.is_naive(value):
        raise PresetError(f"{where}: {name}: give the time zone offset, e.g. +02:00.")
    return value


REQUIRED_PAGE_FIELDS = ("title", "slug", "intro", "max_grant", "opens_at", "closes_at")


def _page_values(page_data: dict[str, Any]) -> dict[str, Any]:
    values = {name: _convert(CallPage, name, raw, "page") for name, raw in page_data.items()}
    missing = [name for name in REQUIRED_PAGE_FIELDS if values.get(name) in (None, "")]
    if missing:
        raise PresetError(f"page: missing {', '.join(missing)}.")
    year = timezone.localtime(values["opens_at"]).year
    values["title"] = values["title"].replace("{year}", str(year))
    values["slug"] = values["slug"].replace("{year}", str(year))
    if values.get("reference_prefix"):
        values["reference_prefix"] = values["reference_prefix"].replace("{year}", str(year))
    return values


def _child_objects(relation: str, items: list[dict[str, Any]]) -> list[Any]:
    model = CallPage._meta.get_field(relation).related_model
    objects = []
    for position, item in enumerate(items):
        obj = model(sort_order=position)
        for name, raw in item.items():
            setattr(obj, name, _convert(model, name, raw, f"{relation}[{position}]"))
        objects.append(obj)
    return objects


def _validate(page: CallPage, children: dict[str, list[Any]]) -> None:
    problems = []
    try:
        page.clean_fields(exclude=["path", "depth", "content_type", "draft_title", "url_path"])
    except ValidationError as exc:
        problems.append(f"page: {exc.message_dict}")
    for field, message in rules.check_call_configuration(page).items():
        problems.append(f"page: {field}: {message}")
    funding_error = rules.check_funding(
        page.envelope, rules.sum_amounts(s.amount for s in children.get("funding_sources", []))
    )
    if funding_error:
        problems.append(f"page: envelope: {funding_error}")
    for relation, objects in children.items():
        for obj in objects:
            try:
                obj.full_clean(exclude=["page"])
            except ValidationError as exc:
                problems.append(f"{relation} {obj}: {exc.message_dict}")
    if problems:
        raise PresetError("The preset does not describe a valid call: " + "; ".join(problems))


@transaction.atomic
def load_preset(
    data: dict[str, Any],
    parent,
    *,
    days: int = 0,
    slug: str | None = None,
    publish: bool = True,
) -> LoadResult:
    """Create (or update, when a sibling has the same slug) a CallPage from preset data."""
    try:
        data = shift_preset(data, days)
    except (KeyError, TypeError, ValueError) as exc:
        raise PresetError(f"The preset's dates cannot be read: {exc}") from None
    values = _page_values(data["page"])
    if slug:
        values["slug"] = slug
    existing = CallPage.objects.child_of(parent).filter(slug=values["slug"]).first()
    page = existing.specific if existing else CallPage()
    for name, value in values.items():
        setattr(page, name, value)
    children = {rel: _child_objects(rel, data.get(rel, [])) for rel in CHILD_RELATIONS}
    for relation, objects in children.items():
        getattr(page, relation).set(objects)
    if existing is None:
        page.live = False
        _validate(page, children)
        parent.add_child(instance=page)
    else:
        _validate(page, children)
    revision = page.save_revision(clean=False)
    if publish:
        revision.publish()
    page.refresh_from_db()
    return LoadResult(page=page, created=existing is None)


# --- export ---------------------------------------------------------------------------------

#: Page fields inherited from Wagtail's Page that a preset carries (the rest is the tree's).
EXPORTED_PAGE_FIELDS = ("title", "slug", "seo_title", "search_description")

#: Fields of an inline part that belong to the database, not to the call's configuration.
_PART_FIELDS_LEFT_OUT = {"id", "page", "sort_order"}


def _exported_value(field: models.Field, value: Any) -> Any:
    """A field's value as the loader reads it back: exact decimals, local ISO date-times."""
    if value is None:
        return None
    if isinstance(field, models.DecimalField):
        return f"{value:.{field.decimal_places}f}"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "stream_block"):
        # Plain block values, without the block ids (new ones are made on loading).
        return [
            {"type": child.block_type, "value": child.block.get_api_representation(child.value)}
            for child in value
        ]
    return value


def _exported_page(call: CallPage) -> dict[str, Any]:
    names = [*EXPORTED_PAGE_FIELDS]
    names += [f.name for f in CallPage._meta.local_concrete_fields if not f.primary_key]
    page = {}
    for name in names:
        page[name] = _exported_value(CallPage._meta.get_field(name), getattr(call, name))
    # "{year}" lets the loader rename the call when its dates move (see load_preset).
    year = str(timezone.localtime(call.opens_at).year)
    for name in ("title", "slug", "reference_prefix"):
        if page.get(name):
            page[name] = page[name].replace(year, "{year}")
    return page


def _exported_parts(call: CallPage, relation: str) -> list[dict[str, Any]]:
    model = CallPage._meta.get_field(relation).related_model
    fields = [f for f in model._meta.concrete_fields if f.name not in _PART_FIELDS_LEFT_OUT]
    return [
        {f.name: _exported_value(f, getattr(obj, f.name)) for f in fields}
        for obj in getattr(call, relation).all().order_by("sort_order")
    ]


def export_preset(call: CallPage) -> dict[str, Any]:
    """The call's configuration as preset data that ``load_preset`` reads back.

    Everything an editor enters (texts, money, calendar, inline parts, extra questions) and
    nothing else: no ids, no dossiers, no documents to download.
    """
    call = call.specific
    page = _exported_page(call)
    return {
        "preset": page["slug"],
        "description": f"{call.title} (exported call configuration)",
        "page": page,
        **{relation: _exported_parts(call, relation) for relation in CHILD_RELATIONS},
    }
