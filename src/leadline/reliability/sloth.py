"""Sloth ``prometheus/v1`` specifications (``leadline ingest sloth``).

A spec names one service (the catalog service its SLOs belong to) and lists SLOs. Each becomes a
leadline SLO named ``<service>-<name>``, the ID Sloth gives it in its rules (``sloth_id``). Sloth
has no window in the spec: it uses its default SLO period, 30 days rolling, and counts events
(occurrences). Its page and ticket alerts are its default 30-day multiwindow burn-rate alerts.
SLI plugins are rejected: they are Go code run inside Sloth, whose query leadline cannot know.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator

from leadline.catalog.records import storable_problems
from leadline.ingest.files import YamlDocument
from leadline.ingest.nulls import NullAsAbsent
from leadline.ingest.problems import Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Template, Unit, register
from leadline.reliability import specs
from leadline.reliability.models import Slo
from leadline.reliability.specs import SpecRecord

VERSION = "prometheus/v1"
FORMAT = "sloth/v1"


class _Model(NullAsAbsent):
    # YAML's .nan and .inf are floats; a non-finite threshold or target is refused (issue 16)
    model_config = ConfigDict(extra="allow", allow_inf_nan=False)


class Events(_Model):
    error_query: str = Field(min_length=1)
    total_query: str = Field(min_length=1)


class Raw(_Model):
    # Sloth's current field is errorRatioQuery; releases before 0.10 used error_ratio_query.
    errorRatioQuery: str | None = None
    error_ratio_query: str | None = None

    @model_validator(mode="after")
    def _one_query(self) -> Raw:
        if not (self.errorRatioQuery or self.error_ratio_query):
            raise ValueError("needs errorRatioQuery")
        return self


class Sli(_Model):
    events: Events | None = None
    raw: Raw | None = None
    plugin: dict[str, Any] | None = None

    @field_validator("plugin")
    @classmethod
    def _no_plugins(cls, v: dict[str, Any] | None) -> None:
        if v is not None:
            raise ValueError(
                "SLI plugins are not supported: the plugin builds its query inside Sloth; "
                "write the SLI as events (error_query, total_query) or raw (errorRatioQuery)"
            )

    @model_validator(mode="after")
    def _one_kind(self) -> Sli:
        if (self.events is None) == (self.raw is None):
            raise ValueError("needs exactly one of events or raw")
        return self


class Alert(_Model):
    disable: bool = False


class Alerting(_Model):
    page_alert: Alert = Field(default_factory=Alert)
    ticket_alert: Alert = Field(default_factory=Alert)


class SlothSlo(_Model):
    name: str = Field(min_length=1)
    description: str | None = None
    objective: float
    sli: Sli
    alerting: Alerting = Field(default_factory=Alerting)

    @field_validator("objective")
    @classmethod
    def _percent(cls, v: float) -> float:
        if not 0 < v < 100:
            raise ValueError(
                "objective must be a percentage above 0 and below 100, e.g. 99.9 "
                "(100 leaves no error budget)"
            )
        return v


def _values(service: str, slo: SlothSlo, document: dict[str, Any]) -> dict[str, Any]:
    if slo.sli.events is not None:
        indicator = {
            "datasource": None,
            "bad": slo.sli.events.error_query,
            "total": slo.sli.events.total_query,
        }
    else:
        assert slo.sli.raw is not None
        query = slo.sli.raw.errorRatioQuery or slo.sli.raw.error_ratio_query
        indicator = {"datasource": None, "error_ratio": query}
    alerting = [
        rule
        for severity, alert in (
            ("page", slo.alerting.page_alert),
            ("ticket", slo.alerting.ticket_alert),
        )
        if not alert.disable
        for rule in specs.SLOTH_RULES[severity]
    ]
    return {
        "service": service,
        "display_name": None,
        "description": slo.description,
        "objective": specs.fraction(slo.objective),
        "window_kind": "rolling",
        "window_days": specs.SLOTH_WINDOW_DAYS,
        "calendar_unit": None,
        "budgeting": "occurrences",
        "timeslice_target": None,
        "timeslice_seconds": None,
        "sli_kind": "ratio",
        "indicator": indicator,
        "alerting": alerting,
        "document": document,
        "source_format": FORMAT,
    }


def _other_format(content: dict[str, Any]) -> str:
    """Why a document of one of Sloth's other input formats is refused, and where it goes."""
    kind = content.get("kind")
    api = str(content["apiVersion"])
    if api.startswith("openslo/"):
        where = "OpenSLO v1 documents are read by leadline ingest openslo; other versions are not"
    elif api.startswith("sloth.slok.dev/"):
        where = (
            "sloth.slok.dev documents (the Kubernetes PrometheusServiceLevel, AlertWindows) are "
            "not read; give the SLOs as a prometheus/v1 spec (Sloth's default 30-day windows)"
        )
    else:
        where = "leadline ingest sloth reads Sloth's prometheus/v1 spec only"
    return f"{api} {kind} is not a Sloth spec with version {VERSION!r}: {where}"


