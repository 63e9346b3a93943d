"""``leadline ingest gitlab`` end to end: envelopes and bare payloads in NDJSON and JSON
arrays, raw storage, duplicates, unknown and rejected deliveries, service resolution through
the catalog and ``--service``, and the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from leadline.context import App
from tests.delivery.support_events import (
    batch,
    envelope,
    facts,
    fixture,
    ingest,
    ingest_catalog,
    raw_events,
    utc,
    write_json,
    write_ndjson,
)

MERGE = "4c9b0e2d7f1a3b5c6d8e0f1a2b3c4d5e6f7a8b9c"
HOOKS = {
    "push.json": "Push Hook",
    "merge_request_merged.json": "Merge Request Hook",
    "deployment.json": "Deployment Hook",
    "incident_work_item.json": "Issue Hook",
    "issue_plain.json": "Issue Hook",
    "pipeline.json": "Pipeline Hook",
}


def deliveries(raw_body: bool = False) -> list[dict[str, Any]]:
    """Every fixture as a delivery with GitLab's headers, plus a feature-branch push and an
    event kind leadline does not read."""
    out = []
    for number, (name, hook) in enumerate(HOOKS.items(), start=1):
        headers = {
            "X-Gitlab-Event": hook,
            "X-Gitlab-Event-UUID": f"6b1f0c2e-0000-4000-8000-00000000000{number}",
            "X-Gitlab-Webhook-UUID": "02affd2d-2cba-4033-917d-ec22d5dc4b38",
            "X-Gitlab-Instance": "https://gitlab.example.com",
        }
        out.append(envelope(fixture("gitlab", name), raw_body, **headers))
    feature = fixture("gitlab", "push.json") | {"ref": "refs/heads/feature/retry"}
    out.append(envelope(feature, X_Gitlab_Event="Push Hook", X_Gitlab_Event_UUID="feature-1"))
    wiki = {"object_kind": "wiki_page", "object_attributes": {"slug": "home", "action": "create"}}
    out.append(envelope(wiki, X_Gitlab_Event="Wiki Page Hook", X_Gitlab_Event_UUID="wiki-1"))
    return out


def expected_ids(app: App) -> dict[str, list[str]]:
    return {
        "changes": [r["change_id"] for r in facts(app, "changes")],
        "deployments": [r["deployment_id"] for r in facts(app, "deployments")],
        "incidents": [r["incident_id"] for r in facts(app, "incidents")],
    }


IDS = {
    "changes": [
        MERGE,
        "7a3c1e9d0b5f4a2e8c6d1f0b9a8e7d6c5b4a3f2e",
        "e1f2d3c4b5a69788a9b0c1d2e3f4a5b6c7d8e9f0",
    ],
    "deployments": ["gitlab:acme/shop/checkout-api:873"],
    "incidents": ["gitlab:acme/shop/checkout-api:issue:57"],
}


@pytest.mark.parametrize("layout", ["ndjson-envelopes", "array-raw-bodies", "array-bare"])
def test_a_file_of_deliveries_lands_its_facts_under_the_catalog_service(
    app: App, tmp_path: Path, layout: str
) -> None:
    ingest_catalog(app, tmp_path)
    items = deliveries(raw_body=layout == "array-raw-bodies")
    if layout == "ndjson-envelopes":
        path = write_ndjson(tmp_path / "gitlab.ndjson", items)
    elif layout == "array-raw-bodies":
        path = write_json(tmp_path / "gitlab.json", items)
    else:
        path = write_json(tmp_path / "gitlab.json", [item["body"] for item in items])
    report = ingest(app, "gitlab", path)
    [result] = report.results
    assert report.exit_code == 0, [p.describe() for p in result.problems]
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (8, 8, 0)
    assert batch(app, result.batch_id).message == (
        "8 deliveries: 4 normalised, 3 ignored, 1 unknown event types (stored raw), "
        "0 rejected, 0 already received"
    )
    assert expected_ids(app) == IDS
    services = {r["service"] for t in IDS for r in facts(app, t)}
    assert services == {"checkout"}  # through the gitlab.com/project-slug annotation
    [deployment] = facts(app, "deployments")
    assert deployment == {
        "deployment_id": "gitlab:acme/shop/checkout-api:873",
        "service": "checkout",
        "environment": "production",
        "status": "success",
        "created_at": None,
        "finished_at": utc(2026, 3, 2, 11, 30),
        "commit_sha": MERGE,
        "change_type": "hotfix",
        "source": "gitlab",
        "updated_at": utc(2026, 3, 2, 11, 30),
        "extra": '{"deployable_id":551204,"environment_tier":"production",'
        '"gitlab_status":"success"}',
    }
    merged = facts(app, "changes")[0]
    assert (merged["committed_at"], merged["merged_at"]) == (
        utc(2026, 3, 1, 16, 20),
        utc(2026, 3, 2, 10, 6),
    )
    statuses = sorted((r.event_type or "", r.status) for r in raw_events(app, "gitlab"))
    assert statuses == [
        ("deployment", "normalised"),
        ("issue", "ignored"),
        ("merge_request", "normalised"),
        ("pipeline", "ignored"),
        ("push", "ignored"),
        ("push", "normalised"),
        ("wiki_page", "unknown"),
        ("work_item", "normalised"),
    ]


def test_raw_payloads_and_headers_are_stored_verbatim(app: App, tmp_path: Path) -> None:
    items = deliveries(raw_body=True)[:1]
    ingest(app, "gitlab", write_ndjson(tmp_path / "one.ndjson", items))
    [raw] = raw_events(app, "gitlab")
    assert raw.delivery_id == "6b1f0c2e-0000-4000-8000-000000000001"
    assert raw.payload == fixture("gitlab", "push.json")
    assert raw.headers["x-gitlab-event"] == "Push Hook"


def test_a_repeated_delivery_is_stored_once_and_changes_nothing(app: App, tmp_path: Path) -> None:
    ingest_catalog(app, tmp_path)
    items = deliveries()
    first = ingest(app, "gitlab", write_ndjson(tmp_path / "a.ndjson", [*items, items[2]]))
    assert first.results[0].rows_read == 8  # the repeat within the file is dropped at once
    before = {t: facts(app, t) for t in ("changes", "deployments", "incidents")}
    # A later file repeating two deliveries (GitLab resends with the same ids).
    later = write_ndjson(tmp_path / "b.ndjson", [items[2], items[3]])
    report = ingest(app, "gitlab", later)
    assert report.exit_code == 0
    assert batch(app, report.results[0].batch_id).message == (
        "2 deliveries: 0 normalised, 0 ignored, 0 unknown event types (stored raw), "
        "0 rejected, 2 already received"
    )
    assert len(raw_events(app, "gitlab")) == 8
    assert {t: facts(app, t) for t in before} == before


def test_an_unknown_event_type_is_stored_and_counted_not_fatal(app: App, tmp_path: Path) -> None:
    wiki = {"object_kind": "wiki_page", "object_attributes": {"title": "Runbook"}}
    path = write_json(tmp_path / "wiki.json", envelope(wiki, X_Gitlab_Event="Wiki Page Hook"))
    report = ingest(app, "gitlab", path)
    assert report.exit_code == 0
    [raw] = raw_events(app, "gitlab")
    assert (raw.event_type, raw.status) == ("wiki_page", "unknown")
    assert "1 unknown event types" in (batch(app, report.results[0].batch_id).message or "")


def test_a_delivery_missing_a_field_is_rejected_by_id_and_field_while_others_land(
    app: App, tmp_path: Path
) -> None:
    ingest_catalog(app, tmp_path)
    path = broken_and_good(tmp_path)
    report = ingest(app, "gitlab", path)
    [result] = report.results
    assert report.exit_code == 1
    assert result.rows_rejected == 1
    [problem] = result.problems
    assert (problem.row, problem.field, problem.severity) == (1, "status_changed_at", "error")
    assert problem.reason == "delivery bad-1 (deployment): status_changed_at is missing"
    assert [r["incident_id"] for r in facts(app, "incidents")] == [
        "gitlab:acme/shop/checkout-api:issue:57"
    ]
    assert facts(app, "deployments") == []


def broken_and_good(tmp_path: Path) -> Path:
    broken = fixture("gitlab", "deployment.json")
    del broken["status_changed_at"]
    good = fixture("gitlab", "incident_work_item.json")
    return write_ndjson(
        tmp_path / "d.ndjson",
        [envelope(broken, X_Gitlab_Event_UUID="bad-1"), envelope(good, X_Gitlab_Event_UUID="ok-1")],
    )


def test_a_rejected_delivery_is_read_once(app: App, tmp_path: Path) -> None:
    ingest_catalog(app, tmp_path)
    [result] = ingest(app, "gitlab", broken_and_good(tmp_path)).results
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (2, 1, 1)


def test_without_a_catalog_entry_the_project_path_names_the_service_with_a_warning(
    app: App, tmp_path: Path
) -> None:
    path = write_json(tmp_path / "dep.json", fixture("gitlab", "deployment.json"))
    report = ingest(app, "gitlab", path)
    assert report.exit_code == 0  # warned, landed
    [problem] = report.results[0].problems
    assert (problem.severity, problem.field, problem.value) == (
        "warning",
        "service",
        "checkout-api",
    )
    assert [r["service"] for r in facts(app, "deployments")] == ["checkout-api"]


def test_the_service_option_attributes_every_event(app: App, tmp_path: Path) -> None:
    ingest_catalog(app, tmp_path)
    path = write_json(tmp_path / "dep.json", fixture("gitlab", "deployment.json"))
    report = ingest(app, "gitlab", path, service="search")
    assert report.exit_code == 0
    assert [r["service"] for r in facts(app, "deployments")] == ["search"]


def test_the_cli_ingests_gitlab_files(tmp_path: Path) -> None:
    from leadline.cli import app as cli

    home = tmp_path / "home"
    path = write_ndjson(tmp_path / "gitlab.ndjson", deliveries()[:3])
    result = CliRunner().invoke(
        cli, ["--home", str(home), "ingest", "gitlab", str(path), "--service", "checkout-api"]
    )
    # The override names a service the (empty) catalog does not know: landed with a warning.
    assert result.exit_code == 0, result.output
    assert "checkout-api" in result.output
    again = CliRunner().invoke(
        cli, ["--home", str(home), "ingest", "gitlab", str(path), "--service", "checkout-api"]
    )
    assert "already landed" in again.output
