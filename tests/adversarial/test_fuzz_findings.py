"""What the fuzz test (test_fuzz.py) found, kept as plain regression tests: each was a traceback
logged by the runner and a file failed with "could not be parsed" instead of a problem naming
the file and what is wrong with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leadline.context import App
from leadline.ingest.runner import run_ingest

STATED = {"name": "statement", "prose": "Context is understood."}


def _only(app: App, source: str, path: Path) -> tuple[str, str]:
    (result,) = run_ingest(source, [path], settings=app.settings, store=app.store).results
    (problem,) = result.problems
    return result.status, problem.reason


def test_a_focus_export_whose_header_is_not_utf8_is_a_problem(app: App, tmp_path: Path) -> None:
    path = tmp_path / "focus.csv"
    path.write_bytes(b"Billed\xc7Cost,EffectiveCost\n1,1\n")
    status, reason = _only(app, "focus", path)
    assert status == "failed"
    assert reason == "is not UTF-8 text (byte 7 of its header)"


def test_allocation_rules_that_are_not_utf8_are_a_problem(app: App, tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_bytes(b"\xff\xfe")
    status, reason = _only(app, "allocation-rules", path)
    assert status == "landed" and "UTF-8" in reason


@pytest.mark.parametrize(
    ("catalog", "reason"),
    [
        ({"groups": "GV"}, "is not an OSCAL catalog: groups is not a list"),
        ({"groups": [1]}, "is not an OSCAL catalog: groups[0] is not an object"),
        ({"groups": [{"id": "GV", "parts": [None]}]}, "parts[0] is not an object"),
        (
            {
                "groups": [
                    {
                        "id": "GV",
                        "controls": [
                            {
                                "id": "GV.OC",
                                "parts": [STATED],
                                "controls": [{"id": "GV.OC-01", "props": 3}],
                            }
                        ],
                    }
                ]
            },
            "props is not a list",
        ),
    ],
)
def test_a_csf_core_catalog_of_the_wrong_shape_is_refused(
    app: App, tmp_path: Path, catalog: dict[str, object], reason: str
) -> None:
    path = tmp_path / "csf.json"
    path.write_text(json.dumps({"catalog": catalog}))
    status, found = _only(app, "csf-core", path)
    assert status == "failed" and reason in found


def test_a_csv_whose_header_is_not_utf8_is_a_problem(app: App, tmp_path: Path) -> None:
    path = tmp_path / "vendors.csv"
    path.write_bytes(b"na\x8dme\n1\n")
    status, reason = _only(app, "vendors-csv", path)
    assert status == "failed"
    assert reason == "is not valid UTF-8: byte 0x8d at line 1, column 3; save the file as UTF-8"


def test_a_controls_document_without_controls_does_not_hide_the_good_ones(
    app: App, tmp_path: Path
) -> None:
    """Two good controls and two documents without a list of controls: 4 read, 2 rejected,
    2 accepted (the rejects were subtracted from the 2 controls: 0 accepted)."""
    path = tmp_path / "controls.yaml"
    good = "controls:\n  - {id: AC-01, name: MFA, scope: {all: true}}\n"
    path.write_text(good + "  - {id: AC-02, name: Logs, scope: {all: true}}\n---\n{}\n---\n[]\n")
    (result,) = run_ingest("controls-yaml", [path], settings=app.settings, store=app.store).results
    assert (result.rows_read, result.rows_rejected, result.rows_accepted) == (4, 2, 2)
