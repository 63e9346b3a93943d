"""Native YAML documents conformance. leadline owns these formats; their published examples are
the templates ``leadline templates`` writes (each source's own example, commented out where
the source reads another project's format). Every YAML template, made live, lands with no
error: references to things the empty store does not hold are warnings. And the one rule of
issue 21 across every native document: an optional key written with no value counts as absent,
a required one says it was null."""

from __future__ import annotations

from pathlib import Path

import pytest

import leadline.cli  # noqa: F401  (registers every source)
from leadline.context import App
from leadline.ingest.registry import Template, sources
from tests.conformance.support import errors, ingest, problems

YAML_TEMPLATES = sorted(
    (name, template)
    for name, source in sources().items()
    for template in source.templates()
    if template.file_name.endswith((".yaml", ".yml"))
)


def live(template: Template) -> str:
    """The template as a user makes it live: commented examples uncommented."""
    lines = template.text.splitlines()
    if any(line and not line.startswith("#") for line in lines):
        return template.text
    return "\n".join(
        line[2:] if line.startswith("# ") else "" if line.startswith("#") else line
        for line in lines
    )


def test_every_native_source_has_a_yaml_template() -> None:
    names = {name for name, _ in YAML_TEMPLATES}
    assert {
        "allocation-rules", "capabilities-yaml", "catalog-yaml", "change-yaml", "controls-yaml",
        "framework-library", "okrs-yaml", "roadmap-yaml", "scorecard-kpis", "service-levels",
        "skills-yaml", "strategy-yaml",
    } <= names  # fmt: skip


@pytest.mark.parametrize(("name", "template"), YAML_TEMPLATES, ids=[n for n, _ in YAML_TEMPLATES])
def test_the_template_lands(app: App, tmp_path: Path, name: str, template: Template) -> None:
    path = tmp_path / template.file_name
    path.write_text(live(template), encoding="utf-8")
    report = ingest(app, name, path)
    found = errors(report)
    if name == "backstage":  # its Location names another team's file, not written here
        assert [(e.field, e.value) for e in found] == [
            ("spec.targets[0]", "./other-team/catalog-info.yaml")
        ]
    else:
        assert found == []
    assert report.totals()["rows_accepted"] >= 1


OKR = """\
apiVersion: leadline.io/v1
kind: Objective
metadata:
  name: payments-2026q4-flow
  title: Payments ships small changes fast and safely
  description:
spec:
  quarter: 2026Q4
  team: payments
  outcome:
  key_results:
    - id: adoption
      title: Nine teams on the paved road
      baseline: 2
      target: 9
      current: 4
      confidence:
      scope:
      unit: teams
"""


def test_an_optional_key_with_no_value_counts_as_absent(app: App, tmp_path: Path) -> None:
    path = tmp_path / "okrs.yaml"
    path.write_text(OKR, encoding="utf-8")
    report = ingest(app, "okrs-yaml", path)
    assert errors(report) == [], [p.reason for p in problems(report)]
    # only the empty store's warning: team payments is not in the catalog
    assert [(p.field, p.value) for p in problems(report)] == [("spec.team", "payments")]


def test_a_required_key_with_no_value_says_it_was_null(app: App, tmp_path: Path) -> None:
    path = tmp_path / "okrs.yaml"
    path.write_text(OKR.replace("quarter: 2026Q4", "quarter:"), encoding="utf-8")
    [error] = errors(ingest(app, "okrs-yaml", path))
    assert error.field == "spec.quarter"
    assert error.reason.startswith("is null (the key has no value); ")


NULLED = {  # source: (the template's line, the key's path)
    "service-levels": ("    objective: 99.9%", "spec.availability.objective"),
    "controls-yaml": (
        "    name: Multi-factor authentication for production access",
        "controls[0].name",
    ),
}


@pytest.mark.parametrize("name", sorted(NULLED))
def test_every_document_layer_says_a_refused_value_was_null(
    app: App, tmp_path: Path, name: str
) -> None:
    line, field = NULLED[name]
    [template] = sources()[name].templates()
    assert line in template.text
    path = tmp_path / template.file_name
    nulled = line.split(":")[0] + ":"
    path.write_text(template.text.replace(line, nulled, 1), encoding="utf-8")
    found = [e for e in errors(ingest(app, name, path)) if e.field == field]
    assert found and found[0].reason.startswith("is null (the key has no value); ")
