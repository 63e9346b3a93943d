"""What the SLO specification sources (OpenSLO, Sloth) share: durations, records, upsert.

Both sources end in the same two tables: ``slo`` (one normalised row per objective, the document
it came from in ``document``) and ``slo_document`` (every other OpenSLO document, kept whole).
They land like catalog entities: upsert by name, a second definition of a name in one batch is
rejected naming both places, and an SLO whose service the catalog does not hold is kept with a
warning (DESIGN.md §5: unknown services are reported, not dropped).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import String, select
from sqlalchemy.orm import Session

from leadline.catalog.models import Service
from leadline.ingest.files import YamlDocument, decode_utf8, load_yaml_documents
from leadline.ingest.nulls import null_reason
from leadline.ingest.problems import InputError, Problem, Severity
from leadline.ingest.registry import Unit
from leadline.reliability.models import Slo, SloDocument
from leadline.store.base import utcnow

# OpenSLO's duration shorthand: a positive integer and one case-sensitive unit.
_DURATION = re.compile(r"^(0|[1-9][0-9]*)([mhdwMQY])$")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
# Rolling windows in months, quarters and years use OpenSLO's own reading (its Go SDK):
# a month is 30 days, a quarter 90, a year 365.
_UNIT_DAYS = {"d": 1, "w": 7, "M": 30, "Q": 90, "Y": 365}
DURATION_HELP = "a duration like 5m, 1h, 28d, 4w, 1M, 1Q (a whole number and one of m h d w M Q Y)"


def _positive(number: int, text: str) -> int:
    if number <= 0:
        raise ValueError(f"{text!r} must be longer than zero")
    return number


# Sloth's default SLO period and alert windows (its "30d" AlertWindows: page 2% of the budget
# in 1h or 5% in 6h, ticket 10% in 1d or 10% in 3d), as burn-rate factors. They equal the SRE
# workbook's four rules.
SLOTH_WINDOW_DAYS = 30
SLOTH_RULES: dict[str, list[dict[str, Any]]] = {
    "page": [
        {"severity": "page", "long_window": "1h", "short_window": "5m", "factor": 14.4},
        {"severity": "page", "long_window": "6h", "short_window": "30m", "factor": 6.0},
    ],
    "ticket": [
        {"severity": "ticket", "long_window": "1d", "short_window": "2h", "factor": 3.0},
        {"severity": "ticket", "long_window": "3d", "short_window": "6h", "factor": 1.0},
    ],
}


def parse_duration(text: Any) -> tuple[int, str]:
    """(number, unit) of a duration shorthand; ValueError naming the accepted form."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not {DURATION_HELP}")
    return int(match.group(1)), match.group(2)


def duration_seconds(text: Any) -> int:
    """Seconds of a sub-month duration (m, h, d, w): time slices, alert windows."""
    number, unit = parse_duration(text)
    if unit not in _UNIT_SECONDS:
        raise ValueError(f"{text!r} must be given in minutes, hours, days or weeks (m h d w)")
    return _positive(number * _UNIT_SECONDS[unit], text)


