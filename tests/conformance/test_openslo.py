"""OpenSLO v1 conformance: the OpenSLO project's own examples (OpenSLO/OpenSLO ``examples/``)
and its reference Go SDK's examples and test data (OpenSLO/go-sdk), copied verbatim in
tests/data/conformance/openslo (see SOURCES.md there). Each valid example lands with the values
it states; each refusal names the field, the value and the rule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pytest import approx

from leadline.context import App
from leadline.reliability.models import Slo, SloDocument
from leadline.reliability.report import window_bounds
from tests.conformance.support import DATA, errors, ingest, problems, rows

OWNER = DATA / "openslo" / "OpenSLO" / "examples"
SDK = DATA / "openslo" / "go-sdk" / "pkg"
SDK_EXAMPLES = SDK / "openslo" / "v1" / "examples"
SDK_TESTDATA = SDK / "openslosdk" / "test_data"


def test_occurrences_example_threshold_slo(app: App) -> None:
    report = ingest(app, "openslo", OWNER / "budgeting-method" / "occurences-slo.yaml")
    assert errors(report) == []  # alertPolicies: with no value counts as none (issue 21)
    slo = rows(app, Slo)["search-slo"]
    assert (slo.service, slo.display_name, slo.sli_kind) == (
        "web-shop",
        "Searching time",
        "threshold",
    )
    assert slo.indicator == {"datasource": None, "metric": "Any", "op": "lt", "threshold": 500}
    assert slo.objective == approx(0.99)
    assert (slo.window_kind, slo.window_days, slo.budgeting) == ("rolling", 14, "occurrences")
    assert slo.alerting == []
    # the only other problem is the catalog warning: web-shop is not a service here
    assert [(p.field, p.value) for p in problems(report)] == [("spec.service", "web-shop")]


def test_ratio_timeslices_example(app: App) -> None:
    assert (
        errors(ingest(app, "openslo", OWNER / "budgeting-method" / "ratio-timeslices.yaml")) == []
    )
    slo = rows(app, Slo)["main-page"]
    assert (slo.sli_kind, slo.indicator) == (
        "ratio",
        {"datasource": None, "good": "Any", "total": "Any"},
    )
    assert (slo.budgeting, slo.timeslice_seconds, slo.timeslice_target) == (
        "ratio_timeslices",
        60,
        None,
    )
    assert (slo.window_days, slo.objective) == (14, approx(0.99))


def test_calendar_week_timeslices_example(app: App) -> None:
    path = OWNER / "treat-low-traffic-as-equally-important" / "timeslices-slo.yaml"
    assert errors(ingest(app, "openslo", path)) == []
    slo = rows(app, Slo)["service-availability"]
    assert (slo.window_kind, slo.calendar_unit, slo.window_days) == ("calendar", "week", None)
    assert (slo.budgeting, slo.timeslice_target, slo.timeslice_seconds) == ("timeslices", 0.95, 60)
    assert slo.objective == approx(0.9995)
    calendar = slo.document["spec"]["timeWindow"][0]["calendar"]
    assert calendar == {"startTime": "2022-01-01 12:00:00", "timeZone": "America/New_York"}


def test_a_one_minute_calendar_window_is_refused_naming_field_value_and_rule(app: App) -> None:
    """The example's comment says a month, but ``1m`` is one minute in OpenSLO's shorthand
    (``M`` is a month); leadline's calendar windows are weeks, months, quarters and years."""
    report = ingest(app, "openslo", OWNER / "budgeting-method" / "timeslices-slo.yaml")
    found = errors(report)
    assert [(p.item, p.field, p.value) for p in found] == [
        ("spec.objectives[0]", "spec.timeWindow[0].duration", "1m"),
        ("spec.objectives[1]", "spec.timeWindow[0].duration", "1m"),
    ]
    assert all("must be 1w, 1M, 1Q or 1Y" in p.reason for p in found)
    assert rows(app, Slo) == {}


def test_sdk_examples_of_every_kind_land_as_documents(app: App) -> None:
    names = {
        "alert_conditions.yaml": ("AlertCondition", {"cpu-usage-breach", "latency-too-high"}),
        "alert_notification_targets.yaml": (
            "AlertNotificationTarget",
            {"devs-email-notification", "pd-on-call-notification"},
        ),
        "alert_policies.yaml": (
            "AlertPolicy",
            {"low-priority", "high-priority", "medium-priority"},
        ),
        "data_sources.yaml": ("DataSource", {"prometheus", "datadog"}),
        "slis.yaml": (
            "SLI",
            {
                "search-availability",
                "end-user-response",
                "wifi-client-satisfaction",
                "annotator-throughput",
            },
        ),
    }
    report = ingest(app, "openslo", *(SDK_EXAMPLES / name for name in names))
    assert problems(report) == []
    stored = rows(app, SloDocument, "kind_name")
    for kind, expected in names.values():
        assert {name for k, name in stored if k == kind} == expected


