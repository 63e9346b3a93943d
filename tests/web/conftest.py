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


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo organisation, built once per run (pages and API read it); tests that
    write copy it first (``demo_copy``)."""
    from leadline.demo.run import build_demo

    home = tmp_path_factory.mktemp("web-demo") / "home"
    instance = App(make_settings(home))
    try:
        result = build_demo(instance, seed=1, size="small")
        assert not [r for rep in result.reports for r in rep.results if r.status == "failed"]
        add_user(instance, "ada", "admin")
        add_user(instance, "vic", "viewer")
        add_user(instance, "eve", "editor", ["risk"])
    finally:
        instance.close()
    return home


@pytest.fixture
def demo_copy(demo_home: Path, tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "demo-home"
    shutil.copytree(demo_home, target, ignore=shutil.ignore_patterns("demo-sources"))
    return target
