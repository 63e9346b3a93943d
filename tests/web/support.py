"""Helpers of the web tests: users, logging in through the form, signed deliveries."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient

from leadline.context import App
from leadline.web.signatures import github_signature, pagerduty_signature
from leadline.webkit.users import create_token, save_user

PASSWORD = "correct horse battery"
GITHUB_SECRET = "gh-secret-for-tests"
GITLAB_TOKEN = "gl-token-for-tests"
PAGERDUTY_SECRET = "pd-secret-for-tests"


def add_user(app: App, name: str, role: str, pillars: list[str] | None = None) -> None:
    with app.store.session() as session:
        save_user(session, name, role=role, password=PASSWORD, pillars=pillars, actor="test")


def token_for(app: App, name: str, scopes: list[str], days: int = 30) -> str:
    with app.store.session() as session:
        plain, _ = create_token(session, name, name="t", scopes=scopes, days=days, actor="test")
    return plain


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": name, "password": password, "csrf": token, "next": "/"},
        follow_redirects=False,
    )


def github_delivery(
    delivery_id: str, body: Any, event: str = "ping"
) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    return raw, {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id,
        "X-Hub-Signature-256": github_signature(GITHUB_SECRET, raw),
        "Content-Type": "application/json",
    }


def pagerduty_delivery(delivery_id: str, body: Any) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    return raw, {
        "X-Webhook-Id": delivery_id,
        "X-PagerDuty-Signature": pagerduty_signature(PAGERDUTY_SECRET, raw),
        "Content-Type": "application/json",
    }
