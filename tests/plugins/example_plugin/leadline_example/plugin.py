"""The example plugin's registration point, found through the ``leadline.plugins`` entry point
of its ``leadline_example-0.1.dist-info``: an ingest source (``example-notes``) with its lake
table, a command (``leadline example-hello``), an API route (``/api/v1/example/teams``), a page
(``/example``), a metric (``example.teams``, the catalog's teams in each scope) and a connector
kind (``example-notes``, new notes files of a directory)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import pyarrow as pa
import typer
from fastapi import APIRouter, Request
from fastapi.responses import Response

from leadline.catalog.grouping import Scope, ScopeKind
from leadline.connect.kinds.base import ConnectionSpec, Cursors, KindOption, Pull
from leadline.context import App
from leadline.ingest.problems import Parsed, Problem
from leadline.ingest.registry import Context, InputFile, LandContext, Source, Template, Unit
from leadline.lake.tables import FactTable
from leadline.periods import Window
from leadline.plugins import hookimpl
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.registry import Metric, Values
from leadline.webkit.api import ERRORS, Reader
from leadline.webkit.deps import leadline_app
from leadline.webkit.filters import Filters
from leadline.webkit.filters import Scope as PageScope
from leadline.webkit.registry import PageSpec
from leadline.webkit.responses import json_answer
from leadline.webkit.viewdata import Page

NOTES = FactTable(
    "example_notes",
    pa.schema(
        [
            pa.field("note", pa.string(), nullable=False),
            pa.field("noted_at", pa.timestamp("us", tz="UTC"), nullable=False),
        ]
    ),
    "noted_at",
    description="Notes landed by the example plugin's source.",
)


class NotesSource(Source):
    """``leadline ingest example-notes FILE``: one note a line (``#`` starts a comment)."""

    name = "example-notes"
    summary = "Example notes, one a line (the example plugin's source)"
    writes_lake = True

    def templates(self) -> list[Template]:
        return [Template("example-notes.txt", "# one note a line\n")]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        text = unit.files[0].data.decode("utf-8")
        notes = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
        return Parsed(len(notes), notes, [])

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.lake is not None
        now = dt.datetime.now(dt.UTC)
        table = pa.table(
            {"note": parsed.records, "noted_at": [now] * len(parsed.records)},
            schema=NOTES.schema,
        )
        ctx.lake.append(NOTES, table)
        return []


def _teams(
    ev: Evaluation, kind: ScopeKind, windows: Sequence[Window], params: Mapping[str, str]
) -> list[Values]:
    """Each scope's number of teams, by the catalog's one grouping (the same every window)."""
    grouping = ev.grouping
    values = {
        name: float(len(grouping.teams_in(Scope(kind, name)))) for name in grouping.scopes(kind)
    }
    return [values for _ in windows]


TEAMS = Metric(
    key="example.teams",
    title="Teams",
    unit="count",
    direction="higher",
    scopes=("team", "value-stream", "business-unit", "organisation"),
    default_window="last-90-days",
    anchor="example-teams",
    pillar="example",
    description="The catalog's teams in each scope (the example plugin's metric).",
    evaluate=_teams,
)

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get("/example/teams", responses=ERRORS)
def example_teams(
    request: Request,
    _who: Reader,
    by: Literal["team", "value-stream", "business-unit", "organisation"] = "organisation",
) -> Response:
    """Teams per scope, through the metric registry (``example.teams``)."""
    ev = Evaluation(leadline_app(request))
    window = ev.default_window(TEAMS)
    values = ev.values(TEAMS.key, by, [window])[0]
    return json_answer(request, {"by": by, "teams": dict(sorted(values.items()))})


def example_page(app: App, filters: Filters, scope: PageScope) -> Page:
    """The organisation's teams, through the metric registry."""
    ev = Evaluation(app)
    values = ev.values(TEAMS.key, "organisation", [ev.default_window(TEAMS)])[0]
    teams = int(values.get("organisation") or 0)
    return Page("Example", notes=[f"The organisation has {teams} teams (example.teams)."])


def hello(name: Annotated[str, typer.Option(help="Whom to greet.")] = "world") -> None:
    """Say hello (the example plugin's command)."""
    typer.echo(f"hello {name}, from the example plugin")


class NotesDirectory:
    """``leadline connect add example-notes NAME --directory DIR``: each new ``*.txt`` file of
    DIR lands through the ``example-notes`` source; the cursor keeps the names already landed."""

    name = "example-notes"
    summary = "Example notes from a directory (the example plugin's connector kind)"
    options = (KindOption("directory", "Where the notes files are dropped.", required=True),)
    scopes_doc = "Read access to the directory."
    needs_token = False

    def check(self, options: Mapping[str, Any]) -> list[str]:
        return [] if options.get("directory") else ["example-notes needs --directory"]

    def client(self, conn: ConnectionSpec) -> None:
        return None

    def pull(
        self,
        conn: ConnectionSpec,
        cursors: Cursors,
        client: Any,
        since: dt.datetime | None,
        full: bool,
    ) -> Iterator[Pull]:
        seen = [] if full else list((cursors.get("files") or {}).get("names", []))
        for path in sorted(Path(conn.option("directory")).glob("*.txt")):
            if path.name not in seen:
                seen.append(path.name)
                files = [InputFile(path, path.read_bytes())]
                yield Pull("example-notes", files, {"files": {"names": seen.copy()}})


@hookimpl
def leadline_connector_kinds() -> Iterable[Any]:
    return [NotesDirectory]


@hookimpl
def leadline_sources() -> Iterable[Any]:
    return [NotesSource]


@hookimpl
def leadline_fact_tables() -> Iterable[Any]:
    return [NOTES]


@hookimpl
def leadline_cli(app: typer.Typer) -> None:
    app.command("example-hello")(hello)


@hookimpl
def leadline_api_routers() -> Iterable[Any]:
    return [router]


@hookimpl
def leadline_pages() -> Iterable[Any]:
    return [PageSpec("/example", "Example", example_page, order=90)]


@hookimpl
def leadline_metrics() -> Iterable[Any]:
    return [TEAMS]
