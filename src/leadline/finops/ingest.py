"""``focus``: FOCUS cost and usage exports (CSV, gzip CSV, Parquet; FOCUS 1.0–1.3) → cost lines.

The file is streamed block by block (never whole in memory): each block is validated column by
column (types, allowed values, decimal costs, JSON Tags), then checked row by row where FOCUS
relates columns (an ISO 4217 BillingCurrency, periods that end after they start, Tags that are a
JSON object). Nothing of a bill is lost: a line is rejected (naming file, row, column and
reason) only when its money cannot be known (a cost that is not a number, no currency, no
period); any other spec violation is a warning recorded against the line, which lands with the
value null and the file's text of it in ``verbatim``, as are digits beyond the lake's scale.
Each batch records read vs landed money per billing period and currency (``bill_totals``).
A re-ingested bill (same provider, billing account and billing period) replaces the earlier
one: providers restate bills, and adding them again would double count.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leadline.finops.bill_totals import BillTotals
from leadline.finops.blocks import csv_blocks, header_of, kind_of, parquet_blocks, plain_csv
from leadline.finops.currencies import ISO_4217
from leadline.finops.focus import (
    ALIASES,
    BY_FOCUS,
    COLUMNS,
    FILLS,
    LENIENT,
    canonical_names,
    focus_format,
    missing_mandatory,
)
from leadline.finops.focus_checks import KnownTags, check_rows, line_warnings
from leadline.finops.focus_columns import KnownValues, validate_focus_block
from leadline.finops.schemas import BILL_KEY, COST_LINES, COST_RECONCILIATION
from leadline.ingest.csv_checks import VERBATIM_COLUMN
from leadline.ingest.problems import InputError, Parsed, Problem
from leadline.ingest.registry import (
    CliOption,
    Context,
    LandContext,
    Source,
    Template,
    Unit,
    register,
)
from leadline.ingest.tabular import EXTRA_COLUMN, ROW_COLUMN, CsvFormat
from leadline.ingest.values import string_layout

ORIGIN = "focus"
NULL_LITERALS = pa.array(["null", "NULL", "Null"])
WORKERS = 2  # blocks checked at once; memory stays a few blocks whatever the file size
LANDING = 1  # checked blocks waiting for the lander thread besides the one it writes


@dataclass
class FocusPlan:
    """What ``parse`` learnt from the header; ``land`` streams the rows."""

    path: Path
    kind: str
    header: list[str]
    version: str
    fmt: CsvFormat
    naive_timezone: str
    warnings: list[Problem] = field(default_factory=list)
    currency: str | None = None  # fills BillingCurrency when the file lacks it


def detect_version(header: list[str]) -> str:
    """The FOCUS version a header looks like: 1.3 added ServiceProviderName, HostProviderName,
    ContractApplied and the Allocated* split-cost columns; 1.2 added InvoiceId and
    PricingCurrency; 1.1 added ServiceSubcategory and CommitmentDiscountQuantity; else 1.0."""
    names = set(header)
    if names & {
        "ServiceProviderName",
        "HostProviderName",
        "ContractApplied",
        "AllocatedMethodId",
        "AllocatedResourceId",
        "AllocatedTags",
    }:
        return "1.3"
    if names & {"InvoiceId", "PricingCurrency", "BillingAccountType", "SubAccountType"}:
        return "1.2"
    if names & {"ServiceSubcategory", "CommitmentDiscountQuantity", "CapacityReservationId"}:
        return "1.1"
    return "1.0"


def plan(path: Path, partial: bool, naive_timezone: str, currency: str | None = None) -> FocusPlan:
    """Check the header: refuse a file that lacks mandatory columns (or, with ``partial``, the
    columns leadline needs), naming them. ``currency`` stands for an absent BillingCurrency."""
    kind = kind_of(path)
    header = header_of(path, kind)
    name = str(path)
    if not header:
        raise InputError(Problem(name, "has no header row"))
    canonical = canonical_names(header)
    if currency and partial and "BillingCurrency" not in canonical:
        if currency not in ISO_4217:
            raise InputError(Problem(name, f"--currency {currency!r} is not an ISO 4217 code"))
        canonical.append("BillingCurrency")
    needed = [c.focus for c in COLUMNS if c.needed and c.focus not in canonical]
    missing = missing_mandatory(header)
    if needed or (missing and not partial):
        lacking = needed if partial else missing
        raise InputError(
            Problem(
                name,
                f"is not a FOCUS export: the header lacks {', '.join(lacking)}"
                + ("" if partial else " (use --partial for exports with fewer columns)"),
                1,
                lacking[0],
            )
        )
    warnings = []
    if missing:
        warnings.append(
            Problem(
                name,
                f"partial FOCUS file: {len(missing)} mandatory column(s) absent "
                f"({', '.join(missing[:6])}{', ...' if len(missing) > 6 else ''})",
                1,
                missing[0],
                severity="warning",
                item="header",
            )
        )
    return FocusPlan(
        path,
        kind,
        header,
        detect_version(header),
        focus_format(canonical),
        naive_timezone,
        warnings,
        currency if "BillingCurrency" not in header else None,
    )


def _blocks(plan: FocusPlan, problems: list[Problem]) -> Iterator[pa.Table]:
    if plan.kind == "parquet":
        yield from parquet_blocks(plan.path)
        return
    with plain_csv(plan.path, plan.kind) as csv_path:
        # the header was checked by plan(), with aliases and --currency taken into account
        yield from csv_blocks(csv_path, CsvFormat("focus", "", ()), problems)


def _canonical(block: pa.Table, currency: str | None) -> pa.Table:
    """FOCUS names for aliased columns, deprecated columns filled by their successors,
    ``null`` literals as empty values (FOCUS's example tables write null as ``null``), and the
    --currency column when the file has none."""
    block = block.rename_columns([ALIASES.get(n, n) for n in block.column_names])
    for old, new in FILLS.items():  # 1.3: ServiceProviderName stands for ProviderName
        if old not in block.column_names and new in block.column_names:
            block = block.append_column(old, block.column(new))
    for index, name in enumerate(block.column_names):
        if name == ROW_COLUMN:
            continue
        text = block.column(index)
        if not _may_hold_null_literal(text):
            continue
        is_null = pc.is_in(text, value_set=NULL_LITERALS)
        if pc.any(is_null).as_py():
            block = block.set_column(index, name, pc.if_else(is_null, "", text))
    if currency is not None:
        block = block.append_column("BillingCurrency", _repeated(currency, block.num_rows))
    return block


def _may_hold_null_literal(text: pa.ChunkedArray) -> bool:
    """Whether some value may be a ``null`` literal: four bytes starting with ``n`` or ``N``
    (checked on the offsets and first bytes, far cheaper than a set lookup per value)."""
    for chunk in text.chunks:
        layout = string_layout(chunk)
        if layout is None or chunk.null_count:
            return True
        offsets, data = layout
        starts = offsets[:-1][np.diff(offsets) == 4]
        if len(starts) and np.isin(data[starts], _N_BYTES).any():
            return True
    return False


_N_BYTES = np.array([ord("n"), ord("N")], dtype=np.uint8)


def _repeated(text: str, n: int) -> pa.Array:
    """``text`` on each of ``n`` lines, without a Python list of them."""
    return pa.repeat(pa.scalar(text, pa.string()), n)


def to_lake(
    plan: FocusPlan,
    table: pa.Table,
    maps: dict[str, pa.Array],
    warnings: pa.Array | None = None,
) -> pa.Table:
    """Landing FOCUS rows in the cost-lines shape (``maps``: the tag columns read as maps)."""
    n = table.num_rows
    columns: dict[str, pa.Array] = {}
    for column in COLUMNS:
        if column.lake in maps:
            columns[column.lake] = maps[column.lake]
        else:
            columns[column.lake] = table.column(column.focus)
    columns.update(
        origin=_repeated(ORIGIN, n),
        focus_version=_repeated(plan.version, n),
        gl_account=pa.nulls(n, pa.string()),
        cost_center=pa.nulls(n, pa.string()),
        cost_pool=pa.nulls(n, pa.string()),
        extra=table.column(EXTRA_COLUMN),
        verbatim=(
            table.column(VERBATIM_COLUMN)
            if VERBATIM_COLUMN in table.column_names
            else pa.nulls(n, pa.string())
        ),
        warnings=warnings if warnings is not None else pa.nulls(n, pa.string()),
        file=_repeated(plan.path.name, n),
        line=table.column(ROW_COLUMN),
    )
    return pa.table(columns).cast(COST_LINES.schema)


@register
class FocusSource(Source):
    name = "focus"
    summary = "FOCUS 1.0-1.3 cost and usage exports (CSV, gzip CSV or Parquet), streamed"
    writes_lake = True
    load_bytes = False
    hash_while_landing = True  # the file's SHA-256 on another core while it is read
    cli_options = (
        CliOption(
            "partial",
            "Accept exports that lack some FOCUS mandatory columns (warned), as long as they "
            "carry BilledCost, EffectiveCost, BillingCurrency, the periods and ChargeCategory.",
            bool,
            False,
        ),
        CliOption(
            "currency",
            "ISO 4217 BillingCurrency of a --partial file that has no BillingCurrency column.",
        ),
    )

    def templates(self) -> list[Template]:
        header = ",".join(c.focus for c in COLUMNS)
        doc = "\n".join(
            f"#   {c.focus}: {c.column.type}, {'mandatory' if c.mandatory else 'optional'}"
            f"{'; one of ' + ', '.join(c.column.choices) if c.column.choices else ''}"
            for c in COLUMNS
        )
        text = f"# FOCUS cost and usage export (FOCUS 1.0 column names).\n{doc}\n{header}\n"
        return [Template("focus.csv", text)]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        (input_file,) = unit.files
        found = plan(
            input_file.path,
            bool(ctx.options.get("partial")),
            ctx.settings.naive_timezone,
            ctx.options.get("currency"),
        )
        return Parsed(records=found, problems=list(found.warnings))

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        """Stream the file: this thread reads blocks, two worker threads check them (pyarrow
        and DuckDB release the GIL), and one lander thread writes them to the lake in file
        order (the only thread that touches the lake writer and its session). Reading,
        checking and the Parquet writes overlap; a few blocks are in flight at most."""
        assert ctx.lake is not None
        found: FocusPlan = parsed.records
        seen_bills: set[str] = set()
        problems: list[Problem] = []
        reader_problems: list[Problem] = []
        local = threading.local()
        root = duckdb.connect(config={"threads": 1})  # tiny queries (distinct Tags): no pool

        totals = BillTotals()
        known = KnownValues()  # repetitive columns' values checked once per file
        known_tags = KnownTags()  # and tag texts parsed once per file

        def prepare(block: pa.Table) -> Prepared:
            if not hasattr(local, "con"):
                local.con = root.cursor()
            return _prepare(found, block, local.con, known, known_tags)

        def land_one(future: Future[Prepared]) -> None:
            lines, found_problems, block_totals = future.result()
            problems.extend(found_problems)
            totals.merge(block_totals)
            _replace_restated(ctx, lines, seen_bills)
            ctx.lake.append(COST_LINES, lines)  # type: ignore[union-attr]
            ctx.progress(0)

        try:
            with (
                ThreadPoolExecutor(max_workers=WORKERS) as pool,
                ThreadPoolExecutor(max_workers=1) as lander,
            ):
                pending: deque[Future[Prepared]] = deque()
                landing: deque[Future[None]] = deque()
                for block in _blocks(found, reader_problems):
                    ctx.check_landed()  # a re-ingest stops once the hash shows it landed
                    parsed.rows_read += block.num_rows
                    pending.append(pool.submit(prepare, block))
                    while len(pending) > WORKERS:
                        landing.append(lander.submit(land_one, pending.popleft()))
                    while len(landing) > LANDING:  # wait for the oldest: memory stays bounded
                        landing.popleft().result()
                while pending:
                    landing.append(lander.submit(land_one, pending.popleft()))
                while landing:
                    landing.popleft().result()
        finally:
            root.close()
        parsed.rows_read += len(reader_problems)
        totals.add_rejected(reader_problems, found.naive_timezone)
        landed_at = dt.datetime.now(dt.UTC)
        ctx.lake.append(COST_RECONCILIATION, totals.table(landed_at, found.path.name))
        return reader_problems + problems + _differences(str(found.path), totals)


Prepared = tuple[pa.Table, list[Problem], BillTotals]


def _prepare(
    found: FocusPlan,
    block: pa.Table,
    con: duckdb.DuckDBPyConnection,
    known: KnownValues,
    known_tags: KnownTags,
) -> Prepared:
    """One block: typed, checked, in the cost-lines shape, with its problems and money."""
    name = str(found.path)
    canonical = _canonical(block, found.currency)
    typed, problems = validate_focus_block(
        name, found.fmt, canonical, found.naive_timezone, LENIENT, known=known
    )
    kept, bad_rows, maps = check_rows(name, typed, con, known_tags)
    found_problems = problems + bad_rows
    lines = to_lake(found, kept, maps, line_warnings(kept, found_problems))
    totals = BillTotals()
    totals.add_landed(lines)
    totals.add_rejected(found_problems, found.naive_timezone)
    return lines, found_problems, totals


def _differences(name: str, totals: BillTotals) -> list[Problem]:
    """One warning per billing period and currency whose landed money differs from the read."""
    out = []
    for (period, currency), sums in totals.sums.items():
        lost_billed = sums.read_billed - sums.landed_billed
        lost_effective = sums.read_effective - sums.landed_effective
        if not (lost_billed or lost_effective or sums.unknown_lines):
            continue
        out.append(
            Problem(
                name,
                f"billing period {period.date().isoformat() if period else 'unreadable'}, "
                f"{currency or 'no currency'}: {sums.read_lines - sums.landed_lines} line(s) "
                f"not landed ({sums.unknown_lines} with a cost that is not a number); "
                f"BilledCost read {sums.read_billed} landed {sums.landed_billed}, "
                f"EffectiveCost read {sums.read_effective} landed {sums.landed_effective} "
                "(leadline finops reconcile)",
                severity="warning",
                field="BilledCost",
                item="reconciliation",
            )
        )
    return out


def _replace_restated(ctx: LandContext, lines: pa.Table, seen: set[str]) -> None:
    """Remove earlier batches' lines of the bills this block starts (first time seen)."""
    assert ctx.lake is not None
    if lines.num_rows == 0:
        return
    keys = lines.select(list(BILL_KEY)).group_by(list(BILL_KEY)).aggregate([])
    fresh = [
        i
        for i, key in enumerate(keys.to_pylist())
        if json.dumps(key, default=str, sort_keys=True) not in seen
    ]
    if not fresh:
        return
    new_keys = keys.take(pa.array(fresh, pa.int64()))
    for key in new_keys.to_pylist():
        seen.add(json.dumps(key, default=str, sort_keys=True))
    ctx.lake.delete_matching(COST_LINES, BILL_KEY, new_keys)


__all__ = ["BY_FOCUS", "FocusSource", "plan"]
