"""Framework libraries and NIST's CSF 2.0 export: counts, hierarchy, withdrawn items."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from leadline.context import App
from leadline.ingest.runner import run_ingest
from leadline.risk.frameworks import COBIT, ZTMM, builtin, csf, parse_library
from leadline.risk.models import Framework, FrameworkNode
from leadline.risk.oscal import OSCAL_NS, read_csf_core

CSF_XML = "csf/NIST_CSF_v2.0_catalog.xml"


def _tree(nodes: Any) -> list[tuple[str, str, str | None]]:
    return [(n.id, n.level, n.parent) for n in nodes]


def test_official_export_has_current_framework_and_reports_withdrawn(reference: Path) -> None:
    core = read_csf_core((reference / CSF_XML).read_bytes())
    assert core.counts() == {"function": 6, "category": 22, "subcategory": 106}
    withdrawn = {w.id: w.level for w in core.withdrawn}
    assert sum(1 for level in withdrawn.values() if level == "category") == 12
    assert sum(1 for level in withdrawn.values() if level == "subcategory") == 79
    # CSF 1.1 items 2.0 withdrew: a whole category, and single subcategories of live ones
    assert withdrawn["ID.BE"] == "category" and withdrawn["ID.BE-05"] == "subcategory"
    assert "RC.CO-01" in withdrawn and "ID.AM-06" in withdrawn and "DE.AE-01" in withdrawn
    ids = {n.id for n in core.library.nodes}
    assert not ids & set(withdrawn)
    assert {"ID.RA-07", "PR.IR-04", "RC.CO-03", "GV.SC-10"} <= ids
    assert core.statements["GV.OC-01"].startswith("The organizational mission is understood")


def test_shipped_catalog_matches_the_official_export(reference: Path) -> None:
    core = read_csf_core((reference / CSF_XML).read_bytes())
    shipped = csf().library
    assert _tree(shipped.nodes) == _tree(core.library.nodes)
    names = {n.id: n.name for n in core.library.nodes if n.level != "subcategory"}
    assert {n.id: n.name for n in shipped.nodes if n.level != "subcategory"} == names
    assert shipped.framework.scale == ["Partial", "Risk Informed", "Repeatable", "Adaptive"]


def test_shipped_summaries_are_our_own_words(reference: Path) -> None:
    core = read_csf_core((reference / CSF_XML).read_bytes())
    for node in csf().at_level("subcategory"):
        assert node.summary, node.id
        official = core.statements[node.id].lower()
        ours = node.summary.lower().rstrip(".")
        assert ours != official.rstrip("."), node.id
        assert len(node.summary) <= 100, node.id


def _json_node(element: ET.Element) -> dict[str, Any]:
    """The OSCAL JSON shape of an XML group or control (as NIST's JSON export has it)."""

    def text(e: ET.Element) -> str:
        return re.sub(r"\s+", " ", "".join(e.itertext())).strip()

    out: dict[str, Any] = {
        "id": element.get("id"),
        "class": element.get("class"),
        "title": text(element.find(OSCAL_NS + "title")),  # type: ignore[arg-type]
        "props": [
            {"name": p.get("name"), "value": p.get("value")}
            for p in element.findall(OSCAL_NS + "prop")
        ],
        "parts": [
            {"id": p.get("id"), "name": p.get("name"), "prose": text(p)}
            for p in element.findall(OSCAL_NS + "part")
        ],
    }
    controls = [_json_node(c) for c in element.findall(OSCAL_NS + "control")]
    if controls:
        out["controls"] = controls
    return out


def test_json_export_reads_like_xml(reference: Path, tmp_path: Path) -> None:
    """The reference JSON copy is empty (0 bytes); an OSCAL JSON rendering of the XML must give
    the same framework."""
    root = ET.parse(reference / CSF_XML).getroot()
    document = {
        "catalog": {
            "uuid": root.get("uuid"),
            "metadata": {"title": "NIST Cybersecurity Framework 2.0", "version": "1.0.0"},
            "groups": [_json_node(g) for g in root.findall(OSCAL_NS + "group")],
        }
    }
    core = read_csf_core(json.dumps(document).encode())
    xml_core = read_csf_core((reference / CSF_XML).read_bytes())
    assert _tree(core.library.nodes) == _tree(xml_core.library.nodes)
    assert [w.id for w in core.withdrawn] == [w.id for w in xml_core.withdrawn]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "is empty"),
        (b"<x/>", "not an OSCAL catalog"),
        (b"{]", "not valid JSON"),
        (b"<a", "well-formed"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "declares a DTD"),
    ],
)
def test_unusable_exports_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        read_csf_core(data)


