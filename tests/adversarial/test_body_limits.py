"""Issue 16, item 7: bodies are bounded before they are read (413) and the JSON receivers take
only JSON (415)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient

from leadline.context import App
from leadline.web.app import create_app
from tests.conftest import make_settings
from tests.web.support import GITHUB_SECRET, github_delivery, login, token_for


def _small_app(tmp_path: Path) -> TestClient:
    settings = make_settings(
        tmp_path / "home", github_webhook_secret=GITHUB_SECRET, web={"max_body_mb": 0.01}
    )
    return TestClient(create_app(settings, background=False))


def test_an_oversized_declared_body_is_refused_before_the_signature_check(tmp_path: Path) -> None:
    with _small_app(tmp_path) as client:
        body = b'{"zen": "' + b"x" * 20_000 + b'"}'
        answer = client.post(
            "/webhooks/github", content=body, headers={"Content-Type": "application/json"}
        )
        assert answer.status_code == 413


def test_a_signed_oversized_body_is_not_stored(tmp_path: Path) -> None:
    with _small_app(tmp_path) as client:
        raw, headers = github_delivery("big-1", {"zen": "x" * 20_000})
        assert client.post("/webhooks/github", content=raw, headers=headers).status_code == 413


def test_a_streamed_body_without_length_is_counted(tmp_path: Path) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"zen": "'
        for _ in range(40):
            yield b"x" * 1000
        yield b'"}'

    with _small_app(tmp_path) as client:
        headers = {"Content-Type": "application/json", "X-GitHub-Event": "ping"}
        answer = client.post("/webhooks/github", content=chunks(), headers=headers)
        assert answer.status_code == 413


def test_a_large_form_is_refused(client: TestClient) -> None:
    answer = client.post("/login", data={"username": "ada", "password": "x" * 2_000_000})
    assert answer.status_code == 413


def test_webhooks_take_only_json(client: TestClient) -> None:
    raw, headers = github_delivery("form-1", {"zen": "x"})
    form = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
    assert client.post("/webhooks/github", content=raw, headers=form).status_code == 415


def test_api_writes_take_only_json(client: TestClient, web_app: App) -> None:
    bearer = {"Authorization": f"Bearer {token_for(web_app, 'ada', ['read', 'write'])}"}
    headers = {**bearer, "Content-Type": "text/plain"}
    answer = client.patch("/api/v1/risk/register/R-1", content=b"{}", headers=headers)
    assert answer.status_code == 415
    assert login(client, "ada").status_code == 303
