"""Issue 16 item 2: a Backstage Location could name ``../../etc/passwd`` or ``/etc/shadow``, and
the file's content was stored in the rejects table. File targets now stay inside the directory
tree of the file naming them unless ``ingest.location_roots`` allows more, and a file that is not
a descriptor is named with a reason, never copied into the store."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from leadline.context import App
from leadline.ingest.models import Reject
from leadline.ingest.runner import run_ingest

SECRET = "root:x:0:0:SECRET-CONTENT:/root:/bin/bash\n"


def _location(path: Path, *targets: str) -> Path:
    lines = "".join(f"    - {t}\n" for t in targets)
    path.write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: all\n"
        f"spec:\n  targets:\n{lines}"
    )
    return path


def _stored_text(app: App) -> str:
    with app.store.session() as session:
        rejects = session.scalars(select(Reject)).all()
        return " ".join(f"{r.value} {r.reason} {r.record}" for r in rejects)


def test_targets_outside_the_tree_are_not_read(app: App, tmp_path: Path) -> None:
    secret = tmp_path / "passwd"
    secret.write_text(SECRET)
    repo = tmp_path / "a" / "b"
    repo.mkdir(parents=True)
    info = _location(repo / "catalog-info.yaml", "../../passwd", str(secret))
    report = run_ingest("backstage", [info], settings=app.settings, store=app.store)
    (result,) = report.results
    outside = [p for p in result.problems if "outside the directory" in p.reason]
    assert [p.field for p in outside] == ["spec.targets[0]", "spec.targets[1]"]
    assert "SECRET-CONTENT" not in _stored_text(app)


def test_configured_roots_allow_more_but_content_is_never_stored(app: App, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "passwd").write_text(SECRET)
    repo = tmp_path / "repo"
    repo.mkdir()
    info = _location(repo / "catalog-info.yaml", "../shared/passwd")
    app.settings.ingest.location_roots = [shared]
    report = run_ingest("backstage", [info], settings=app.settings, store=app.store)
    (result,) = report.results
    assert not [p for p in result.problems if "outside the directory" in p.reason]
    named = [p for p in result.problems if p.file.endswith("passwd")]
    assert named and "mapping" in named[0].reason and named[0].record is None
    assert "SECRET-CONTENT" not in _stored_text(app)
