"""Build the demo organisation through the real ingest paths and summarise it."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

from leadline.context import App
from leadline.demo.delivery import write_delivery
from leadline.demo.finops import write_finops
from leadline.demo.generator import DemoFiles, OrganisationBuilder, write_sources
from leadline.demo.people import write_people
from leadline.demo.reliability import write_reliability
from leadline.demo.risk import write_risk
from leadline.demo.scorecard import write_scorecard
from leadline.demo.service_levels import write_service_levels
from leadline.demo.strategy import start_plan, write_strategy
from leadline.ingest.runner import IngestReport, run_ingest
from leadline.setup import initialise


@dataclass
class DemoResult:
    files: DemoFiles
    reports: list[IngestReport]
    seconds: float
    as_of: dt.date


def sources_dir(app: App, seed: int, size: str) -> Path:
    return app.settings.resolved_home / "demo-sources" / f"{size}-seed{seed}"


def build_demo(
    app: App,
    *,
    seed: int = 1,
    size: str = "small",
    as_of: dt.date | None = None,
    progress: object = None,
    delivery: bool = True,
) -> DemoResult:
    """Generate the source files, then ingest them exactly as a user would."""
    started = time.perf_counter()
    initialise(app)
    as_of = as_of or dt.datetime.now(dt.UTC).date()
    org = OrganisationBuilder(seed, size, as_of).build()
    files = write_sources(org, sources_dir(app, seed, size))
    reports = [
        run_ingest(
            "backstage",
            [files.backstage],
            settings=app.settings,
            store=app.store,
            progress=progress,
        ),
        run_ingest(
            "catalog-yaml",
            [files.native],
            settings=app.settings,
            store=app.store,
            progress=progress,
        ),
    ]
    plan: list[tuple[str, list[Path]]] = []
    if delivery:
        plan, incidents = write_delivery(org, seed, size, files.root / "delivery")
        plan += write_reliability(org, incidents, files.root / "reliability", seed)
        plan += write_service_levels(org, files.root / "service-levels", seed)
    plan += write_risk(org, files.root / "risk", seed)
    plan += write_finops(org, files.root / "finops", as_of, seed)
    plan += write_strategy(org, files.root / "strategy", as_of, seed)
    plan += write_people(org, files.root / "people", as_of, seed)
    plan += write_scorecard(org, files.root / "scorecard", as_of, seed)
    for source, paths in plan:
        reports.append(
            run_ingest(source, paths, settings=app.settings, store=app.store, progress=progress)
        )
    start_plan(app, org, as_of)
    return DemoResult(files, reports, time.perf_counter() - started, as_of)
