"""Composite SLOs in ``leadline slo status``: one row per composite after the SLOs' rows, with
its components (computed by :func:`leadline.reliability.composite.composite_status` from the
same status SLIs the components' rows show)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ibis
import pyarrow as pa
from sqlalchemy import select

from leadline.context import App
from leadline.lake.engines import Lake
from leadline.periods import iso
from leadline.reliability.budget_time import budget_left_seconds, budget_left_text
from leadline.reliability.composite import (
    KIND,
    CompositeSpec,
    component_rows,
    composite_status,
    composite_table,
)
from leadline.reliability.models import Slo, SloDocument

Bounds = Callable[[Slo, dt.datetime], tuple[dt.datetime, dt.datetime]]


def load_composites(app: App) -> dict[str, tuple[CompositeSpec, dict[str, Any]]]:
    """Every stored CompositeSLO: name -> (spec, metadata)."""
    with app.store.session() as session:
        docs = list(session.scalars(select(SloDocument).where(SloDocument.kind == KIND)))
    out = {}
    for doc in docs:
        document = doc.document or {}
        out[doc.name] = (
            CompositeSpec.model_validate(document.get("spec")),
            document.get("metadata") or {},
        )
    return out


def _window(members: list[Slo]) -> tuple[str, str | None, int | None] | None:
    """The components' common window (kind, calendar unit, days), or None when they differ."""
    kinds = {
        (s.window_kind, s.calendar_unit, s.window_days if s.window_kind == "rolling" else None)
        for s in members
    }
    return next(iter(kinds)) if len(kinds) == 1 else None


def composite_rows(
    lake: Lake,
    composites: dict[str, tuple[CompositeSpec, dict[str, Any]]],
    *,
    slos: list[Slo],
    slo_rows: list[dict[str, Any]],
    at: dt.datetime,
    bounds: Bounds,
    label: Callable[[Slo], str],
    policy: Callable[[float | None], str],
) -> list[dict[str, Any]]:
    """The status rows of the composites (same keys as an SLO's, plus ``components``)."""
    if not composites:
        return []
    slis = {r["slo"]: r.get("sli") for r in slo_rows}
    components = ibis.memtable(
        pa.table(
            {"slo": list(slis), "sli": list(slis.values())},
            schema=pa.schema([("slo", pa.string()), ("sli", pa.float64())]),
        )
    )
    table = composite_table({name: spec for name, (spec, _) in composites.items()})
    found = {
        r["composite"]: r for r in lake.execute(composite_status(components, table)).to_pylist()
    }
    by_name = {s.name: s for s in slos}
    out = []
    for name, (spec, metadata) in sorted(composites.items()):
        row = found.get(name, {})
        members = [by_name[c.slo] for c in spec.components if c.slo in by_name]
        window = _window(members) if members else None
        remaining = row.get("error_budget_remaining")
        start = end = None
        label_text = "mixed" if members else None  # None: no component is defined
        if window is not None:
            start, end = bounds(members[0], at)
            label_text = label(members[0])
        seconds = (
            budget_left_seconds(remaining, spec.objective, (end - start).total_seconds())
            if start is not None and end is not None
            else None
        )
        state = policy(remaining)
        out.append(
            {
                "slo": name,
                "service": spec.service,
                "display_name": metadata.get("displayName"),
                "objective": spec.objective,
                "window": label_text,
                "window_start": iso(start) if start else None,
                "budgeting": "composite",
                "sli": row.get("sli"),
                "error_budget_remaining": remaining,
                "budget_left_time_seconds": seconds,
                "budget_left_time": budget_left_text(seconds, *window) if window else None,
                "burn_rate_1h": None,
                "burn_rate_6h": None,
                "burn_rates": {},
                "alert": None,
                "policy_state": state,
                "events": {"good": None, "total": None, "bad": None, "allowed_bad": None},
                "slices": {"good": None, "total": None},
                "coverage": None,
                "projected_exhaustion": None,
                "weight_with_data": row.get("weight_with_data"),
                "weight_total": row.get("weight_total"),
                "components": component_rows(spec, slis, set(by_name)),
            }
        )
    return out
