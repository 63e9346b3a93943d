"""One figure, every surface: on the demo, for every registered metric and every scope kind it
supports, ``leadline metrics show --format json`` and ``GET /api/v1/metrics/{key}`` give the
same document; the scorecard, ``/metrics`` and the web pages' tiles show the same values for
the same scope, window and as-of instant."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.periods import Period, Window, instant, iso, utc_now
from leadline.scorecard.core import scorecard
from leadline.semantic import registry
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.query import show
from tests.conftest import make_settings
from tests.web.support import login, token_for

SCORECARD_KINDS = ("organisation", "business-unit", "value-stream", "team")
PARAMS = {"finops.unit_cost": ["driver=customers"]}


@pytest.fixture(scope="module")
def home(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo (this module writes a token into it)."""
    target = tmp_path_factory.mktemp("surfaces") / "home"
    shutil.copytree(demo_home, target, ignore=shutil.ignore_patterns("demo-sources"))
    return target


@pytest.fixture(scope="module")
def surfaces(home: Path) -> Any:
    """The demo's app, an API client with a read token, and the instant every surface is
    judged at (a whole hour, as the pages' shared evaluation is)."""
    from leadline.web.app import create_app

    settings = make_settings(home)
    app = App(settings)
    token = token_for(app, "vic", ["read"])
    at = utc_now().replace(minute=0, second=0, microsecond=0)
    with TestClient(create_app(settings, background=False)) as client:
        yield app, client, {"Authorization": f"Bearer {token}"}, at
    app.close()


def _cli_show(home: Path, key: str, kind: str, window: tuple[str, str, str]) -> dict[str, Any]:
    since, until, at = window
    args = ["--home", str(home), "metrics", "show", key, "--by", kind]
    args += ["--since", since, "--until", until, "--at", at, "--format", "json"]
    for param in PARAMS.get(key, []):
        args += ["--param", param]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def _values(document: dict[str, Any]) -> dict[str, float | None]:
    return {g["key"]: g["value"] for g in document["groups"]}


@pytest.fixture(scope="module")
def cards(surfaces: Any) -> dict[str, Any]:
    """The scorecard of each scope kind at the surfaces' instant, computed when first asked."""
    app, _client, _headers, at = surfaces

    class Cards(dict[str, Any]):
        def __missing__(self, kind: str) -> Any:
            self[kind] = scorecard(app, by=kind, now=at)
            return self[kind]

    return Cards()


@pytest.mark.parametrize("scope_kind", SCORECARD_KINDS)
def test_cli_api_and_scorecard_agree(
    home: Path, surfaces: Any, cards: dict[str, Any], scope_kind: str
) -> None:
    """For one scope kind: the API for every metric that supports it; the CLI (the same query
    under a thinner layer) for every metric whose turn this kind is, so across the kinds every
    metric and every kind meet the CLI; and the scorecard's KPI values equal the API's."""
    _app, client, headers, at = surfaces
    quarter = Period.current_quarter(at.date())
    since, until, moment = iso(quarter.start), iso(at), iso(at)
    shown: dict[str, dict[str, float | None]] = {}
    for turn, (key, metric) in enumerate(registry.metrics().items()):
        kinds = [k for k in metric.scopes if k != "slo"]
        if scope_kind not in kinds:
            continue
        params = {"by": scope_kind, "since": since, "until": until, "at": moment}
        answer = client.get(
            f"/api/v1/metrics/{key}",
            params={**params, "param": PARAMS.get(key, [])},
            headers=headers,
        )
        assert answer.status_code == 200, answer.text
        shown[key] = _values(answer.json())
        if scope_kind == kinds[turn % len(kinds)]:
            document = _cli_show(home, key, scope_kind, (since, until, moment))
            assert answer.json() == document, f"{key} by {scope_kind}: CLI and API differ"
    compared = 0
    for scope in cards[scope_kind]["scopes"]:
        for kpi in scope["kpis"]:
            if kpi["kpi"].startswith("outcome.") or kpi.get("metric") in PARAMS:
                continue
            value = shown[kpi["metric"]].get(scope["scope"])
            assert kpi["value"] == (None if value is None else pytest.approx(value, abs=1e-6)), (
                f"{kpi['kpi']} of {scope_kind} {scope['scope']}: scorecard {kpi['value']}, "
                f"metrics show {value}"
            )
            compared += 1
    assert compared >= 8  # the organisation has one scope with its KPIs


def test_prometheus_gauges_are_the_scorecards(surfaces: Any, cards: dict[str, Any]) -> None:
    """``/metrics`` exposes each scorecard KPI as a ``leadline_kpi_value`` gauge with the
    scorecard's value for its scope kind, scope and KPI."""
    _app, client, headers, at = surfaces
    exposition = client.get("/metrics", params={"at": iso(at)}, headers=headers)
    assert exposition.status_code == 200, exposition.text
    gauges = 0
    for family in text_string_to_metric_families(exposition.text):
        if family.name != "leadline_kpi_value":
            continue
        for sample in family.samples:
            labels = sample.labels
            found = next(
                k
                for s in cards[labels["scope_kind"]]["scopes"]
                if s["scope"] == labels["scope"]
                for k in s["kpis"]
                if k["kpi"] == labels["kpi"]
            )
            assert sample.value == pytest.approx(found["value"], abs=1e-6)
            gauges += 1
    assert gauges > 50


TILE = re.compile(
    r'data-metric="(?P<key>[^"]+)" data-scope="(?P<scope>[^"]+)" data-value="(?P<value>[^"]*)"'
    r'.*?<div class="value">(?:<a href="(?P<href>[^"]+)"[^>]*>)?(?P<shown>[^<]+)<',
    re.S,
)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"team": "wallets-team"},
        {"value_stream": "everyday-payments"},
        {"business_unit": "retail"},
    ],
)
def test_page_tiles_are_the_registry_figures(
    home: Path, surfaces: Any, query: dict[str, str]
) -> None:
    """Every tile of a registered metric, on every page and filter, shows the value the
    registry gives for its scope, window and instant (``metrics show``), formatted the same."""
    app, client, _headers, _at = surfaces
    assert login(client, "vic").status_code == 303
    evaluations: dict[str, Evaluation] = {}
    checked = 0
    for path in ("/", "/delivery", "/reliability", "/finops", "/risk"):
        page = client.get(path, params=query)
        assert page.status_code == 200, page.text
        for tile in TILE.finditer(page.text):
            if not tile["href"]:
                continue
            link = parse_qs(urlparse(tile["href"].replace("&amp;", "&")).query)
            kind, _, name = link["scope"][0].partition(":")
            at = link["at"][0]
            ev = evaluations.setdefault(at, Evaluation(app, now=instant(at)))
            window = Window(instant(link["since"][0]), instant(link["until"][0]))
            document = show(ev, tile["key"], by=kind, window=window)  # type: ignore[arg-type]
            group = next(g for g in document["groups"] if g["key"] == (name or "organisation"))
            assert tile["shown"].strip() == group["display"], (path, query, tile["key"])
            if group["value"] is None:
                assert tile["value"] == ""
            else:
                assert float(tile["value"]) == pytest.approx(group["value"])
            checked += 1
    assert checked >= 8
