"""Risk sources: NIST's CSF export (``csf-core``), framework libraries (``framework-library``)
and the risk register as CSV (``risks-csv``).

Each risk row is checked against the risk matrix, the CSF 2.0 and COBIT 2019 libraries and the
date order, and rejected with its row and field when wrong; a good row creates or updates the
risk by ``risk_id`` with an audit entry (actor: ``LEADLINE_ACTOR`` or the OS user, via
``ingest``), so re-importing an edited export records exactly what changed.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from leadline.audit import actor_name
from leadline.ingest.files import decode_utf8, load_yaml_documents
from leadline.ingest.problems import InputError, Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Template, Unit, register
from leadline.ingest.tabular import Column, CsvFormat
from leadline.risk.frameworks import BUILTIN_FILES, Library, parse_library
from leadline.risk.models import Framework, FrameworkNode
from leadline.risk.oscal import read_csf_core
from leadline.risk.risks import (
    STATUSES,
    TREATMENTS,
    RiskError,
    check,
    normalise,
    parse_actions,
    save,
)
from leadline.risk.rows import CatalogNames, RowCsvSource, row_problem, split_list, unknown_warnings
from leadline.risk.scoring import Matrix

RISKS_CSV = CsvFormat(
    "risks",
    "Risk register, one risk per row (leadline ingest risks-csv FILE; "
    "leadline risk register --all --format csv exports these columns first).",
    (
        Column("risk_id", description="Stable id of the risk", example="R-001"),
        Column("title", description="Short name of the risk"),
        Column("description", required=False, description="What could happen and why"),
        Column("owner", description="Accountable person"),
        Column("category", description="Your risk category", example="security"),
        Column("status", required=False, choices=STATUSES, description="Default open"),
        Column(
            "csf_subcategories",
            required=False,
            description="CSF 2.0 subcategory ids separated by ';'",
            example="PR.AA-05;DE.CM-01",
        ),
        Column(
            "cobit_objectives",
            required=False,
            description="COBIT 2019 objectives separated by ';'",
            example="APO12;DSS05",
        ),
        Column("services", required=False, description="Catalog services separated by ';'"),
        Column("teams", required=False, description="Catalog teams separated by ';'"),
        Column("likelihood", "int", description="1..N on the risk matrix (default 5)"),
        Column("impact", "int", description="1..N on the risk matrix (default 5)"),
        Column(
            "residual_likelihood",
            "int",
            required=False,
            description="After treatment (default: likelihood)",
        ),
        Column(
            "residual_impact",
            "int",
            required=False,
            description="After treatment (default: impact)",
        ),
        Column("treatment", choices=TREATMENTS, description="How the risk is treated"),
        Column(
            "actions",
            "json",
            required=False,
            description='JSON list of {"action", "owner", "due_on", "status": open|done}',
        ),
        Column(
            "review_every_days",
            "int",
            required=False,
            description="Review cadence (default [risk] review_every_days)",
        ),
        Column("identified_on", "date", description="When the risk was recorded (YYYY-MM-DD)"),
        Column("last_reviewed_on", "date", required=False, description="Latest review"),
        Column("closed_on", "date", required=False, description="Required when status is closed"),
    ),
)

CSV_FIELDS = {  # CSV column -> risk attribute, where they differ
    "risk_id": "key",
    "csf_subcategories": "csf",
    "cobit_objectives": "cobit",
}


def risk_values(row: dict[str, Any]) -> dict[str, Any]:
    """A CSV row as risk attributes (lists split, actions parsed, empty text as None)."""
    values: dict[str, Any] = {}
    for column in RISKS_CSV.columns:
        value = row.get(column.name)
        attribute = CSV_FIELDS.get(column.name, column.name)
        if column.name in ("csf_subcategories", "cobit_objectives", "services", "teams"):
            value = split_list(value)
        elif column.name == "actions":
            value = json.loads(value) if value else []
        elif value == "":
            value = None
        values[attribute] = value
    values["status"] = values.get("status") or "open"
    return values


@register
class RisksCsv(RowCsvSource):
    name = "risks-csv"
    summary = "Risk register as CSV: risk_id, title, owner, likelihood, impact, treatment, ..."
    format = RISKS_CSV
    load_bytes = False
    key_field = "risk_id"
    key_description = "risk_id"

    def row_key(self, row: dict[str, Any]) -> Any:
        return row["risk_id"]

    def check(self, file: str, row: dict[str, Any], ctx: Context) -> list[Problem]:
        values = risk_values(row)
        try:
            values["actions"] = parse_actions(values["actions"])
        except ValueError as error:
            return [row_problem(file, row, "actions", str(error))]
        matrix = Matrix.from_settings(ctx.settings.risk)
        by_attribute = {v: k for k, v in CSV_FIELDS.items()}
        problems = [
            (f, r)
            for f, r in check(normalise(values), matrix)
            if not (f.startswith("residual_") and row[f] is None)  # defaulted: said once
        ]
        return [row_problem(file, row, by_attribute.get(f, f), r) for f, r in problems]

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        matrix = Matrix.from_settings(ctx.settings.risk)
        names = CatalogNames.load(ctx.session)
        actor, problems = actor_name(), []
        for row in parsed.records:
            values = risk_values(row)
            values["actions"] = parse_actions(values["actions"])
            try:
                save(ctx.session, values, matrix, actor=actor, via="ingest", batch_id=ctx.batch.id)
            except RiskError as error:  # checked in parse; kept for safety
                problems += [row_problem(ctx.batch.file_name, row, f, r) for f, r in error.problems]
                continue
            problems += unknown_warnings(
                ctx.batch.file_name,
                row,
                "services",
                "service",
                names.unknown("service", values["services"]),
            )
            problems += unknown_warnings(
                ctx.batch.file_name, row, "teams", "team", names.unknown("team", values["teams"])
            )
        return problems


def store_library(
    session: Session,
    library: Library,
    origin: str,
    batch_id: int | None,
    statements: dict[str, str] | None = None,
) -> Framework:
    """Insert or replace a framework and all its nodes."""
    spec = library.framework
    framework = session.scalar(select(Framework).where(Framework.key == spec.id))
    if framework is None:
        framework = Framework(key=spec.id)
        session.add(framework)
    framework.name, framework.version, framework.source = spec.name, spec.version, spec.source
    framework.origin, framework.levels, framework.scale = origin, spec.levels, spec.scale
    framework.batch_id = batch_id
    session.flush()
    session.execute(delete(FrameworkNode).where(FrameworkNode.framework_id == framework.id))
    for position, node in enumerate(library.nodes):
        session.add(
            FrameworkNode(
                framework_id=framework.id,
                node_id=node.id,
                level=node.level,
                parent=node.parent,
                name=node.name,
                summary=node.summary,
                statement=(statements or {}).get(node.id),
                kind=node.kind,
                position=position,
            )
        )
    session.flush()
    return framework


@register
class CsfCoreSource(Source):
    name = "csf-core"
    summary = (
        "NIST's official CSF 2.0 export (OSCAL catalog, XML or JSON); withdrawn items reported"
    )

    def templates(self) -> list[Template]:
        return []

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        (input_file,) = unit.files
        try:
            core = read_csf_core(input_file.data)
        except ValueError as error:
            raise InputError(Problem(input_file.name, str(error))) from None
        problems = [
            Problem(
                input_file.name,
                f"{w.level} {w.id} is withdrawn in CSF 2.0 (a CSF 1.1 item without 2.0 "
                "content); not imported",
                None,
                w.id,
                w.title or None,
                "error",
                None,
                w.id,
            )
            for w in core.withdrawn
        ]
        return Parsed(
            rows_read=len(core.library.nodes) + len(core.withdrawn), records=core, problems=problems
        )

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        core = parsed.records
        store_library(ctx.session, core.library, "nist-oscal", ctx.batch.id, core.statements)
        return []


LIBRARY_TEMPLATE = """\
# A framework library: an organisation's own policy set (or any framework) as a tree.
#   leadline ingest framework-library FILE.yaml
# levels orders the tree from the root down; a node's parent is on the level above and is
# listed before it. Controls refer to nodes as FRAMEWORK-ID:NODE-ID in their policies.
framework:
  id: northwind-policies
  name: Northwind information security policies
  version: "2026.1"
  levels: [policy, standard]