def parse_document(doc: YamlDocument) -> tuple[list[SpecRecord], list[Problem], int]:
    """(records, problems, rows read): one row per SLO, or one for a document rejected whole."""
    content = specs.jsonable(doc.content)
    base = SpecRecord(Slo, None, {}, doc.file, doc.index, raw=content)
    if not isinstance(content, dict):
        return [], [base.problem("a Sloth spec must be a mapping (version, service, slos)")], 1
    if content.get("version") is None and isinstance(content.get("apiVersion"), str):
        return [], [base.problem(_other_format(content), "apiVersion", content["apiVersion"])], 1
    if content.get("version") != VERSION:
        reason = f"version must be {VERSION!r} (Sloth's Prometheus spec)"
        return [], [base.problem(reason, "version", content.get("version"))], 1
    service = content.get("service")
    if not isinstance(service, str) or not service:
        return [], [base.problem("is required: the catalog service of these SLOs", "service")], 1
    entries = content.get("slos")
    if not isinstance(entries, list) or not entries:
        return [], [base.problem("needs at least one SLO", "slos")], 1
    shared = {k: v for k, v in content.items() if k != "slos"}
    records: list[SpecRecord] = []
    problems: list[Problem] = []
    for i, entry in enumerate(entries):
        where = f"slos[{i}]"
        record = SpecRecord(Slo, None, {}, doc.file, doc.index, f"{where}.", where, entry)
        try:
            slo = SlothSlo.model_validate(entry)
        except ValidationError as error:
            problems += specs.validation_problems(error, record.problem)
            continue
        record.key = f"{service}-{slo.name}"
        record.values = _values(service, slo, {**shared, "slos": [entry]})
        records.append(record)
    return records, problems, len(entries)


TEMPLATE = """\
## Sloth prometheus/v1 spec (https://sloth.dev): leadline ingest sloth FILE...
## Each SLO becomes "<service>-<name>" (Sloth's SLO ID), over Sloth's default 30-day rolling
## window; page and ticket alerts are Sloth's default multiwindow burn-rate alerts.
## Remove the leading "# " from the lines below to use the example.
#
# version: "prometheus/v1"
# service: "checkout"                       ## a service of the catalog
# labels:
#   owner: "payments-team"
# slos:
#   - name: "requests-availability"
#     objective: 99.9                       ## percent, above 0 and below 100
#     description: "Checkout requests that do not fail."
#     sli:
#       events:                             ## or raw: {errorRatioQuery: ...}
#         error_query: sum(rate(http_requests_total{job="checkout",code=~"(5..|429)"}[{{.window}}]))
#         total_query: sum(rate(http_requests_total{job="checkout"}[{{.window}}]))
#     alerting:
#       name: CheckoutHighErrorRate
#       page_alert:
#         labels:
#           severity: critical
#       ticket_alert:
#         disable: true                     ## no ticket burn-rate rules for this SLO
"""


@register
class SlothSource(Source):
    name = "sloth"
    summary = "Sloth prometheus/v1 SLO specs (service, labels, slos with events or raw SLIs)"
    group_inputs = True  # one batch per command, so a name defined twice is caught

    def templates(self) -> list[Template]:
        return [Template("sloth.yaml", TEMPLATE)]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        docs, problems = specs.read_documents(unit, ctx.progress)
        read = sum(1 for p in problems if p.row is not None)
        records: list[SpecRecord] = []
        for doc in docs:
            doc_records, doc_problems, doc_read = parse_document(doc)
            records += doc_records
            problems += doc_problems
            read += doc_read
        records, duplicates = specs.drop_duplicates(records)
        records, unstorable = specs.drop_unstorable(records)
        return Parsed(read, records, storable_problems(problems + duplicates + unstorable))

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        specs.upsert(ctx.session, parsed.records, ctx.batch.id)
        return storable_problems(specs.check_services(ctx.session, parsed.records, "service"))
