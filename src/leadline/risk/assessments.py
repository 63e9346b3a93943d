"""Assessment sources: CSF organisational profiles (``csf-profile``) and Zero Trust maturity
(``zero-trust-csv``). Rows are dated; a row with the same key and date corrects it, a new date
adds history. Each batch writes one ``import`` audit entry per profile or assessment.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select

from leadline.audit import actor_name, record
from leadline.ingest.problems import Parsed, Problem
from leadline.ingest.registry import Context, LandContext, register
from leadline.ingest.tabular import Column, CsvFormat
from leadline.risk.frameworks import ZTMM, builtin, csf
from leadline.risk.models import CsfAssessment, ZeroTrustAssessment
from leadline.risk.profiles import STATUSES, tier_number
from leadline.risk.rows import CatalogNames, RowCsvSource, row_problem, unknown_warnings

TIER_CHOICES = ("1", "2", "3", "4", "Partial", "Risk Informed", "Repeatable", "Adaptive")
STAGES = ("Traditional", "Initial", "Advanced", "Optimal")
STAGE_CHOICES = ("1", "2", "3", "4", *STAGES)

CSF_PROFILE_CSV = CsvFormat(
    "csf-profile",
    "CSF 2.0 organisational profile, one subcategory per row (leadline ingest csf-profile FILE).",
    (
        Column("profile", description="Profile name", example="retail-2026"),
        Column("business_unit", required=False, description="Catalog business unit"),
        Column("subcategory", description="CSF 2.0 subcategory id", example="PR.AA-01"),
        Column("current_status", choices=STATUSES, description="Implementation today"),
        Column("current_tier", choices=TIER_CHOICES, description="CSF tier today (1-4 or name)"),
        Column("target_status", choices=STATUSES[:4], description="Implementation aimed for"),
        Column("target_tier", choices=TIER_CHOICES, description="CSF tier aimed for"),
        Column("owner", required=False, description="Who owns the outcome"),
        Column("evidence", required=False, description="Where the evidence is"),
        Column("notes", required=False, description="Anything else"),
        Column("assessed_on", "date", description="Date of the assessment (YYYY-MM-DD)"),
    ),
)

ZERO_TRUST_CSV = CsvFormat(
    "zero-trust",
    "CISA Zero Trust Maturity Model 2.0 assessment, one pillar, capability or function per row "
    "(leadline ingest zero-trust-csv FILE).",
    (
        Column("assessment", description="Assessment name", example="northwind"),
        Column("business_unit", required=False, description="Catalog business unit"),
        Column(
            "pillar",
            description="Pillar, cross-cutting capability or function id (leadline risk "
            "frameworks --id cisa-ztmm-2.0)",
            example="identity",
        ),
        Column("current_stage", choices=STAGE_CHOICES, description="Stage today (1-4 or name)"),
        Column("target_stage", choices=STAGE_CHOICES, required=False, description="Aimed for"),
        Column("assessed_on", "date", description="Date of the assessment"),
        Column("assessor", required=False, description="Who assessed"),
        Column("evidence", required=False, description="Where the evidence is"),
        Column("notes", required=False, description="Anything else"),
    ),
)


def stage_number(value: str) -> int:
    text = value.strip()
    if text in ("1", "2", "3", "4"):
        return int(text)
    return [s.lower() for s in STAGES].index(text.lower()) + 1


def _import_audit(ctx: LandContext, entity_type: str, counts: Counter[str]) -> None:
    assert ctx.session is not None and ctx.batch is not None
    for name, count in sorted(counts.items()):
        record(
            ctx.session,
            actor=actor_name(),
            action="import",
            entity_type=entity_type,
            entity_id=name,
            after={"rows": count, "batch": ctx.batch.id, "file": ctx.batch.file_name},
            via="ingest",
        )


@register
class CsfProfileCsv(RowCsvSource):
    name = "csf-profile"
    summary = "CSF 2.0 profile as CSV: profile, subcategory, current/target status and tier, ..."
    format = CSF_PROFILE_CSV
    load_bytes = False
    key_field = "subcategory"
    key_description = "profile, subcategory and assessed_on"
    key_columns = ("profile", "subcategory", "assessed_on")

    def row_key(self, row: dict[str, Any]) -> Any:
        return (row["profile"], row["subcategory"].strip().upper(), row["assessed_on"])

    def check(self, file: str, row: dict[str, Any], ctx: Context) -> list[Problem]:
        row["subcategory"] = row["subcategory"].strip().upper()
        if csf().unknown([row["subcategory"]], "subcategory"):
            return [row_problem(file, row, "subcategory", "is not a CSF 2.0 subcategory id")]
        if tier_number(row["target_tier"]) < tier_number(row["current_tier"]):
            reason = "is below current_tier (the target asks for less than today)"
            return [row_problem(file, row, "target_tier", reason, severity="warning")]
        return []

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        names = CatalogNames.load(ctx.session)
        problems: list[Problem] = []
        counts: Counter[str] = Counter()
        for row in parsed.records:
            existing = ctx.session.scalar(
                select(CsfAssessment).where(
                    CsfAssessment.profile == row["profile"],
                    CsfAssessment.subcategory == row["subcategory"],
                    CsfAssessment.assessed_on == row["assessed_on"],
                )
            )
            item = existing or CsfAssessment(
                profile=row["profile"],
                subcategory=row["subcategory"],
                assessed_on=row["assessed_on"],
            )
            item.business_unit = row["business_unit"] or None
            item.current_status, item.target_status = row["current_status"], row["target_status"]
            item.current_tier = tier_number(row["current_tier"])
            item.target_tier = tier_number(row["target_tier"])
            item.owner, item.evidence = row["owner"] or None, row["evidence"] or None
            item.notes, item.batch_id = row["notes"] or None, ctx.batch.id
            ctx.session.add(item)
            counts[row["profile"]] += 1
            unit = [row["business_unit"]] if row["business_unit"] else []
            problems += unknown_warnings(
                ctx.batch.file_name,
                row,
                "business_unit",
                "business unit",
                names.unknown("business-unit", unit),
            )
        ctx.session.flush()
        _import_audit(ctx, "csf_profile", counts)
        return problems


@register
class ZeroTrustCsv(RowCsvSource):
    name = "zero-trust-csv"
    summary = "Zero Trust (CISA ZTMM 2.0) assessment as CSV: assessment, pillar, stages, date"
    format = ZERO_TRUST_CSV
    load_bytes = False
    key_field = "pillar"
    key_description = "assessment, pillar and assessed_on"
    key_columns = ("assessment", "pillar", "assessed_on")

    def row_key(self, row: dict[str, Any]) -> Any:
        return (row["assessment"], row["pillar"].strip().lower(), row["assessed_on"])

    def check(self, file: str, row: dict[str, Any], ctx: Context) -> list[Problem]:
        row["pillar"] = row["pillar"].strip().lower()
        if builtin(ZTMM).unknown([row["pillar"]]):
            reason = "is not a ZTMM 2.0 pillar, capability or function id"
            return [row_problem(file, row, "pillar", reason)]
        if row["target_stage"] and stage_number(row["target_stage"]) < stage_number(
            row["current_stage"]
        ):
            reason = "is below current_stage"
            return [row_problem(file, row, "target_stage", reason, severity="warning")]
        return []

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        counts: Counter[str] = Counter()
        for row in parsed.records:
            existing = ctx.session.scalar(
                select(ZeroTrustAssessment).where(
                    ZeroTrustAssessment.assessment == row["assessment"],
                    ZeroTrustAssessment.node == row["pillar"],
                    ZeroTrustAssessment.assessed_on == row["assessed_on"],
                )
            )
            item = existing or ZeroTrustAssessment(
                assessment=row["assessment"], node=row["pillar"], assessed_on=row["assessed_on"]
            )
            item.business_unit = row["business_unit"] or None
            item.current_stage = stage_number(row["current_stage"])
            item.target_stage = stage_number(row["target_stage"]) if row["target_stage"] else None
            item.assessor, item.evidence = row["assessor"] or None, row["evidence"] or None
            item.notes, item.batch_id = row["notes"] or None, ctx.batch.id
            ctx.session.add(item)
            counts[row["assessment"]] += 1
        ctx.session.flush()
        _import_audit(ctx, "zero_trust_assessment", counts)
        return []
