"""Control frameworks as one generic library: a framework is a tree of nodes with ids, names,
parents and levels, so NIST CSF 2.0, CISA's Zero Trust Maturity Model, COBIT 2019 and an
organisation's own policy set all work the same way.

A library is a YAML document ``{framework: {id, name, version, source, levels, scale}, nodes:
[{id, level, parent, name, summary, kind}]}``. ``levels`` orders the tree from the root down (a
node's parent is on the level just above); ``scale`` names the ordered maturity stages or tiers
the framework is assessed on, when it has one. leadline ships three libraries (package data in
``risk/libraries/``); an organisation adds its own with ``leadline ingest framework-library``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from pydantic import ConfigDict, Field, ValidationError, model_validator

from leadline.ingest.files import load_yaml
from leadline.ingest.nulls import NullAsAbsent, null_reason

CSF = "nist-csf-2.0"
ZTMM = "cisa-ztmm-2.0"
COBIT = "cobit-2019"
BUILTIN_FILES = {CSF: "csf-2.0.yaml", ZTMM: "ztmm-2.0.yaml", COBIT: "cobit-2019.yaml"}
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"


class NodeSpec(NullAsAbsent):
    """One element of a framework: a function, category, pillar, objective, policy, control..."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN, max_length=128)
    level: str
    parent: str | None = None
    name: str | None = None
    summary: str | None = None
    kind: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.id


class FrameworkSpec(NullAsAbsent):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN, max_length=128)
    name: str
    version: str | None = None
    source: str | None = None
    levels: list[str] = Field(min_length=1)
    scale: list[str] = Field(default_factory=list)


class Library(NullAsAbsent):
    """A whole framework; validation guarantees a well-formed tree."""

    model_config = ConfigDict(extra="forbid")

    framework: FrameworkSpec
    nodes: list[NodeSpec]

    @model_validator(mode="after")
    def _tree(self) -> Library:
        levels = self.framework.levels
        seen: dict[str, NodeSpec] = {}
        for position, node in enumerate(self.nodes):
            where = f"nodes[{position}] ({node.id})"
            if node.id in seen:
                raise ValueError(f"{where}: the id appears twice")
            if node.level not in levels:
                raise ValueError(f"{where}: level {node.level!r} is not one of {levels}")
            depth = levels.index(node.level)
            if depth == 0 and node.parent is not None:
                raise ValueError(f"{where}: a {node.level} is a root and has no parent")
            if depth > 0:
                parent = seen.get(node.parent or "")
                if parent is None:
                    raise ValueError(
                        f"{where}: parent {node.parent!r} must be listed before it "
                        "(parents come first)"
                    )
                if parent.level != levels[depth - 1]:
                    raise ValueError(
                        f"{where}: a {node.level}'s parent must be a {levels[depth - 1]}, "
                        f"not a {parent.level}"
                    )
            seen[node.id] = node
        return self

    def index(self) -> FrameworkIndex:
        return FrameworkIndex(self)


@dataclass
class FrameworkIndex:
    """Fast look-ups over a library: nodes by id, ancestors, leaves."""

    library: Library

    def __post_init__(self) -> None:
        self.nodes = {n.id: n for n in self.library.nodes}

    @property
    def id(self) -> str:
        return self.library.framework.id

    @property
    def leaf_level(self) -> str:
        return self.library.framework.levels[-1]

    def at_level(self, level: str) -> list[NodeSpec]:
        return [n for n in self.library.nodes if n.level == level]

    def ancestor(self, node_id: str, level: str) -> NodeSpec | None:
        """The node itself or its ancestor on ``level``."""
        node = self.nodes.get(node_id)
        while node is not None and node.level != level:
            node = self.nodes.get(node.parent or "")
        return node

    def unknown(self, ids: list[str], level: str | None = None) -> list[str]:
        """The ids that are not nodes (on ``level``, when given)."""
        return [i for i in ids if i not in self.nodes or (level and self.nodes[i].level != level)]


def parse_library(document: Any) -> Library:
    """Validate a library document; raises ValueError with the location of the first fault."""
    try:
        return Library.model_validate(document)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "document"
        raise ValueError(f"{where}: {null_reason(first, first['msg'])}") from None


@cache
def builtin(framework_id: str) -> FrameworkIndex:
    """One of the libraries shipped with leadline (CSF 2.0, CISA ZTMM 2.0, COBIT 2019)."""
    if framework_id not in BUILTIN_FILES:
        raise KeyError(f"no built-in framework {framework_id!r}; known: {', '.join(BUILTIN_FILES)}")
    text = (
        resources.files("leadline.risk")
        .joinpath("libraries", BUILTIN_FILES[framework_id])
        .read_text("utf-8")
    )
    return parse_library(load_yaml(BUILTIN_FILES[framework_id], text)).index()


def csf() -> FrameworkIndex:
    return builtin(CSF)


def library_rows(index: FrameworkIndex) -> list[dict[str, Any]]:
    """A framework's nodes as plain rows (for ``leadline risk frameworks --id``)."""
    return [
        {
            "id": n.id,
            "level": n.level,
            "parent": n.parent,
            "name": n.name,
            "summary": n.summary,
            "kind": n.kind,
        }
        for n in index.library.nodes
    ]