def test_sdk_slo_example_a_list_with_calendar_timeslices(app: App) -> None:
    report = ingest(app, "openslo", SDK_EXAMPLES / "slos.yaml")
    assert errors(report) == []
    [warning] = problems(report)  # the list item's catalog warning names it
    assert (warning.item, warning.field, warning.value) == ("[0]", "[0].spec.service", "web")
    slo = rows(app, Slo)["web-availability"]
    assert (slo.service, slo.display_name, slo.objective) == (
        "web",
        "SLO for web availability",
        0.995,
    )
    assert (slo.calendar_unit, slo.timeslice_target, slo.timeslice_seconds) == ("week", 0.95, 60)
    assert (
        slo.indicator["good"]
        == 'sum(http_requests{k8s_cluster="prod",component="web",code=~"2xx|4xx"})'
    )


def test_sdk_services_example_two_definitions_of_one_name(app: App) -> None:
    """Both list items are named example-service: the first lands, the second (other labels)
    is refused as a second definition of the same Service, naming both places."""
    report = ingest(app, "openslo", SDK_EXAMPLES / "services.yaml")
    [error] = errors(report)
    assert (error.item, error.field, error.value) == ("[1]", "[1].metadata.name", "example-service")
    assert "duplicate Service 'example-service'" in error.reason and "[0]" in error.reason
    document = rows(app, SloDocument, "kind_name")[("Service", "example-service")].document
    assert document["metadata"]["labels"] == {"env": ["prod"], "team": ["team-a", "team-b"]}


def test_sdk_decode_fixtures_a_sequence_and_two_documents_land_alike(app: App) -> None:
    decode = SDK_TESTDATA / "decode"
    report = ingest(app, "openslo", decode / "sequence_of_objects.yaml")
    assert problems(report) == []
    as_list = {k: d.document for k, d in rows(app, SloDocument, "kind_name").items()}
    assert set(as_list) == {("Service", "users-auth"), ("Service", "users-login")}
    assert as_list[("Service", "users-auth")]["metadata"]["displayName"] == "Users Auth Service"
    with app.store.session() as session:
        session.query(SloDocument).delete()
    assert problems(ingest(app, "openslo", decode / "two_documents.yaml")) == []
    assert {k: d.document for k, d in rows(app, SloDocument, "kind_name").items()} == as_list


def test_sdk_decode_fixture_without_time_window_is_refused(app: App) -> None:
    """The spec's README calls timeWindow optional, but the SDK's validation requires exactly
    one ("missing timeWindow" in its slo_test.go) and leadline has no default window."""
    report = ingest(app, "openslo", SDK_TESTDATA / "decode" / "v1_slos.yaml")
    assert [(p.item, p.field, p.value, p.reason) for p in errors(report)] == [
        ("[0]", "[0].spec.timeWindow", None, "is required")
    ]


def test_sdk_inline_fixture_references_and_inline_policies(app: App) -> None:
    report = ingest(app, "openslo", SDK_TESTDATA / "inline" / "inputs" / "v1_slo.yaml")
    assert errors(report) == []
    slos = rows(app, Slo)
    one, two = slos["my-slo-1"], slos["my-slo-2"]
    query = (
        'sum(min_over_time(kafka_consumergroup_lag{k8s_cluster="prod", consumergroup="annotator",'
        ' topic="annotator-in"}[2m]))\n'
    )
    threshold = {"datasource": "my-prometheus", "metric": query, "op": "gt", "threshold": 1.0}
    assert one.indicator == two.indicator == threshold  # inline SLI and indicatorRef alike
    # cpu-usage-breach (referenced) is "lte": not a burn-rate page; the inline memory one is
    assert two.alerting == [
        {"severity": "page", "long_window": "1h", "short_window": "5m", "factor": 2.0}
    ]
    assert one.alerting == []


def test_sdk_inline_fixture_threshold_objective_without_value_is_refused(app: App) -> None:
    """The SDK checks op and value of a threshold objective only when its SLI is inline; the
    SLI here is referenced, and leadline, resolving the reference, requires them as the
    spec does for threshold metrics."""
    path = SDK_TESTDATA / "inline" / "inputs" / "v1_slo_invalid_target.yaml"
    found = errors(ingest(app, "openslo", path))
    assert [(p.item, p.field, p.value) for p in found] == [
        ("[0]", "[0].spec.objectives[0].value", None)
    ]
    assert "is required with a thresholdMetric" in found[0].reason


def test_a_calendar_year_window_as_the_readme_lists_it(app: App, tmp_path: Path) -> None:
    """The README's calendar example durations are 1M, 1Q, 1Y: a year lands as one."""
    text = (OWNER / "treat-low-traffic-as-equally-important" / "timeslices-slo.yaml").read_text()
    path = tmp_path / "year.yaml"
    path.write_text(text.replace("duration: 1w", "duration: 1Y"), encoding="utf-8")
    assert errors(ingest(app, "openslo", path)) == []
    slo = rows(app, Slo)["service-availability"]
    assert (slo.window_kind, slo.calendar_unit) == ("calendar", "year")
    start, end = window_bounds(slo, dt.datetime(2026, 3, 1))
    assert (start, end) == (dt.datetime(2026, 1, 1), dt.datetime(2027, 1, 1))
