"""Issue 16, done when: every ingest source is fed random bytes, structurally valid garbage (the
right header or document shape with hostile values) and a good record among garbage records.
Ingest never raises, never fails a file through a caught exception (a bug in a source), names
the file in every problem, keeps the good record, and every pillar's reports still run over the
store all the hostile files landed in. Examples are few, derandomized and without a database,
so CI is reproducible.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.ingest.registry import sources
from leadline.ingest.runner import UnitResult, run_ingest
from tests.adversarial.fuzz_inputs import Sample, assemble, garbage_records, sample, uncomment
from tests.conftest import make_settings

# leadline's own sources (and plugins'), not the ones other test packages register for
# themselves (tests/ingest's test-events) when collected first.
SAMPLES: dict[str, Sample] = {
    name: spec
    for name, source in sources().items()
    if not type(source).__module__.startswith("tests.")
    and (spec := sample(name, source)) is not None
}
# A few examples per strategy and source keep the file near a minute; FUZZ_EXAMPLES=200 digs
# deeper by hand (the same derandomized examples come first).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
# A caught exception in a source becomes one of these failures: a bug, not a Problem.
CRASHES = ("could not be parsed and nothing was written", "ingest failed and nothing was written")
# What each pillar shows from the records its sources land.
REPORTS: dict[str, list[list[str]]] = {
    "catalog": [["catalog", "teams"], ["catalog", "services"], ["catalog", "check"]],
    "delivery": [["dora"]],
    "reliability": [["slo", "status"], ["sla", "status"]],
    "finops": [["finops", "showback", "--month", "2026-03"], ["finops", "vendors"]],
    "risk": [["risk", "register"], ["risk", "compliance"]],
    "strategy": [["strategy"], ["strategy", "roadmap"]],
    "people": [["devex"], ["skills"]],
    "scorecard": [["scorecard"]],
    "maturity": [["maturity"]],
}


class _Tracebacks(logging.Handler):
    """Collects log records carrying an exception: a source logging a traceback failed."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """One home for the whole file, with the catalog template's example landed (the good
    records refer to its teams and services); every source's garbage accumulates in it."""
    home = tmp_path_factory.mktemp("fuzz") / "home"
    instance = App(make_settings(home))
    catalog = home.parent / "catalog.yaml"
    catalog.write_text(uncomment(sources()["catalog-yaml"].templates()[0].text))
    (result,) = run_ingest(
        "catalog-yaml", [catalog], settings=instance.settings, store=instance.store
    ).results
    assert result.status == "landed" and not result.problems, result.problems
    yield instance
    instance.close()


class _Fuzzer:
    """Writes each example to its own file and checks one ingest of it."""

    def __init__(self, app: App, spec: Sample, directory: Path) -> None:
        self.app, self.spec, self.directory = app, spec, directory
        self.numbers = itertools.count()

    def ingest(self, content: bytes | str) -> UnitResult:
        path = self.directory / f"fuzz-{next(self.numbers)}{self.spec.suffix}"
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
        else:
            path.write_bytes(content)
        watcher = _Tracebacks()
        logging.getLogger("leadline").addHandler(watcher)
        try:
            report = run_ingest(
                self.spec.source, [path], settings=self.app.settings, store=self.app.store
            )
        finally:
            logging.getLogger("leadline").removeHandler(watcher)
        assert not watcher.records, [r.getMessage() for r in watcher.records]
        (result,) = report.results
        assert not (result.message or "").startswith(CRASHES), result.message
        for problem in result.problems:
            assert path.name in problem.file, (problem.file, problem.reason)
            assert not problem.reason.startswith(CRASHES), problem.reason
        return result

    def good_lands(self, result: UnitResult) -> None:
        """The good record is the first: row 2 of a CSV, document or record 1 otherwise."""
        assert result.status != "failed", result.message
        assert result.rows_accepted >= 1, result.problems
        position = 2 if self.spec.format == "csv" else 1
        errors = [p for p in result.problems if p.severity == "error" and p.row == position]
        assert not errors, errors


def _reports(app: App, pillar: str) -> None:
    home = str(app.settings.resolved_home)
    for args in REPORTS.get(pillar, []):
        result = CliRunner().invoke(cli, ["--home", home, *args])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            args,
            result.output,
        )
        assert "Traceback" not in result.output, (args, result.output)
        assert "Usage:" not in result.output, (args, result.output)
        # 2 is a one-line refusal ("no strategy yet"), as for any reader
        assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.output)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_hostile_files_never_crash_and_good_records_land(
    name: str, fuzz_app: App, tmp_path: Path
) -> None:
    spec = SAMPLES[name]
    fuzzer = _Fuzzer(fuzz_app, spec, tmp_path)

    @FUZZ
    @given(st.binary(max_size=4096))
    def random_bytes(data: bytes) -> None:
        fuzzer.ingest(data)

    random_bytes()
    if spec.good:
        fuzzer.good_lands(fuzzer.ingest(spec.good_file()))

        @FUZZ
        @given(st.integers(1, 3).flatmap(lambda n: garbage_records(spec, n)))
        def structured_garbage(records: list[str]) -> None:
            fuzzer.ingest(assemble(spec, records, good_first=False))

        @FUZZ
        @given(st.integers(1, 3).flatmap(lambda n: garbage_records(spec, n)))
        def good_among_garbage(records: list[str]) -> None:
            fuzzer.good_lands(fuzzer.ingest(assemble(spec, records, good_first=True)))

        structured_garbage()
        if spec.mixable:
            good_among_garbage()


@pytest.mark.parametrize("pillar", sorted(REPORTS))
def test_reports_still_run_over_the_fuzzed_store(pillar: str, fuzz_app: App) -> None:
    """Runs after the fuzzing above (same module home): whatever hostile records landed, each
    pillar's reports answer without a traceback."""
    _reports(fuzz_app, pillar)
