"""Helpers of the git source tests: real repositories built with the git CLI at fixed dates,
deployments landed through ``deployments-csv``, and the lake's delivery rows read back."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from leadline.catalog.models import Service
from leadline.config import Settings
from leadline.delivery.schemas import CHANGES, DEPLOYMENTS
from leadline.ingest.runner import IngestReport, run_ingest
from leadline.lake.writer import LakeWriter
from leadline.store import Store

UTC = dt.UTC


def git_env(**extra: str) -> dict[str, str]:
    """An environment where no user or system git configuration interferes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Ada Lovelace",
        GIT_AUTHOR_EMAIL="ada@example.org",
        GIT_COMMITTER_NAME="Ada Lovelace",
        GIT_COMMITTER_EMAIL="ada@example.org",
        TZ="UTC",
    )
    env.update(extra)
    return env


class Repo:
    """A repository in a temporary folder, driven by the git CLI."""

    def __init__(self, path: Path, branch: str = "main") -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", branch)

    def git(self, *args: str, stdin: bytes | None = None, **env: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(self.path), *args],
            input=stdin,
            capture_output=True,
            env=git_env(**env),
            check=True,
        )
        return done.stdout.decode().strip()

    def commit(
        self,
        message: str,
        committed: str,
        *,
        authored: str | None = None,
        author: tuple[str, str] = ("Ada Lovelace", "ada@example.org"),
    ) -> str:
        """An empty commit with the given ISO dates (offsets kept, as git stores them)."""
        self.git(
            "commit",
            "-q",
            "--allow-empty",
            "--allow-empty-message",
            "-m",
            message,
            GIT_AUTHOR_DATE=authored or committed,
            GIT_COMMITTER_DATE=committed,
            GIT_AUTHOR_NAME=author[0],
            GIT_AUTHOR_EMAIL=author[1],
        )
        return self.git("rev-parse", "HEAD")

    def merge(self, branch: str, message: str, committed: str) -> str:
        self.git(
            "merge",
            "-q",
            "--no-ff",
            "-m",
            message,
            branch,
            GIT_AUTHOR_DATE=committed,
            GIT_COMMITTER_DATE=committed,
        )
        return self.git("rev-parse", "HEAD")

    def tag(self, name: str, target: str, *, annotated_at: str | None = None) -> None:
        """A lightweight tag, or an annotated one tagged at ``annotated_at``."""
        if annotated_at is None:
            self.git("tag", name, target)
        else:
            self.git("tag", "-a", "-m", name, name, target, GIT_COMMITTER_DATE=annotated_at)


def at(text: str) -> dt.datetime:
    """An aware UTC datetime from ISO text with any offset."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def add_service(store: Store, name: str) -> None:
    with store.session() as session:
        session.add(Service(name=name))


def land_deployments(
    settings: Settings, store: Store, tmp_path: Path, rows: Sequence[dict[str, Any]]
) -> IngestReport:
    """Deployments through the generic CSV source (how teams without a CI source send them)."""
    fields = ["deployment_id", "service", "environment", "status", "finished_at", "commit_sha"]
    path = tmp_path / f"deployments-{len(list(tmp_path.glob('deployments-*.csv')))}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({"environment": "production", "status": "success", **row})
    report = run_ingest("deployments-csv", [path], settings=settings, store=store)
    assert report.results[0].status == "landed", report.results[0].problems
    return report


def ingest_git(
    settings: Settings,
    store: Store,
    repo: Path,
    *,
    force: bool = False,
    **options: str,
) -> IngestReport:
    options.setdefault("service", "svc")
    return run_ingest(
        "git", [repo], settings=settings, store=store, options=dict(options), force=force
    )


def lake_rows(settings: Settings, store: Store, table: Any) -> list[dict[str, Any]]:
    """Committed rows of a delivery table (hidden batch column left out)."""
    with store.session() as session:
        rows = LakeWriter(settings.lake_path, session, None).read_table(table).to_pylist()
    return [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]


def changes(settings: Settings, store: Store) -> dict[str, dict[str, Any]]:
    """Changes by commit sha, with ``extra`` decoded."""
    rows = lake_rows(settings, store, CHANGES)
    out = {}
    for row in rows:
        row["extra"] = json.loads(row["extra"]) if row["extra"] else None
        out[row["change_id"]] = row
    assert len(out) == len(rows), "a change landed twice"
    return out


def deployments(settings: Settings, store: Store) -> dict[str, dict[str, Any]]:
    return {r["deployment_id"]: r for r in lake_rows(settings, store, DEPLOYMENTS)}


def attribution(settings: Settings, store: Store) -> dict[str, str | None]:
    return {sha: row["deployment_id"] for sha, row in changes(settings, store).items()}


def fast_import(
    repo: Repo,
    commits: int,
    *,
    start: int = 1_772_000_000,
    step: int = 600,
    merge_every: int = 0,
    seed_offsets: Sequence[int] = (3,),
) -> list[str]:
    """Build main's history in one ``git fast-import`` (thousands of commits per second); every
    ``merge_every``-th main commit merges a side commit forked a few commits back. Returns the
    shas of main's own commits, oldest first (side commits are reachable through the merges)."""
    chunks: list[bytes] = []
    main: list[int] = []
    mark = 0

    def emit(ref: str, when: int, message: str, parents: Sequence[int]) -> int:
        nonlocal mark
        mark += 1
        data = message.encode()
        ident = f"Dev <dev{mark % 7}@example.org> {when} +0100"
        head = f"commit {ref}\nmark :{mark}\nauthor {ident}\ncommitter {ident}\n"
        body = b"data %d\n%s\n" % (len(data), data)
        links = "".join(f"{'from' if i == 0 else 'merge'} :{p}\n" for i, p in enumerate(parents))
        chunks.append(head.encode() + body + links.encode() + b"\n")
        return mark

    for i in range(commits):
        when = start + i * step
        parents = [main[-1]] if main else []
        if merge_every and i % merge_every == merge_every - 1 and len(main) > max(seed_offsets):
            fork = main[-seed_offsets[i % len(seed_offsets)]]
            side = emit("refs/heads/side", when - step // 2, f"side {i}", [fork])
            parents.append(side)
        main.append(emit("refs/heads/main", when, f"main {i}", parents))
    marks = repo.path / ".git" / "leadline-test-marks"
    repo.git("fast-import", "--quiet", f"--export-marks={marks}", stdin=b"".join(chunks))
    by_mark = dict(line.split() for line in marks.read_text().splitlines())
    marks.unlink()
    repo.git("checkout", "-q", "-f", "main")
    return [by_mark[f":{m}"] for m in main]


def annotated_tags(repo: Repo, tags: Sequence[tuple[str, str, int]]) -> None:
    """Annotated tags (name, commit, tagger time) in one ``fast-import``."""
    stream = b"".join(
        f"tag {name}\nfrom {sha}\ntagger Rel <rel@example.org> {when} +0000\n".encode()
        + b"data %d\n%s\n" % (len(name), name.encode())
        for name, sha, when in tags
    )
    repo.git("fast-import", "--quiet", stdin=stream)
