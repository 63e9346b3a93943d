"""Inputs of the fuzz test (issue 16): one known-good record per ingest source and hypothesis
strategies for hostile files in each source's format.

A known-good record comes from the source's own template: YAML templates carry a commented
example (uncommented here), the webhook and REST templates a real record; CSV templates carry
only a header, so their good rows are written out below (values from the column examples).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from hypothesis import strategies as st

from leadline.ingest.registry import Source

Format = Literal["csv", "yaml", "ndjson", "json-array", "json"]

GOOD_CSV_ROWS: dict[str, str] = {
    "ai-systems-csv": "AI-001,x1,model,x1,x1,low,x1,x1,proposed,2026-03-01,3,monitored,"
    "not_started,not_started,not_started,not_started",
    "attestations-csv": "AC-01,x1,pass,2026-03-01,2026-03-01,x1,x1,x1",
    "budgets-csv": "2026-03,team,payments,25000.00,EUR",
    "changes-csv": "x1,x1,x1,2026-03-01T09:30:00+01:00,2026-03-01T12:00:00Z,x1",
    "contracts-csv": "aws-edp-2026,x1,x1,2026-01-01,2026-12-31,2026-03-01,3,10.50,USD,annual,x1",
    "csf-profile": "retail-2026,x1,PR.AA-01,not_implemented,1,not_implemented,1,x1,x1,x1,"
    "2026-03-01",
    "deployments-csv": "dep-1042,card-authoriser,production,success,2026-03-01T12:00:00Z,x1,"
    "2026-03-01T11:00:00Z,planned",
    "devex-survey-csv": "2026-q4-pulse,r-7f3a,payments,2026-11-03T10:15:00Z,satisfaction,sat-1,3",
    "drivers-csv": "2026-03-01,transactions,1250000,x1",
    "experience-csv": "r-881,x1,2026-03-01T12:00:00Z,csat,4,x1",
    "focus": '"22.01","22.01","25.31","22.01","USD","payer","Payer account",'
    '"2026-01-01T00:00:00Z","2026-02-01T00:00:00Z","2026-01-01T00:00:00Z",'
    '"2026-01-02T00:00:00Z","Usage","","EC2 usage","Usage-Based","Standard","229.32","Hours",'
    '"229.32","Hours","0.11040","0.096","AWS","AWS","AWS","Amazon EC2","Compute","",'
    '"100000000000","100000000000","arn:aws:ec2:eu-west-1:1:card-authoriser","card-authoriser",'
    '"Compute","eu-west-1","Europe (Ireland)","","","","","","","","","INV-202601",'
    '"{""team"": ""payments-team""}"',
    "incidents-csv": "x1,x1,SEV2,2026-03-01T12:00:00Z,2026-03-01T13:00:00Z,x1,x1",
    "ledger-csv": "2026-03-01,6100-software,12500.00,EUR,x1,x1,x1,x1,x1,{}",
    "maturity-answers": "reliability.error-budget-policy,true,x1,2026-11-20,x1",
    "outcomes-csv": "online-revenue,organisation,x1,2026Q4,1250000,1.5,higher,x1,EUR,revenue",
    "risks-csv": "R-001,x1,x1,x1,security,open,PR.AA-05;DE.CM-01,APO12;DSS05,x1,x1,3,3,3,3,"
    "mitigate,[],30,2026-03-01,2026-03-01,",
    "sli-csv": "x1,2026-03-01T12:00:00Z,1.5,1.5,60",
    "tickets-csv": "INC0012345,checkout-api,P1,2026-03-01T12:00:00Z,2026-03-01T12:05:00Z,"
    "2026-03-01T13:00:00Z,new,2026-03-01T13:00:00Z",
    "vendors-csv": "x1,x1,x1,x1",
    "zero-trust-csv": "northwind,x1,identity,1,1,2026-03-01,x1,x1,x1",
}
FOCUS_HEADER = (
    "BilledCost,EffectiveCost,ListCost,ContractedCost,BillingCurrency,BillingAccountId,"
    "BillingAccountName,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,"
    "ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,PricingCategory,"
    "PricingQuantity,PricingUnit,ConsumedQuantity,ConsumedUnit,ListUnitPrice,"
    "ContractedUnitPrice,ProviderName,PublisherName,InvoiceIssuerName,ServiceName,"
    "ServiceCategory,ServiceSubcategory,SubAccountId,SubAccountName,ResourceId,ResourceName,"
    "ResourceType,RegionId,RegionName,AvailabilityZone,SkuId,SkuPriceId,CommitmentDiscountId,"
    "CommitmentDiscountName,CommitmentDiscountType,CommitmentDiscountCategory,"
    "CommitmentDiscountStatus,InvoiceId,Tags"
)
# csf-core has no template (NIST publishes the file): one function, category and subcategory.
CSF_CORE = {
    "catalog": {
        "metadata": {"title": "CSF 2.0", "version": "2.0"},
        "groups": [
            {
                "id": "GV",
                "title": "GOVERN",
                "parts": [{"name": "overview", "prose": "Govern."}],
                "controls": [
                    {
                        "id": "GV.OC",
                        "title": "Organizational Context",
                        "parts": [{"name": "statement", "prose": "Context is understood."}],
                        "controls": [
                            {
                                "id": "GV.OC-01",
                                "parts": [
                                    {"name": "statement", "prose": "Mission is understood."},
                                    {"name": "example", "prose": "Share the mission."},
                                ],
                            }
                        ],
                    }
                ],
            }
        ],
    }
}
# The webhook templates carry a placeholder delivery (stored raw as an unknown event): the good
# records are deliveries that normalise to facts, a GitHub push and GitLab's documented push.
_COMMIT = {"id": "a" * 40, "message": "Fix", "timestamp": "2026-03-01T12:00:00Z"}
GOOD_DELIVERIES = {
    "github": {
        "headers": {"x-github-event": "push", "x-github-delivery": "good-1"},
        "body": {
            "ref": "refs/heads/main",
            "after": "a" * 40,
            "repository": {"full_name": "acme/card-authoriser", "default_branch": "main"},
            "commits": [_COMMIT],
            "head_commit": _COMMIT,
        },
    },
    "gitlab": {
        "headers": {"x-gitlab-event": "Push Hook", "x-gitlab-event-uuid": "good-1"},
        "body": json.loads(
            (Path(__file__).parents[1] / "delivery" / "fixtures_gitlab" / "push.json").read_text()
        ),
    },
}
# Sources whose input is not a file of records: prometheus reads a URL (fuzzing it would
# send requests), git a repository directory (only random bytes in its place are tried).
NOT_FILES = {"prometheus"}


def uncomment(template: str) -> str:
    """A YAML template's example: ``# `` lines become content, ``## `` notes are dropped."""
    lines = []
    for line in template.splitlines():
        if line.startswith("## ") or line.startswith("#!"):
            continue
        lines.append(line[2:] if line.startswith("# ") else "" if line == "#" else line)
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Sample:
    """One source's input format and a known-good file of it."""

    source: str
    format: Format
    suffix: str
    header: str = ""  # CSV only
    good: str = ""  # CSV: one row; YAML: one document; NDJSON/JSON: one record
    # csf-core's catalog is one record (a framework): a malformed group refuses all of it
    mixable: bool = True

    def good_file(self) -> str:
        if self.format == "csv":
            return f"{self.header}\n{self.good}\n"
        if self.format == "json-array":
            return f"[{self.good}]"
        return self.good if self.good.endswith("\n") else self.good + "\n"

    def good_value(self) -> Any:
        """The good record as data, for the structural mutations."""
        if self.format == "yaml":
            return next(iter(yaml.safe_load_all(self.good)))
        if self.format == "csv":
            return None
        return json.loads(self.good)


