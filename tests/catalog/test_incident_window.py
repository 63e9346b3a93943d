"""A service's own incident window from the catalog (issue 17, item 5a): the Backstage
annotation ``leadline.io/incident-window-hours`` is checked on import, kept in the stored
document, read by ``leadline dora`` and exported again."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadline.catalog.export import to_backstage
from leadline.catalog.incident_window import (
    incident_windows,
    parse_incident_window,
    stored_incident_window,
)
from leadline.context import App
from leadline.delivery.report import dora
from leadline.periods import Window
from tests.catalog.helpers import ingest, problems, write
from tests.delivery.support_metrics import (
    DEPLOYMENTS_HEADER,
    INCIDENTS_HEADER,
    t,
    write_csv,
)


def component(name: str, window: str | None) -> str:
    annotation = (
        f"  annotations:\n    leadline.io/incident-window-hours: '{window}'\n" if window else ""
    )
    return (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n"
        f"  name: {name}\n{annotation}spec:\n  type: service\n  lifecycle: production\n"
        "  owner: team-a\n"
    )


@pytest.mark.parametrize(("value", "hours"), [("36", 36.0), ("0.5", 0.5), (6, 6.0), ("1e1", 10.0)])
def test_parse_accepts_positive_hours(value: object, hours: float) -> None:
    assert parse_incident_window(value) == hours


@pytest.mark.parametrize("value", ["soon", "0", "-2", "nan", "inf", "", True, None])
def test_parse_refuses_what_is_not_positive_hours(value: object) -> None:
    with pytest.raises(ValueError, match="must be a number of hours above 0"):
        parse_incident_window(value)


def test_stored_window_reads_the_annotation_then_the_native_field() -> None:
    backstage = {
        "backstage": {"metadata": {"annotations": {"leadline.io/incident-window-hours": "6"}}}
    }
    assert stored_incident_window(backstage) == 6.0
    assert stored_incident_window({"native": {"incident_window_hours": 2}}) == 2.0
    assert stored_incident_window({**backstage, "native": {"incident_window_hours": 2}}) == 6.0
    assert stored_incident_window({}) is None and stored_incident_window(None) is None


def test_a_bad_annotation_is_refused_naming_file_document_and_field(
    app: App, tmp_path: Path
) -> None:
    """Document 2's window is "soon": it is rejected naming the field; document 1 lands."""
    path = write(
        tmp_path / "catalog.yaml", component("api", "12") + "---\n" + component("batch", "soon")
    )
    report = ingest(app, "backstage", path)
    [problem] = [p for p in problems(report) if p.severity == "error"]
    assert (problem.file, problem.row, problem.severity) == (str(path), 2, "error")
    assert problem.field == "metadata.annotations.leadline.io/incident-window-hours"
    assert "must be a number of hours above 0" in problem.reason
    with app.store.session() as session:
        assert incident_windows(session) == {"api": 12.0}


def test_dora_uses_the_service_window_and_export_keeps_it(app: App, tmp_path: Path) -> None:
    """batch sets 36 h, api none (the 24 h default). Both deploy on 3 March 00:00 and have an
    incident 30 h later: batch's links (1 of 1 failed), api's does not (0 of 1). With
    ``incident_attribution="latest"`` both link (DevLake's rule has no window)."""
    catalog = write(
        tmp_path / "catalog.yaml", component("api", None) + "---\n" + component("batch", "36")
    )
    assert not [p for p in problems(ingest(app, "backstage", catalog)) if p.severity == "error"]
    deployments = [
        "a1,api,production,success,2026-03-03T00:00:00Z,,",
        "b1,batch,production,success,2026-03-03T00:00:00Z,,",
    ]
    incidents = [
        "i1,api,SEV2,2026-03-04T06:00:00Z,2026-03-04T07:00:00Z,",
        "i2,batch,SEV2,2026-03-04T06:00:00Z,2026-03-04T07:00:00Z,",
    ]
    for source, path in (
        ("deployments-csv", write_csv(tmp_path / "d.csv", DEPLOYMENTS_HEADER, deployments)),
        ("incidents-csv", write_csv(tmp_path / "i.csv", INCIDENTS_HEADER, incidents)),
    ):
        assert ingest(app, source, path).totals()["rows_rejected"] == 0
    window = Window(t("2026-03-01T00:00:00Z"), t("2026-03-08T00:00:00Z"))
    at = t("2026-03-08T00:00:00Z")
    document = dora(app, by="service", window=window, as_of=at)
    found = {g["key"]: (g["failed_deployments"], g["deployments"]) for g in document["groups"]}
    assert found == {"api": (0, 1), "batch": (1, 1)}
    assert document["incident_attribution"] == "window"
    latest = dora(app, by="service", window=window, as_of=at, incident_attribution="latest")
    found = {g["key"]: (g["failed_deployments"], g["deployments"]) for g in latest["groups"]}
    assert found == {"api": (1, 1), "batch": (1, 1)}
    with app.store.session() as session:
        exported = {d["metadata"]["name"]: d for d in to_backstage(session)}
    annotations = exported["batch"]["metadata"]["annotations"]
    assert annotations["leadline.io/incident-window-hours"] == "36"


NATIVE = """
apiVersion: leadline.io/v1
kind: Catalog
services:
  - name: batch
    incident_window_hours: 36
  - name: api
"""


def test_the_native_field_sets_the_window_and_is_exported(app: App, tmp_path: Path) -> None:
    """The native catalog's ``incident_window_hours`` is kept and read as the annotation is;
    export writes it as the annotation (36 -> "36")."""
    report = ingest(app, "catalog-yaml", write(tmp_path / "native.yaml", NATIVE))
    assert report.exit_code == 0, [p.describe() for p in problems(report)]
    with app.store.session() as session:
        assert incident_windows(session) == {"batch": 36.0}
        exported = {d["metadata"]["name"]: d for d in to_backstage(session)}
    annotations = exported["batch"]["metadata"]["annotations"]
    assert annotations["leadline.io/incident-window-hours"] == "36"
    assert "annotations" not in exported["api"]["metadata"]


@pytest.mark.parametrize("value", ["0", "-1", "soon", ".inf"])
def test_a_bad_native_window_is_refused_naming_the_field(
    app: App, tmp_path: Path, value: str
) -> None:
    text = NATIVE.replace("incident_window_hours: 36", f"incident_window_hours: {value}")
    report = ingest(app, "catalog-yaml", write(tmp_path / "native.yaml", text))
    [problem] = [p for p in problems(report) if p.severity == "error"]
    assert "incident_window_hours" in (problem.field or "") + problem.reason
    with app.store.session() as session:
        assert incident_windows(session) == {}
