"""Fixtures of the web tests: a web app over a fresh home with webhook secrets set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from leadline.config import Settings
from leadline.context import App
from tests.conftest import make_settings
from tests.web.support import GITHUB_SECRET, GITLAB_TOKEN, PAGERDUTY_SECRET, add_user


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    return make_settings(
        tmp_path / "home",
        github_webhook_secret=GITHUB_SECRET,
        gitlab_webhook_token=GITLAB_TOKEN,
        pagerduty_webhook_secret=PAGERDUTY_SECRET,
    )


@pytest.fixture
def web_app(web_settings: Settings) -> Iterator[App]:
    instance = App(web_settings)
    add_user(instance, "ada", "admin")
    add_user(instance, "eve", "editor", ["risk"])
    add_user(instance, "sam", "editor", ["finops"])
    add_user(instance, "vic", "viewer")
    yield instance
    instance.close()


@pytest.fixture
def client(web_settings: Settings, web_app: App) -> Iterator[TestClient]:
    from leadline.web.app import create_app

    with TestClient(create_app(web_settings, background=False)) as test_client:
        yield test_client
