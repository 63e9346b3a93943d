"""Sloth prometheus/v1 conformance: Sloth's own examples and its integration-test inputs
(slok/sloth), copied verbatim in tests/data/conformance/sloth (see SOURCES.md there)."""

from __future__ import annotations

from leadline.context import App
from leadline.reliability.models import Slo
from leadline.reliability.specs import SLOTH_RULES
from tests.conformance.support import DATA, errors, ingest, rows

SLOTH = DATA / "sloth"
EXAMPLES = SLOTH / "examples"
TESTDATA = SLOTH / "test" / "integration" / "prometheus" / "testdata"
QUERY = 'sum(rate(http_request_duration_seconds_count{job="myservice"%s}[{{.window}}]))'
BAD = QUERY % ',code=~"(5..|429)"'
TOTAL = QUERY % ""
BOTH = SLOTH_RULES["page"] + SLOTH_RULES["ticket"]


def test_getting_started(app: App) -> None:
    assert errors(ingest(app, "sloth", EXAMPLES / "getting-started.yml")) == []
    slo = rows(app, Slo)["myservice-requests-availability"]
    assert (slo.service, slo.objective, slo.sli_kind) == ("myservice", 0.999, "ratio")
    assert slo.indicator == {"datasource": None, "bad": BAD, "total": TOTAL}
    assert (slo.window_kind, slo.window_days, slo.budgeting) == ("rolling", 30, "occurrences")
    assert slo.alerting == BOTH
    assert slo.description == "Common SLO based on availability for HTTP request responses."


def test_home_wifi_two_slos(app: App) -> None:
    assert errors(ingest(app, "sloth", EXAMPLES / "home-wifi.yml")) == []
    slos = rows(app, Slo)
    good = slos["home-wifi-good-wifi-client-satisfaction"]
    risk = slos["home-wifi-risk-wifi-client-satisfaction"]
    assert (good.objective, risk.objective) == (0.95, 0.999)
    assert good.indicator["bad"] == (
        "sum_over_time((count(unifipoller_client_satisfaction_ratio < 0.75))[{{.window}}:])"
        " OR on() vector(0)"
    )


def test_raw_error_ratio_query(app: App) -> None:
    assert errors(ingest(app, "sloth", EXAMPLES / "raw-home-wifi.yml")) == []
    slo = rows(app, Slo)["home-wifi-wifi-client-satisfaction"]
    assert slo.objective == 0.95
    assert slo.indicator["error_ratio"].startswith("1 - (\n  sum(sum_over_time(")


def test_no_alerts_disables_both(app: App) -> None:
    assert errors(ingest(app, "sloth", EXAMPLES / "no-alerts.yml")) == []
    slo = rows(app, Slo)["myapp-http-availability"]
    assert (slo.objective, slo.alerting) == (0.9999, [])


def test_multifile_and_slo_plugins(app: App) -> None:
    """SLO plugins (debug plugins here) are kept in the document, not applied."""
    assert errors(ingest(app, "sloth", EXAMPLES / "multifile.yml")) == []
    slos = rows(app, Slo)
    assert slos["myservice-requests-availability"].objective == 0.999
    assert slos["myservice2-requests-availability"].objective == 0.9999
    assert errors(ingest(app, "sloth", EXAMPLES / "slo-plugin-getting-started.yml")) == []
    slo = rows(app, Slo)["myservice-requests-availability"]
    assert slo.document["slo_plugins"]["chain"][0]["id"] == "sloth.dev/core/debug/v1"
    assert (slo.objective, slo.alerting) == (0.999, BOTH)


def test_integration_inputs(app: App) -> None:
    both = errors(ingest(app, "sloth", TESTDATA / "in-base.yaml", TESTDATA / "in-multifile.yaml"))
    assert [(e.item, e.reason[:26]) for e in both] == [
        ("slos[0]", "duplicate SLO 'svc01-slo1'"),
        ("slos[1]", "duplicate SLO 'svc01-slo02"),
    ]
    # in-base.yaml and in-multifile.yaml both define svc01's SLOs: the second definition in
    # one batch is refused naming both places; apart, each lands.
    for name in ("in-base.yaml", "in-multifile.yaml"):
        with app.store.session() as session:
            session.query(Slo).delete()
        assert errors(ingest(app, "sloth", TESTDATA / name)) == []
    slos = rows(app, Slo)
    assert set(slos) == {"svc01-slo1", "svc01-slo02", "svc02-slo1", "svc02-slo02"}
    assert (slos["svc01-slo1"].alerting, slos["svc01-slo02"].alerting) == (BOTH, [])
    assert slos["svc01-slo02"].indicator["error_ratio"].startswith("sum(rate(")
    assert slos["svc02-slo1"].objective == 0.9999


def test_invalid_version_is_refused(app: App) -> None:
    [error] = errors(ingest(app, "sloth", TESTDATA / "in-invalid-version.yaml"))
    assert (error.field, error.value) == ("version", "prometheus/v999")
    assert error.reason == "version must be 'prometheus/v1' (Sloth's Prometheus spec)"


def test_sloth_validate_bad_objective_refuses_only_that_slo(app: App) -> None:
    """Sloth's validate refuses these files for objective 101; leadline refuses that SLO and
    lands the file's valid one."""
    for name in ("bad-aa.yaml", "bad-ab.yaml", "bad-ba.yaml"):
        [error] = errors(ingest(app, "sloth", TESTDATA / "validate" / "bad" / name))
        assert (error.item, error.field, error.value) == ("slos[1]", "slos[1].objective", 101)
        assert "objective must be a percentage above 0 and below 100" in error.reason
    assert set(rows(app, Slo)) == {"svc01-slo1"}


def test_sli_plugins_are_refused_naming_the_rule(app: App) -> None:
    [error] = errors(ingest(app, "sloth", EXAMPLES / "plugin-getting-started.yml"))
    assert (error.item, error.field) == ("slos[0]", "slos[0].sli.plugin")
    assert error.reason.startswith("SLI plugins are not supported")


def test_sloths_other_formats_are_refused_naming_the_api_version(app: App) -> None:
    cases = {
        "k8s-getting-started.yml": ("sloth.slok.dev/v1", "PrometheusServiceLevel"),
        "openslo-getting-started.yml": ("openslo/v1alpha", "SLO"),
        "windows/7d.yaml": ("sloth.slok.dev/v1", "AlertWindows"),
    }
    for name, (api, kind) in cases.items():
        [error] = errors(ingest(app, "sloth", EXAMPLES / name))
        assert (error.field, error.value) == ("apiVersion", api)
        assert error.reason.startswith(f"{api} {kind} is not a Sloth spec with version")
    assert rows(app, Slo) == {}
