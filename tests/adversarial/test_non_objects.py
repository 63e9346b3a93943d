"""Issue 16 item 14: a GitHub file holding ``42`` used to be stored as an unknown event with
exit 0, and a NUL byte in an id was accepted; both are now rejects naming what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leadline.context import App
from tests.delivery.support_events import envelope, ingest, write_json
from tests.delivery.support_metrics import DEPLOYMENTS_HEADER, load_catalog, write_csv


@pytest.mark.parametrize("document", [42, "text", None, [1, 2], True])
def test_github_file_that_is_not_an_object_is_rejected(
    app: App, tmp_path: Path, document: object
) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    report = ingest(app, "github", path)
    errors = [p for r in report.results for p in r.problems if p.severity == "error"]
    assert report.exit_code == 1
    assert errors
    assert all("must be a JSON object" in p.reason for p in errors)


def test_control_character_in_a_delivery_id_is_rejected(app: App, tmp_path: Path) -> None:
    path = write_json(
        tmp_path / "export.json",
        envelope({"zen": "hi"}, **{"X-GitHub-Event": "ping", "X-GitHub-Delivery": "d\x001"}),
    )
    report = ingest(app, "github", path)
    errors = [p for r in report.results for p in r.problems if p.severity == "error"]
    assert report.exit_code == 1
    assert any("control characters" in p.reason for p in errors)


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f"])
def test_control_character_in_a_csv_id_is_rejected(
    app: App, tmp_path: Path, character: str
) -> None:
    load_catalog(app, tmp_path)
    path = write_csv(
        tmp_path / "deployments.csv",
        DEPLOYMENTS_HEADER,
        [
            f"d{character}1,api,production,success,2026-03-03T12:00:00Z,a,",
            "d2,api,production,success,2026-03-03T13:00:00Z,b,",
        ],
    )
    report = ingest(app, "deployments-csv", path)
    errors = [p for r in report.results for p in r.problems if p.severity == "error"]
    assert report.exit_code == 1
    assert [(p.row, p.field) for p in errors] == [(2, "deployment_id")]
    assert "control characters" in errors[0].reason
    assert report.totals()["rows_accepted"] == 1
