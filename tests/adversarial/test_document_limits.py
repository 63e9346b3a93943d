"""Issue 16 item 3: CSV text and ids were held to ``ingest.max_text_chars`` (10000) and
``ingest.max_id_chars`` (512); YAML documents (catalog, OKRs, controls, OpenSLO, Sloth, strategy,
every YAML source) took a megabyte owner. The one budgeted YAML loader now holds every scalar to
the same limits, with the CSV columns' rule for ids (``id``, ``*_id``): a longer one refuses
its document, naming the file and the key, and the other documents load."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadline.config import IngestSettings
from leadline.context import App
from leadline.ingest.files import YamlDocument, load_yaml_documents
from leadline.ingest.limits import using_limits
from leadline.ingest.problems import Problem
from leadline.ingest.registry import sources
from leadline.ingest.runner import run_ingest
from tests.adversarial.fuzz_inputs import uncomment


def _load(text: str) -> list[YamlDocument | Problem]:
    with using_limits(IngestSettings()):
        return list(load_yaml_documents("f.yaml", text))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (f"owner: {'o' * 10_001}\n", "holds its 'owner' longer than 10000 characters"),
        (f"control_id: {'c' * 513}\n", "holds its 'control_id' longer than 512 characters"),
        (f"id: {'i' * 513}\n", "(ingest.max_id_chars)"),
        (f"items: [{'x' * 10_001}]\n", "holds its 'items' longer than 10000"),
        (f"? {'k' * 10_001}\n: 1\n", "holds a value longer than 10000 characters"),
    ],
)
def test_a_long_scalar_refuses_its_document_and_the_next_loads(text: str, reason: str) -> None:
    refused, good = _load(text + "---\nname: fine\n")
    assert isinstance(refused, Problem) and refused.row == 1
    assert refused.reason.startswith("document 1 refused: it ") and reason in refused.reason
    assert isinstance(good, YamlDocument) and good.content == {"name": "fine"}


def test_values_at_the_limits_load() -> None:
    (doc,) = _load(f"id: {'i' * 512}\nowner: {'o' * 10_000}\n")
    assert isinstance(doc, YamlDocument) and len(doc.content["owner"]) == 10_000


def test_an_anchor_used_twice_is_checked_once() -> None:
    (doc,) = _load("a: &x short\nb: *x\n")
    assert isinstance(doc, YamlDocument) and doc.content == {"a": "short", "b": "short"}


@pytest.mark.parametrize("source", ["okrs-yaml", "strategy-yaml", "sloth", "scorecard-kpis"])
def test_every_yaml_source_refuses_a_megabyte_value(app: App, tmp_path: Path, source: str) -> None:
    """The template's example, then a document whose description is a megabyte."""
    template = sources()[source].templates()[0].text
    good = uncomment(template) if "Remove the leading" in template else template
    path = tmp_path / "input.yaml"
    path.write_text(good + "\n---\ndescription: " + "d" * 1_000_000 + "\n")
    (result,) = run_ingest(source, [path], settings=app.settings, store=app.store).results
    refused = [p for p in result.problems if "longer than 10000 characters" in p.reason]
    assert refused and refused[0].file == str(path)
    assert result.rows_accepted >= 1, result.problems