def duration_days(text: Any) -> int:
    """Whole days of a rolling window (28d, 4w, 1M = 30 days...)."""
    number, unit = parse_duration(text)
    if unit in _UNIT_DAYS:
        return _positive(number * _UNIT_DAYS[unit], text)
    seconds = number * _UNIT_SECONDS[unit]
    if seconds % 86400:
        raise ValueError(f"a rolling window must be whole days; {text!r} is not")
    return _positive(seconds // 86400, text)


def format_seconds(seconds: int) -> str:
    """The shortest duration shorthand for whole minutes (300 -> 5m, 7200 -> 2h)."""
    for unit, size in (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    raise ValueError(f"{seconds} seconds is not a whole number of minutes")


def fraction(value: float) -> float:
    """A percentage as a fraction without binary noise (99.9 -> 0.999, not 0.9990000000000001)."""
    return round(value / 100, 12)


def jsonable(value: Any) -> Any:
    """The document as JSON holds it (YAML timestamps become text, keys become strings), so
    the stored copy, an export of it and a re-import of that export are all equal."""
    return json.loads(json.dumps(value, default=str))


def validation_problems(
    error: ValidationError, make: Callable[[str, str | None, Any], Problem], prefix: str = ""
) -> list[Problem]:
    """One problem per pydantic error, its field a dotted path like spec.objectives[0].target."""
    out = []
    for item in error.errors():
        path = prefix
        for part in item["loc"]:
            if isinstance(part, int):
                path += f"[{part}]"
            elif not str(part).startswith(("function-", "literal[", "str", "int", "float")):
                path += f".{part}" if path else str(part)
        if item["type"] == "missing":
            reason = "is required"
        else:
            reason = null_reason(item, str(item["msg"]).removeprefix("Value error, "))
        value = None if item["type"] == "missing" else item.get("input")
        if isinstance(value, dict | list):
            value = None
        out.append(make(reason, path or None, value))
    return out


def read_documents(
    unit: Unit, progress: Callable[[int], None] = lambda _n: None
) -> tuple[list[YamlDocument], list[Problem]]:
    """Every YAML document of the unit's files; a broken document or file is one problem."""
    docs: list[YamlDocument] = []
    problems: list[Problem] = []
    for input_file in unit.files:
        try:
            text = decode_utf8(input_file.name, input_file.data)
        except InputError as error:
            problems.append(error.problem)
            continue
        for item in load_yaml_documents(input_file.name, text):
            if isinstance(item, Problem):
                problems.append(item)
            else:
                docs.append(item)
        progress(input_file.size)
    return docs, problems


@dataclass
class SpecRecord:
    """One row to land: an Slo (key: its name) or an SloDocument (key: (kind, name))."""

    model: type[Slo] | type[SloDocument]
    key: Any
    values: dict[str, Any]
    file: str
    row: int
    field_prefix: str = ""  # e.g. "slos[2]." for a Sloth SLO
    item: str | None = None  # which record of a document this is, when it holds several
    raw: Any = None
    pending: Any = None  # what land still has to resolve (OpenSLO references)

    def problem(
        self,
        reason: str,
        field: str | None = None,
        value: Any = None,
        severity: Severity = "error",
    ) -> Problem:
        path = f"{self.field_prefix}{field}" if field else (self.field_prefix.rstrip(".") or None)
        return Problem(
            self.file,
            reason,
            self.row,
            path,
            value,
            severity,
            self.raw,
            self.item,
        )

    @property
    def label(self) -> str:
        if self.model is Slo:
            return f"SLO {self.key!r}"
        kind, name = self.key
        return f"{kind} {name!r}"


def drop_duplicates(records: list[SpecRecord]) -> tuple[list[SpecRecord], list[Problem]]:
    """Keep the first definition of each SLO or document in a batch; later ones are errors."""
    seen: dict[tuple[type, Any], SpecRecord] = {}
    kept, problems = [], []
    for record in records:
        first = seen.setdefault((record.model, record.key), record)
        if first is record:
            kept.append(record)
            continue
        where = f"{first.file} (document {first.row}"
        where += f", {first.item})" if first.item else ")"
        problems.append(
            record.problem(
                f"duplicate {record.label}: already defined in {where}; "
                "this definition was rejected",
                "name" if record.model is Slo and record.field_prefix else "metadata.name",
                record.key if record.model is Slo else record.key[1],
            )
        )
    return kept, problems


def _has_nul(value: Any) -> bool:
    return "\x00" in json.dumps(value)


def drop_unstorable(records: list[SpecRecord]) -> tuple[list[SpecRecord], list[Problem]]:
    """Reject values the store would refuse (over-long names, NUL characters) one by one, so
    SQLite and PostgreSQL behave alike and one bad SLO never fails the batch."""
    kept, problems = [], []
    for record in records:
        columns = record.model.__table__.columns
        if record.model is SloDocument:
            keys = {"kind": record.key[0], "name": record.key[1]}
        else:
            keys = {"name": record.key}
        for name, value in {**keys, **record.values}.items():
            if _has_nul(value):
                problems.append(record.problem(f"{name} contains a NUL character", name))
                break
            column_type = columns[name].type
            length = column_type.length if isinstance(column_type, String) else None
            if isinstance(value, str) and length is not None and len(value) > length:
                problems.append(
                    record.problem(f"{name} is longer than {length} characters", name, value)
                )
                break
        else:
            kept.append(record)
    return kept, problems


def upsert(session: Session, records: Iterable[SpecRecord], batch_id: int) -> None:
    """Create or replace each SLO (by name) and document (by kind and name)."""
    now = utcnow()
    slos = {o.name: o for o in session.scalars(select(Slo))}
    documents = {(o.kind, o.name): o for o in session.scalars(select(SloDocument))}
    for record in records:
        obj: Slo | SloDocument | None
        if record.model is Slo:
            obj = slos.get(record.key)
            if obj is None:
                obj = slos[record.key] = Slo(name=record.key)
                session.add(obj)
        else:
            obj = documents.get(record.key)
            if obj is None:
                kind, name = record.key
                obj = documents[record.key] = SloDocument(kind=kind, name=name)
                session.add(obj)
        for name, value in record.values.items():
            setattr(obj, name, value)
        obj.batch_id = batch_id
        obj.updated_at = now
    session.flush()


def check_services(
    session: Session, records: Iterable[SpecRecord], field: str, prefixed: bool = False
) -> list[Problem]:
    """Warn about SLOs whose service the catalog does not hold (the SLO still lands).
    ``prefixed``: the field is under the record's prefix (an OpenSLO list item's ``[i].``)."""
    known = set(session.scalars(select(Service.name)))
    return [
        Problem(
            record.file,
            f"refers to unknown service {record.values['service']!r}: every SLO belongs to a "
            "catalog service; kept, define the service in the catalog",
            record.row,
            f"{record.field_prefix}{field}" if prefixed else field,
            record.values["service"],
            "warning",
            record.raw,
            record.item,
        )
        for record in records
        if record.model is Slo and record.values["service"] not in known
    ]


# --- OpenSLO documents for SLOs that did not come from OpenSLO ------------------------------

# Read back by the OpenSLO source: a burn-rate condition's short window (OpenSLO has only one).
SHORT_WINDOW_ANNOTATION = "leadline.io/short-window"
BUDGETING = {
    "occurrences": "Occurrences",
    "timeslices": "Timeslices",
    "ratio_timeslices": "RatioTimeslices",
}
CALENDAR_DURATIONS = {"week": "1w", "month": "1M", "quarter": "1Q", "year": "1Y"}


def _metric(datasource: Any, query: Any) -> dict[str, Any]:
    source: dict[str, Any] = {"metricSourceRef": datasource} if datasource else {}
    source["type"] = "Prometheus" if not datasource else source.pop("type", None)
    source = {k: v for k, v in source.items() if v is not None}
    source["spec"] = query if isinstance(query, dict) else {"query": query}
    return {"metricSource": source}


def _sli_spec(slo: Slo) -> dict[str, Any]:
    ind = slo.indicator or {}
    ds = ind.get("datasource")
    if slo.sli_kind == "threshold":
        query = ind.get("metric")
        if ind.get("histogram") and isinstance(query, str):
            query = {"query": query, "histogram": ind["histogram"]}
        return {"thresholdMetric": _metric(ds, query)}
    for key, raw_type in (("error_ratio", "failure"), ("good_ratio", "success")):
        if key in ind:
            return {"ratioMetric": {"rawType": raw_type, "raw": _metric(ds, ind[key])}}
    ratio: dict[str, Any] = {"counter": True}
    for key in ("good", "bad", "total"):
        if ind.get(key) is not None:
            ratio[key] = _metric(ds, ind[key])
    return {"ratioMetric": ratio}


def _policy(slo: Slo, rule: dict[str, Any]) -> dict[str, Any]:
    name = f"{slo.name}-{rule['severity']}-{rule['long_window']}"
    return {
        "kind": "AlertPolicy",
        "metadata": {"name": name},
        "spec": {
            "alertWhenBreaching": True,
            "conditions": [
                {
                    "kind": "AlertCondition",
                    "metadata": {
                        "name": f"{name}-burn-rate",
                        "annotations": {SHORT_WINDOW_ANNOTATION: rule["short_window"]},
                    },
                    "spec": {
                        "severity": rule["severity"],
                        "condition": {
                            "kind": "burnrate",
                            "op": "gt",
                            "threshold": rule["factor"],
                            "lookbackWindow": rule["long_window"],
                            "alertAfter": "0m",
                        },
                    },
                }
            ],
            "notificationTargets": [],
        },
    }


def generate_openslo(slo: Slo) -> dict[str, Any]:
    """An OpenSLO v1 SLO document for an SLO that did not come from OpenSLO (Sloth, ...).
    Importing it gives back the same normalised row."""
    metadata: dict[str, Any] = {"name": slo.name}
    if slo.display_name:
        metadata["displayName"] = slo.display_name
    if slo.window_kind == "calendar":
        window: dict[str, Any] = {
            "duration": CALENDAR_DURATIONS[slo.calendar_unit or "month"],
            "isRolling": False,
            "calendar": {"startTime": "2020-01-01 00:00:00", "timeZone": "UTC"},
        }
    else:
        window = {"duration": f"{slo.window_days}d", "isRolling": True}
    objective: dict[str, Any] = {"target": slo.objective}
    if slo.sli_kind == "threshold":
        objective.update(op=slo.indicator["op"], value=slo.indicator["threshold"])
    method = BUDGETING[slo.budgeting]
    if slo.budgeting in ("timeslices", "ratio_timeslices"):
        if slo.budgeting == "timeslices":
            objective["timeSliceTarget"] = slo.timeslice_target
        objective["timeSliceWindow"] = format_seconds(slo.timeslice_seconds or 60)
    spec: dict[str, Any] = {"service": slo.service}
    if slo.description:
        spec["description"] = slo.description
    spec.update(
        indicator={"metadata": {"name": f"{slo.name}-sli"}, "spec": _sli_spec(slo)},
        timeWindow=[window],
        budgetingMethod=method,
        objectives=[objective],
    )
    if slo.alerting:
        spec["alertPolicies"] = [_policy(slo, rule) for rule in slo.alerting]
    return {"apiVersion": "openslo/v1", "kind": "SLO", "metadata": metadata, "spec": spec}