def sample(name: str, source: Source) -> Sample | None:
    """The known-good input of ``source``, or None when it takes no file (``NOT_FILES``)."""
    if name in NOT_FILES:
        return None
    if name == "csf-core":
        return Sample(name, "json", ".json", good=json.dumps(CSF_CORE), mixable=False)
    if name == "git":
        return Sample(name, "json", ".bin")
    (template,) = source.templates()[:1]
    text, file_name = template.text, template.file_name
    if file_name.endswith(".csv"):
        header = FOCUS_HEADER if name == "focus" else text.strip().splitlines()[-1]
        return Sample(name, "csv", ".csv", header, GOOD_CSV_ROWS[name])
    if name in GOOD_DELIVERIES:
        return Sample(name, "ndjson", ".ndjson", good=json.dumps(GOOD_DELIVERIES[name]))
    if file_name.endswith(".ndjson"):
        first = next(line for line in text.splitlines() if line.strip().startswith("{"))
        return Sample(name, "ndjson", ".ndjson", good=first)
    if file_name.endswith(".json"):
        (record,) = json.loads(text)[:1]
        return Sample(name, "json-array", ".json", good=json.dumps(record))
    good = uncomment(text) if "Remove the leading" in text else text
    first = good.split("\n---\n")[0] if name == "backstage" else good
    return Sample(name, "yaml", ".yaml", good=first)