def test_csf_core_ingest_stores_current_nodes_and_rejects_withdrawn(
    any_app: App, reference: Path
) -> None:
    report = run_ingest(
        "csf-core", [reference / CSF_XML], settings=any_app.settings, store=any_app.store
    )
    (result,) = report.results
    assert result.rows_accepted == 134 and result.rows_rejected == 91 and result.rows_warned == 0
    with any_app.store.session() as session:
        framework = session.query(Framework).one()
        assert framework.key == "nist-csf-2.0" and framework.origin == "nist-oscal"
        nodes = session.query(FrameworkNode).filter_by(framework_id=framework.id).all()
        assert len(nodes) == 134
        assert sum(n.level == "subcategory" for n in nodes) == 106
    again = run_ingest(
        "csf-core", [reference / CSF_XML], settings=any_app.settings, store=any_app.store
    )
    assert again.results[0].status == "unchanged"


def test_builtin_cobit_and_ztmm() -> None:
    cobit = builtin(COBIT)
    objectives = [n.id for n in cobit.at_level("objective")]
    expected = (
        [f"EDM{i:02d}" for i in range(1, 6)]
        + [f"APO{i:02d}" for i in range(1, 15)]
        + [f"BAI{i:02d}" for i in range(1, 12)]
        + [f"DSS{i:02d}" for i in range(1, 7)]
        + [f"MEA{i:02d}" for i in range(1, 5)]
    )
    assert objectives == expected and len(objectives) == 40
    assert cobit.nodes["APO13"].name == "Managed Security"
    ztmm = builtin(ZTMM)
    pillars = [n.name for n in ztmm.at_level("pillar") if n.kind is None]
    assert pillars == ["Identity", "Devices", "Networks", "Applications and Workloads", "Data"]
    crosscutting = [n.name for n in ztmm.at_level("pillar") if n.kind == "cross-cutting"]
    assert crosscutting == [
        "Visibility and Analytics",
        "Automation and Orchestration",
        "Governance",
    ]
    assert ztmm.library.framework.scale == ["Traditional", "Initial", "Advanced", "Optimal"]


@pytest.mark.parametrize(
    ("nodes", "reason"),
    [
        ([{"id": "A", "level": "policy"}, {"id": "A", "level": "policy"}], "appears twice"),
        ([{"id": "A", "level": "standard", "parent": "B"}], "must be listed before"),
        ([{"id": "A", "level": "nope"}], "is not one of"),
        ([{"id": "A", "level": "policy", "parent": "X"}], "is a root"),
        (
            [
                {"id": "A", "level": "policy"},
                {"id": "B", "level": "standard", "parent": "A"},
                {"id": "C", "level": "standard", "parent": "B"},
            ],
            "must be a policy",
        ),
    ],
)
def test_library_tree_rules(nodes: list[dict[str, Any]], reason: str) -> None:
    document = {
        "framework": {"id": "org", "name": "Org", "levels": ["policy", "standard"]},
        "nodes": nodes,
    }
    with pytest.raises(ValueError, match=reason):
        parse_library(document)


def test_framework_library_source(app: App, tmp_path: Path) -> None:
    good = {
        "framework": {"id": "org-policies", "name": "Org", "levels": ["policy", "standard"]},
        "nodes": [
            {"id": "POL-1", "level": "policy", "name": "Access"},
            {"id": "STD-1", "level": "standard", "parent": "POL-1"},
        ],
    }
    bad = {"framework": {"id": "nist-csf-2.0", "name": "mine", "levels": ["x"]}, "nodes": []}
    path = tmp_path / "lib.yaml"
    path.write_text(yaml.safe_dump_all([good, bad]))
    report = run_ingest("framework-library", [path], settings=app.settings, store=app.store)
    (result,) = report.results
    assert result.rows_accepted == 1 and result.rows_rejected == 1
    assert any("built-in" in p.reason and p.row == 2 for p in result.problems)
    with app.store.session() as session:
        assert [f.key for f in session.query(Framework)] == ["org-policies"]
