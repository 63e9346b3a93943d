"""Issue 16 item 4: one risks-csv cell of 5000 nested brackets failed the whole file with a
RecursionError, and a signed 100,000-deep JSON body to /webhooks/github answered 500. Nesting
past ``ingest.max_nesting_depth`` now rejects that one row (naming row and field) or answers
400; the rest of the file lands."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from leadline.context import App
from leadline.ingest.files import YamlDocument, load_yaml_documents
from leadline.ingest.problems import Problem
from leadline.ingest.runner import run_ingest
from leadline.web.signatures import github_signature
from tests.web.support import GITHUB_SECRET, github_delivery

HEADER = "risk_id,title,owner,category,likelihood,impact,treatment,identified_on,status,actions\n"
GOOD = "R-001,Ransomware,alice,security,4,5,mitigate,2026-01-10,open,\n"


def test_a_deeply_nested_cell_rejects_only_its_row(app: App, tmp_path: Path) -> None:
    deep = "[" * 5000 + "]" * 5000
    path = tmp_path / "risks.csv"
    path.write_text(
        HEADER + GOOD + f"R-002,Deep,alice,security,4,5,mitigate,2026-01-10,open,{deep}\n"
    )
    report = run_ingest("risks-csv", [path], settings=app.settings, store=app.store)
    (result,) = report.results
    assert (result.rows_accepted, result.rows_rejected) == (1, 1)
    assert [(p.row, p.field) for p in result.problems] == [(3, "actions")]


def test_a_deep_yaml_document_is_refused_alone() -> None:
    deep = "[" * 500 + "]" * 500  # within libyaml's own limit of 1000, past ours of 100
    bad, good = load_yaml_documents("f.yaml", f"a: {deep}\n---\nb: 1\n")
    assert isinstance(bad, Problem) and "max_nesting_depth" in bad.reason
    assert isinstance(good, YamlDocument)


def test_a_deep_signed_webhook_body_answers_400(client: TestClient, web_app: App) -> None:
    _, headers = github_delivery("deep-1", {})
    body = b"[" * 100_000 + b"]" * 100_000
    headers["X-Hub-Signature-256"] = github_signature(GITHUB_SECRET, body)
    response = client.post("/webhooks/github", content=body, headers=headers)
    assert response.status_code == 400
    assert "max_nesting_depth" in response.json()["detail"]
    shallow, headers = github_delivery("deep-2", {"a": [[[{"b": "[[[[[["}]]]})
    assert client.post("/webhooks/github", content=shallow, headers=headers).status_code == 202
