"""YAML parsed within a budget, so a few hundred crafted bytes cannot cost gigabytes.

PyYAML shares one node for every alias of an anchor, so composing an alias bomb is cheap; the
cost comes later, when the built objects are walked, validated or serialised as if each alias
were a copy. The document is therefore composed first and its size counted as if every alias
were expanded (memoised per node, so counting is cheap too), and built only within the budget.
Its scalars are held to the CSV columns' lengths too, so every YAML source has them.
"""

from __future__ import annotations

from typing import Any

import yaml

from leadline.config import IngestSettings
from leadline.ingest.values import Column, is_id_column


class BudgetExceeded(ValueError):
    """The document is larger, deeper or more aliased than the limits allow."""


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_budget(root: yaml.Node, max_nodes: int, max_depth: int) -> None:
    """Raise BudgetExceeded when ``root`` expands to more than ``max_nodes`` nodes, nests deeper
    than ``max_depth`` or refers to itself (an alias inside its own anchor never ends)."""
    sizes: dict[int, int] = {}
    heights: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        children = _children(node)
        if finished:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            heights[key] = 1 + max((heights[id(child)] for child in children), default=0)
            if sizes[key] > max_nodes:
                raise BudgetExceeded(
                    f"expands to more than {max_nodes} nodes (aliases counted each time they "
                    "are used); raise ingest.yaml_max_nodes if the file is genuine"
                )
            if heights[key] > max_depth:
                raise BudgetExceeded(
                    f"nests deeper than {max_depth} levels (ingest.max_nesting_depth)"
                )
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise BudgetExceeded("an alias refers to the node that contains it (never ends)")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children)


def check_lengths(root: yaml.Node, limits: IngestSettings) -> None:
    """Raise BudgetExceeded at the first scalar longer than a CSV column takes: the value of an
    id key (``id``, ``*_id``) past ``max_id_chars``, any other past ``max_text_chars``. One
    check before any source's model sees the document (issue 16: the CSV path had limits, the
    YAML sources none)."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(root, "")]
    while stack:
        node, key = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for name, value in node.value:
                stack += [(name, ""), (value, str(name.value) if name.tag.endswith(":str") else "")]
        elif isinstance(node, yaml.SequenceNode):
            stack += [(item, key) for item in node.value]
        elif isinstance(node, yaml.ScalarNode):
            is_id = bool(key) and is_id_column(Column(key))
            limit = limits.max_id_chars if is_id else limits.max_text_chars
            if len(node.value) > limit:
                what = f"its {key!r}" if key else "a value"
                setting = "ingest.max_id_chars" if is_id else "ingest.max_text_chars"
                raise BudgetExceeded(f"holds {what} longer than {limit} characters ({setting})")


def load_budgeted(text: str, loader: type[yaml.SafeLoader], limits: IngestSettings) -> Any:
    """One YAML document built with ``loader`` if it stays within ``limits``.

    Raises BudgetExceeded past a limit and yaml.YAMLError for invalid YAML.
    """
    size = len(text.encode("utf-8"))
    if size > limits.yaml_max_document_bytes:
        raise BudgetExceeded(
            f"is {size} bytes, more than ingest.yaml_max_document_bytes "
            f"({limits.yaml_max_document_bytes})"
        )
    parser = loader(text)
    try:
        node = parser.get_single_node()
        if node is None:
            return None
        check_budget(node, limits.yaml_max_nodes, limits.max_nesting_depth)
        check_lengths(node, limits)
        return parser.construct_document(node)
    finally:
        parser.dispose()