nodes:
  - {id: POL-AC, level: policy, name: Access control policy}
  - {id: STD-AC-01, level: standard, parent: POL-AC, name: Multi-factor authentication,
     summary: Every interactive login to production uses MFA.}
"""


@register
class FrameworkLibrarySource(Source):
    name = "framework-library"
    summary = "A framework library as YAML (an organisation's policy set): framework + nodes"

    def templates(self) -> list[Template]:
        return [Template("framework-library.yaml", LIBRARY_TEMPLATE)]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        (input_file,) = unit.files
        text = decode_utf8(input_file.name, input_file.data)
        records, problems, read = [], [], 0
        for item in load_yaml_documents(input_file.name, text):
            read += 1  # a document the loader refused is read and rejected
            if isinstance(item, Problem):
                problems.append(item)
                continue
            try:
                library = parse_library(item.content)
            except ValueError as error:
                problems.append(Problem(input_file.name, str(error), item.index))
                continue
            if library.framework.id in BUILTIN_FILES:
                problems.append(
                    Problem(
                        input_file.name,
                        f"{library.framework.id!r} is a built-in framework; give yours another id",
                        item.index,
                        "framework.id",
                        library.framework.id,
                    )
                )
                continue
            records.append(library)
        return Parsed(rows_read=read, records=records, problems=problems)

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        for library in parsed.records:
            store_library(ctx.session, library, "library", ctx.batch.id)
        return []