# --- hostile values ----------------------------------------------------------------------

_CONTROL = "".join(chr(c) for c in [*range(0, 32), 127])
_HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from(_CONTROL + "é中😀\u202e\ufeff,;\"'=+-@[]{}"), max_size=20),
    st.sampled_from(
        [
            "",
            "NaN",
            "nan",
            "inf",
            "-Infinity",
            "1e309",
            "-1e-400",
            "9" * 400,
            "-" + "9" * 30,
            "0x1F",
            "null",
            "true",
            "2026-02-30",
            "9999-12-31T23:59:59Z",
            "0000-01-01",
            "=cmd|' /C calc'!A0",
            "x" * 600,
            "\x00",
        ]
    ),
    st.integers(min_value=1, max_value=150).map(lambda n: "[" * n + "]" * n),
    st.integers(min_value=1, max_value=150).map(lambda n: '{"a":' * n + "1" + "}" * n),
)


def _deep(depth: int) -> Any:
    value: Any = "leaf"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    _HOSTILE_TEXT,
)
HOSTILE_VALUES = st.one_of(
    _SCALARS,
    st.integers(min_value=1, max_value=60).map(_deep),
    st.recursive(
        _SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=8,
    ),
)


@st.composite
def mutated(draw: st.DrawFn, value: Any) -> Any:
    """``value`` with some leaves, keys and containers replaced by hostile values: the right
    top-level shape, wrong types, nulls and deep nesting below it."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            choice = draw(st.integers(0, 5))
            if choice == 0:
                continue  # a required field may be missing
            out[key] = draw(HOSTILE_VALUES) if choice == 1 else draw(mutated(item))
        if draw(st.booleans()):
            out[draw(st.text(max_size=8))] = draw(HOSTILE_VALUES)
        return out
    if isinstance(value, list):
        items = [draw(mutated(item)) for item in value]
        return items + draw(st.lists(HOSTILE_VALUES, max_size=2))
    return draw(st.one_of(st.just(value), HOSTILE_VALUES))


def dump(fmt: Format, value: Any) -> str:
    """One record in ``fmt`` (a YAML document, an NDJSON line, a JSON value)."""
    if fmt == "yaml":
        return yaml.safe_dump(value, allow_unicode=True, sort_keys=False)
    return json.dumps(value)


def csv_rows(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


@st.composite
def garbage_records(draw: st.DrawFn, spec: Sample, count: int) -> list[str]:
    """``count`` records of the right structure with hostile contents."""
    if spec.format == "csv":
        width = len(next(csv.reader([spec.header])))
        rows = [
            draw(st.lists(_HOSTILE_TEXT, min_size=max(width - 1, 0), max_size=width + 1))
            for _ in range(count)
        ]
        return [csv_rows([row]) for row in rows]
    base = spec.good_value()
    return [dump(spec.format, draw(mutated(base))) for _ in range(count)]


def assemble(spec: Sample, records: list[str], good_first: bool) -> str:
    """A file of ``records`` (the good record first when ``good_first``) in the format."""
    good = [spec.good] if good_first else []
    if spec.format == "csv":
        body = [g + "\n" for g in good] + records
        return spec.header + "\n" + "".join(body)
    if spec.format == "yaml":
        return "---\n".join(part if part.endswith("\n") else part + "\n" for part in good + records)
    if spec.format == "ndjson":
        return "".join(line.rstrip("\n") + "\n" for line in good + records)
    if spec.format == "json-array":
        return "[" + ",".join(good + records) + "]"
    return records[0] if records else ""  # one JSON document (csf-core)
