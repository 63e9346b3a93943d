"""Re-ingesting changes nothing; a changed file lands a new batch; order does not matter."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from leadline.config import load_settings
from leadline.context import App
from leadline.ingest.files import dump_yaml
from leadline.ingest.models import Batch
from tests.catalog.helpers import ingest, reference_files, snapshot, write

ALL_COLUMNS = frozenset({"id", "batch_id", "updated_at"})


def _batches(app: App) -> int:
    with app.store.session() as session:
        return int(session.scalar(select(func.count()).select_from(Batch)) or 0)


def test_reingesting_the_same_files_is_unchanged(any_app: App, reference: Path) -> None:
    """Second run: status unchanged, same batch id, no new batch, every row and updated_at
    identical; the stored warnings are reported again and the exit status stays that of
    warnings (0; 1 with ``--strict``)."""
    first = ingest(any_app, "backstage", *reference_files(reference))
    before = snapshot(any_app, keep=ALL_COLUMNS)
    second = ingest(any_app, "backstage", *reference_files(reference))
    [result] = second.results
    assert result.status == "unchanged"
    assert result.batch_id == first.results[0].batch_id
    assert (result.rows_read, result.rows_warned) == (16, 4)
    assert len(result.problems) == 5
    assert (second.outcome, second.exit_code) == ("warnings", 0)
    assert snapshot(any_app, keep=ALL_COLUMNS) == before
    assert _batches(any_app) == 1


def test_a_changed_file_lands_a_new_batch(app: App, tmp_path: Path) -> None:
    """Editing one field lands a second batch that updates that entity only."""
    path = write(
        tmp_path / "c.yaml",
        "apiVersion: leadline.io/v1\nkind: Catalog\nteams:\n"
        "  - {name: a, type: platform}\n  - {name: b, type: enabling}\n",
    )
    first = ingest(app, "catalog-yaml", path)
    write(
        path,
        "apiVersion: leadline.io/v1\nkind: Catalog\nteams:\n"
        "  - {name: a, type: stream-aligned}\n  - {name: b, type: enabling}\n",
    )
    second = ingest(app, "catalog-yaml", path)
    assert second.results[0].status == "landed"
    assert second.results[0].batch_id != first.results[0].batch_id
    teams = {r["name"]: r for r in snapshot(app, keep=ALL_COLUMNS)["team"]}
    assert teams["a"]["team_type"] == "stream-aligned"
    assert teams["a"]["batch_id"] == second.results[0].batch_id
    assert _batches(app) == 2


def test_file_order_on_the_command_line_does_not_change_the_batch(
    app: App, reference: Path
) -> None:
    """The same files in another order are the same content: unchanged."""
    files = reference_files(reference)
    ingest(app, "backstage", *files)
    again = ingest(app, "backstage", *reversed(files))
    assert again.results[0].status == "unchanged"


# --- property: random small native catalogs ------------------------------------------------

NAMES = st.sampled_from(["a", "b", "c", "d", "e"])
TEAM_TYPES = st.sampled_from(["stream-aligned", "platform", "enabling", "complicated-subsystem"])


@st.composite
def catalogs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two native documents splitting one catalog: every entity lives in one file, and
    references may cross files."""
    teams = draw(st.lists(NAMES, unique=True, min_size=1, max_size=4))
    team_items = [
        {
            "name": f"team-{t}",
            **draw(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "type": TEAM_TYPES,
                        "cognitive_load": st.integers(0, 10),
                        "value_stream": st.sampled_from(["vs-1", "vs-2"]),
                    },
                )
            ),
        }
        for t in teams
    ]
    services = draw(st.lists(NAMES, unique=True, max_size=4))
    service_items = [
        {"name": f"svc-{s}", "owner": f"team-{draw(NAMES)}", "tier": str(draw(st.integers(1, 3)))}
        for s in services
    ]
    streams = [{"name": "vs-1", "title": "Stream one"}, {"name": "vs-2"}]
    pairs = draw(
        st.lists(
            st.tuples(NAMES, NAMES, st.sampled_from(["collaboration", "facilitating"])).filter(
                lambda p: p[0] != p[1]
            ),
            unique=True,
            max_size=3,
        )
    )
    interactions = [
        {
            "team": f"team-{a}",
            "with": f"team-{b}",
            "mode": mode,
            "started_on": dt.date(2026, 1, 1) + dt.timedelta(days=draw(st.integers(0, 300))),
        }
        for a, b, mode in pairs
    ]
    items = (
        [("teams", i) for i in team_items]
        + [("services", i) for i in service_items]
        + [("value_streams", i) for i in streams]
        + [("interactions", i) for i in interactions]
    )
    sides = draw(st.lists(st.booleans(), min_size=len(items), max_size=len(items)))
    docs: tuple[dict[str, Any], dict[str, Any]] = (
        {"apiVersion": "leadline.io/v1", "kind": "Catalog"},
        {"apiVersion": "leadline.io/v1", "kind": "Catalog"},
    )
    for (section, item), side in zip(items, sides, strict=True):
        docs[int(side)].setdefault(section, []).append(item)
    return docs


def _land(home: Path, *paths: Path, twice: bool = False) -> dict[str, list[dict[str, Any]]]:
    app = App(load_settings(home=home, database_url="sqlite://"))  # in memory: fast
    try:
        for path in paths:
            ingest(app, "catalog-yaml", path)
            if twice:
                ingest(app, "catalog-yaml", path)
        return snapshot(app)
    finally:
        app.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs())
def test_ingest_twice_equals_once_and_order_does_not_matter(
    docs: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """For random two-file catalogs: A,B == A,A,B,B and == B,A (derived fields included)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        a = write(root / "a.yaml", dump_yaml([docs[0]]))
        b = write(root / "b.yaml", dump_yaml([docs[1]]))
        once = _land(root / "h1", a, b)
        assert _land(root / "h2", a, b, twice=True) == once
        assert _land(root / "h3", b, a) == once
        owners = {s["name"]: s["owner_team"] for s in once["service"]}
        teams = {t["name"] for t in once["team"]}
        for service in docs[0].get("services", []) + docs[1].get("services", []):
            expected = service["owner"] if service["owner"] in teams else None
            assert owners[service["name"]] == expected
