"""How ``make test`` spreads the suite over its two xdist workers.

A scope is a module (its module fixtures — servers, demo copies, browsers — start once per
worker that runs it), all Spark tests together (one JVM per run), or, for the few modules that
would otherwise keep one worker busy long after the other has finished, one of a few parts of
that module (its fixtures then start once per part). Scopes are handed out longest first
(the longest-processing-time rule), from rough costs measured on the CI machine: the order is
all they decide, so they need not be precise, and a module without an entry is costed by its
number of tests.
"""

from __future__ import annotations

import zlib
from typing import Any

# Modules whose Spark tests do not say "spark" in their names.
SPARK_MODULES = {"tests/lake/test_conformance.py"}

# Modules split into this many parts (by a stable hash of the test id).
SPLIT = {"tests/web/test_site.py": 3, "tests/web/test_surfaces.py": 2}

# Rough seconds per scope on a quiet CI machine: a loaded clean-clone run of 2026-12-07 (its
# junit times × 0.25; Spark from a quiet run); a part of a split module costs its share. Only
# the order matters.
COST = {
    "spark": 330.0,
    "tests/web/test_api.py": 130.0,
    "tests/web/test_tables.py": 100.0,
    "tests/demo/test_demo.py": 80.0,
    "tests/web/test_site.py": 75.0,
    "tests/delivery/test_metrics.py": 75.0,
    "tests/web/test_surfaces.py": 75.0,
    "tests/delivery/test_dora_report.py": 65.0,
    "tests/web/test_reports.py": 60.0,
    "tests/adversarial/test_readers.py": 45.0,
    "tests/adversarial/test_fuzz.py": 40.0,
    "tests/ingest/test_runner.py": 35.0,
    "tests/reliability/test_slo_metrics.py": 35.0,
    "tests/scorecard/test_qbr_pdf.py": 25.0,
    "tests/strategy/test_portfolio.py": 25.0,
    "tests/adversarial/test_cli_dates.py": 20.0,
    "tests/web/test_auth.py": 20.0,
    "tests/web/test_strategy_maturity_pages.py": 20.0,
    "tests/web/test_schema.py": 20.0,
    "tests/delivery/test_metrics_property.py": 20.0,
    "tests/demo/test_service_levels_demo.py": 15.0,
    "tests/web/test_pages.py": 15.0,
    "tests/web/test_finops_pages.py": 15.0,
    "tests/catalog/test_cli.py": 15.0,
    "tests/web/test_browser.py": 15.0,
}
SECONDS_PER_TEST = 0.5


def scope_of(nodeid: str) -> str:
    """The scope of a test: "spark", its module, or ``module@part`` for a split module."""
    module = nodeid.split("::", 1)[0]
    if "spark" in nodeid.lower() or module in SPARK_MODULES:
        return "spark"
    parts = SPLIT.get(module)
    if parts is None:
        return module
    return f"{module}@{zlib.crc32(nodeid.encode()) % parts}"


def cost_of(scope: str, tests: int) -> float:
    """A scope's rough cost in seconds, for the order scopes are handed out in."""
    module, _, part = scope.partition("@")
    if module in COST:
        return COST[module] / SPLIT.get(module, 1) if part else COST[module]
    return tests * SECONDS_PER_TEST


def make_scheduler(config: Any, log: Any) -> Any:
    """xdist's scope scheduling with the scopes above, longest first."""
    from xdist.scheduler import LoadScopeScheduling

    class CostedScopeScheduling(LoadScopeScheduling):  # type: ignore[misc]
        ordered = False

        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

        def _assign_work_unit(self, node: Any) -> None:
            if not self.ordered:  # the queue is complete at the first assignment
                self.ordered = True
                queue = sorted(self.workqueue.items(), key=lambda i: -cost_of(i[0], len(i[1])))
                self.workqueue.clear()
                self.workqueue.update(queue)
            super()._assign_work_unit(node)

    return CostedScopeScheduling(config, log)
