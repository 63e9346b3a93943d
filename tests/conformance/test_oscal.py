"""OSCAL conformance. leadline reads one OSCAL document, NIST's CSF 2.0 catalog
(``leadline ingest csf-core``, XML or JSON; ../shared/reference/csf, read in place). Other OSCAL
catalogs and profiles are refused whole, naming what they hold: NIST's own SP 800-53 baselines
(../shared/reference/oscal) and the OSCAL project's basic example catalog (usnistgov/
oscal-content ``examples/catalog``, public domain, copied verbatim in
tests/data/conformance/oscal; see SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from leadline.context import App
from leadline.risk.models import Framework, FrameworkNode
from tests.conformance.support import DATA, ingest, problems

EXAMPLES = DATA / "oscal" / "oscal-content" / "examples" / "catalog"
SP800_53 = Path("oscal") / "sp800-53"


def test_the_csf_catalog_lands_with_its_functions_and_reports_withdrawn(
    app: App, reference: Path
) -> None:
    report = ingest(app, "csf-core", reference / "csf" / "NIST_CSF_v2.0_catalog.xml")
    found = problems(report)
    assert len(found) == 91 and all(p.severity == "error" for p in found)
    first = next(p for p in found if p.field == "ID.AM-06")
    assert first.reason == (
        "subcategory ID.AM-06 is withdrawn in CSF 2.0 (a CSF 1.1 item without 2.0 content); "
        "not imported"
    )
    with app.store.session() as session:
        framework = session.scalars(select(Framework)).one()
        nodes = {n.node_id: n for n in session.scalars(select(FrameworkNode))}
    assert framework.key == "nist-csf-2.0"
    assert [n for n in nodes if "." not in n] == ["GV", "ID", "PR", "DE", "RS", "RC"]
    assert (nodes["GV"].name, nodes["GV.OC"].name, nodes["GV.OC-01"].parent) == (
        "Govern",
        "Organizational Context",
        "GV.OC",
    )
    assert sum(n.level == "subcategory" for n in nodes.values()) == 106


@pytest.mark.parametrize(
    ("path", "groups"),
    [
        (EXAMPLES / "json" / "basic-catalog.json", "[s1, s2]"),
        (EXAMPLES / "xml" / "basic-catalog.xml", "[s1, s2]"),
        (SP800_53 / "NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json", "[ac, at,"),
    ],
)
def test_other_oscal_catalogs_are_refused_naming_their_groups(
    app: App, reference: Path, path: Path, groups: str
) -> None:
    """Before issue 21 the SP 800-53 catalog landed as 149 "CSF" nodes (families as
    functions); now a catalog with a group that is not a CSF 2.0 function is refused."""
    [error] = problems(ingest(app, "csf-core", reference / path))
    assert error.reason.startswith(
        f"is an OSCAL catalog but not NIST's CSF 2.0 catalog: catalog.groups[*].id are {groups}"
    )
    assert error.reason.endswith("where CSF 2.0's groups are its functions GV, ID, PR, DE, RS, RC")
    with app.store.session() as session:
        assert session.scalars(select(Framework)).all() == []


def test_a_profile_is_not_a_catalog(app: App, reference: Path) -> None:
    path = reference / SP800_53 / "NIST_SP-800-53_rev5_LOW-baseline_profile.json"
    [error] = problems(ingest(app, "csf-core", path))
    assert error.reason == "is not an OSCAL catalog (no top-level 'catalog' object)"
