"""The layer contract (pyproject.toml ``[tool.importlinter]``, docs/architecture.md "Layers")
holds: ``lint-imports`` passes as ``make lint`` runs it, the pillars stay independent
siblings, and no exception lets one pillar import another."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]
PILLARS = ("delivery", "reliability", "finops", "risk", "strategy", "people")


def _contract() -> dict[str, object]:
    """The layers contract (the first; the second keeps the catalog's core low)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = config["tool"]["importlinter"]["contracts"][0]
    assert isinstance(contract, dict) and contract["type"] == "layers"
    return contract


def test_lint_imports_keeps_the_layers() -> None:
    """The venv's lint-imports (beside this interpreter), without its cache: a broken
    contract fails here, naming the imports that break it."""
    binary = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(binary), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_the_pillars_are_independent_and_under_the_registry() -> None:
    contract = _contract()
    layers = contract["layers"]
    assert isinstance(layers, list)
    assert layers[:3] == ["cli | coreplugin", "demo", "web"]
    # the connectors sit beside the pillars: they land through their sources by name
    pillars = " | ".join((*PILLARS, "connect"))
    assert pillars in layers
    below = layers[layers.index(pillars) + 1 :]
    # The web kit pages are made of, then the metric registry: the pillars' only way to each
    # other.
    assert below[:2] == ["webkit", "semantic"]
    for module in ("catalog", "periods", "lake", "ingest", "store"):
        assert any(module in layer.replace(" ", "").split("|") for layer in below), module
    above = layers[: layers.index(pillars)]
    assert {"scorecard", "maturity"} <= set(above)


def test_no_exception_lets_a_pillar_import_another() -> None:
    ignored = _contract()["ignore_imports"]
    assert isinstance(ignored, list)
    for line in ignored:
        importer, imported = (part.strip() for part in line.split("->"))
        assert imported.split(".")[1] not in PILLARS, line
        # Only the catalog's surfaces (its page, routes and plugin) use the web kit.
        assert importer.startswith("leadline.catalog."), line
        assert imported.startswith("leadline.webkit."), line
