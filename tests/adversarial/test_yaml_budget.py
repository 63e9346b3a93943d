"""Issue 16 item 3: a few hundred bytes of nested YAML aliases (a "billion laughs") took gigabytes
and minutes in every YAML source. Documents are now counted as if every alias were expanded and
refused past ``ingest.yaml_max_nodes``, or past ``ingest.yaml_max_document_bytes``, naming the
file; the other documents of the file still load. Small budgets keep these tests fast."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from leadline.config import IngestSettings
from leadline.context import App
from leadline.ingest.files import YamlDocument, load_yaml_documents
from leadline.ingest.limits import using_limits
from leadline.ingest.problems import Problem
from leadline.ingest.runner import run_ingest


def _bomb(levels: int, width: int = 10) -> str:
    """``levels`` anchors, each a list of ``width`` aliases of the one before: width**levels."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("source", ["backstage", "catalog-yaml", "openslo", "sloth", "okrs-yaml"])
def test_alias_bomb_is_refused_in_every_yaml_source(app: App, tmp_path: Path, source: str) -> None:
    app.settings.ingest.yaml_max_nodes = 1_000
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb(4))  # 10**4 leaves: past the budget, small enough for the old code
    started = time.monotonic()
    report = run_ingest(source, [path], settings=app.settings, store=app.store)
    assert time.monotonic() - started < 30
    problems = [p for r in report.results for p in r.problems]
    refused = [p for p in problems if "more than 1000 nodes" in p.reason]
    assert refused and refused[0].file.endswith("bomb.yaml")


def _load(text: str, **limits: int) -> list[YamlDocument | Problem]:
    with using_limits(IngestSettings(**limits)):  # type: ignore[arg-type]
        return list(load_yaml_documents("f.yaml", text))


def test_a_full_bomb_is_refused_quickly_and_the_next_document_still_loads() -> None:
    started = time.monotonic()
    bomb, good = _load(_bomb(9) + "---\nname: fine\n")  # 10**9 nodes if expanded
    assert time.monotonic() - started < 5
    assert isinstance(bomb, Problem) and "refused" in bomb.reason and bomb.row == 1
    assert isinstance(good, YamlDocument) and good.content == {"name": "fine"}


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    (problem,) = _load("a: &a [1, *a]\n")
    assert isinstance(problem, Problem) and "refers to the node that contains it" in problem.reason


def test_a_document_past_the_byte_limit_is_refused() -> None:
    (problem,) = _load("text: " + "x" * 200 + "\n", yaml_max_document_bytes=100)
    assert isinstance(problem, Problem) and "yaml_max_document_bytes" in problem.reason


def test_shared_anchors_within_budget_still_load() -> None:
    (doc,) = _load("base: &b {x: 1}\nuse: *b\n", yaml_max_nodes=20)
    assert isinstance(doc, YamlDocument) and doc.content["use"] == {"x": 1}
