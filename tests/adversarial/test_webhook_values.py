"""Issue 16 item 3: the CSV path refuses control characters in text and ids, ids longer than
``ingest.max_id_chars`` and text longer than ``ingest.max_text_chars``; GitHub, GitLab and
PagerDuty deliveries and GitHub REST exports took them all (a NUL inside an incident id looks
like another id). A delivery whose facts hold such a value is now rejected naming the field,
with the CSV columns' own rules (``ingest.values``), and the other deliveries land."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from leadline.context import App
from leadline.delivery.pending import normalise_pending
from leadline.ingest.registry import sources
from leadline.ingest.runner import run_ingest
from tests.web.support import pagerduty_delivery


def _pagerduty(delivery_id: str, **data: Any) -> str:
    document = json.loads(sources()["pagerduty"].templates()[0].text)
    document["headers"]["x-webhook-id"] = delivery_id
    document["body"]["event"]["data"].update(data)
    return json.dumps(document)


@pytest.mark.parametrize(
    ("data", "field", "reason"),
    [
        ({"id": "INC\x001"}, "incident_id", "must not contain control characters (found U+0000)"),
        ({"id": "INC\x1b[2J"}, "incident_id", "must not contain control characters (found U+001B)"),
        ({"id": "i" * 513}, "incident_id", "is longer than 512 characters"),
        ({"title": "t" * 10_001}, "title", "is longer than 10000 characters"),
        ({"service": {"id": "S1", "summary": "s" * 513}}, "service", "is longer than 512"),
    ],
)
def test_a_hostile_value_rejects_its_delivery_and_the_others_land(
    any_app: App, tmp_path: Path, data: dict[str, Any], field: str, reason: str
) -> None:
    path = tmp_path / "pagerduty.ndjson"
    path.write_text(_pagerduty("bad", **data) + "\n" + _pagerduty("good", id="INC-2") + "\n")
    report = run_ingest("pagerduty", [path], settings=any_app.settings, store=any_app.store)
    (result,) = report.results
    assert (result.status, result.rows_accepted, result.rows_rejected) == ("landed", 1, 1)
    errors = [p for p in result.problems if p.severity == "error"]
    assert [(p.row, p.field) for p in errors] == [(1, field)]
    assert reason in errors[0].reason and errors[0].reason.startswith("delivery bad (")


def test_values_at_the_limits_and_line_breaks_are_accepted(app: App, tmp_path: Path) -> None:
    path = tmp_path / "pagerduty.ndjson"
    # the incident id is "pagerduty:" and the id: 512 characters in all
    path.write_text(_pagerduty("ok", id="i" * 502, title="first line\nsecond\tline") + "\n")
    (result,) = run_ingest("pagerduty", [path], settings=app.settings, store=app.store).results
    assert (result.rows_accepted, result.rows_rejected) == (1, 0), result.problems


def test_a_nul_in_a_rest_export_commit_sha_rejects_its_record(app: App, tmp_path: Path) -> None:
    records = json.loads(sources()["github-api"].templates()[0].text)
    good = {**records[0], "id": 2, "url": records[0]["url"][:-1] + "2"}
    records[0]["sha"] = "ab\x00cd"
    path = tmp_path / "deployments.json"
    path.write_text(json.dumps([records[0], good]))
    (result,) = run_ingest("github-api", [path], settings=app.settings, store=app.store).results
    assert (result.rows_accepted, result.rows_rejected) == (1, 1)
    (error,) = [p for p in result.problems if p.severity == "error"]
    assert error.field == "commit_sha" and "U+0000" in error.reason


def test_a_nul_in_a_delivery_id_is_rejected_on_both_stores(any_app: App, tmp_path: Path) -> None:
    """PostgreSQL holds no NUL: the refused delivery's raw copy and reject keep U+FFFD there."""
    path = tmp_path / "pagerduty.ndjson"
    path.write_text(_pagerduty("d\x001") + "\n" + _pagerduty("good", id="INC-2") + "\n")
    report = run_ingest("pagerduty", [path], settings=any_app.settings, store=any_app.store)
    (result,) = report.results
    assert (result.status, result.rows_accepted, result.rows_rejected) == ("landed", 1, 1)


def test_a_webhook_posted_to_the_app_is_held_to_this_homes_limits(
    client: TestClient, web_app: App
) -> None:
    """Deliveries normalised after intake (``normalise_pending``) use the home's [ingest]
    limits, like a file ingest."""
    web_app.settings.ingest.max_id_chars = 20
    document = json.loads(_pagerduty("unused", id="INC-" + "9" * 30))
    raw, headers = pagerduty_delivery("p-long", document["body"])
    assert client.post("/webhooks/pagerduty", content=raw, headers=headers).status_code == 202
    result = normalise_pending(web_app.settings, web_app.store)
    assert result["statuses"] == {"rejected": 1}, result


def test_a_delivery_whose_body_is_null_is_rejected_and_kept(any_app: App, tmp_path: Path) -> None:
    """Found by the fuzz test: the raw copy of a ``"body": null`` delivery broke the NOT NULL
    payload column and failed the whole batch."""
    path = tmp_path / "pagerduty.ndjson"
    null = json.dumps({"headers": {"x-webhook-id": "n-1"}, "body": None})
    path.write_text(null + "\n" + _pagerduty("good", id="INC-2") + "\n")
    report = run_ingest("pagerduty", [path], settings=any_app.settings, store=any_app.store)
    (result,) = report.results
    assert (result.status, result.rows_accepted, result.rows_rejected) == ("landed", 1, 1)
    (error,) = [p for p in result.problems if p.severity == "error"]
    assert "must be a JSON object, not NoneType" in error.reason
