"""NIST's official CSF 2.0 export (OSCAL 1.1.3 catalog, XML or JSON) as a framework library.

NIST's catalog also carries the 12 categories and 79 subcategories CSF 1.1 had and 2.0 withdrew,
with no withdrawn marker. What tells them apart in the export: a current category has a
statement, a withdrawn one an empty statement; a current subcategory has implementation
examples or ``risk-party`` properties, a withdrawn one neither (and a subcategory under a
withdrawn category is withdrawn). The importer keeps the current ones (6 functions, 22
categories, 106 subcategories) and reports every withdrawn one by id.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from leadline.risk.frameworks import CSF, Library, parse_library

OSCAL_NS = "{http://csrc.nist.gov/ns/oscal/1.0}"
CSF_LEVELS = ["function", "category", "subcategory"]
CSF_FUNCTIONS = ["GV", "ID", "PR", "DE", "RS", "RC"]
CSF_TIERS = ["Partial", "Risk Informed", "Repeatable", "Adaptive"]


@dataclass
class Withdrawn:
    id: str
    level: str
    title: str


@dataclass
class CsfCore:
    """The current framework and what the export held that 2.0 withdrew."""

    library: Library
    statements: dict[str, str]
    withdrawn: list[Withdrawn] = field(default_factory=list)
    title: str = ""
    version: str = ""

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(CSF_LEVELS, 0)
        for node in self.library.nodes:
            out[node.level] += 1
        return out


def _text(element: ET.Element | None) -> str:
    if element is None:
        return ""
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def _xml_node(element: ET.Element) -> dict[str, Any]:
    """An OSCAL XML group or control in the shape of OSCAL JSON (one code path for both)."""
    return {
        "id": element.get("id"),
        "class": element.get("class"),
        "title": _text(element.find(OSCAL_NS + "title")),
        "props": [
            {"name": p.get("name"), "value": p.get("value")}
            for p in element.findall(OSCAL_NS + "prop")
        ],
        "parts": [
            {"name": p.get("name"), "prose": _text(p)} for p in element.findall(OSCAL_NS + "part")
        ],
        "controls": [_xml_node(c) for c in element.findall(OSCAL_NS + "control")],
    }


def _from_xml(data: bytes) -> dict[str, Any]:
    if b"<!DOCTYPE" in data[:4096].upper():
        # OSCAL uses no DTD; refusing one rules out entity tricks whatever the expat version.
        raise ValueError("declares a DTD (<!DOCTYPE>); OSCAL catalogs have none")
    try:
        root = ET.fromstring(data)  # noqa: S314 - no DTD (checked above), no external entities
    except ET.ParseError as error:
        raise ValueError(f"is not well-formed XML: {error}") from None
    if root.tag != OSCAL_NS + "catalog":
        raise ValueError(f"is not an OSCAL catalog (root element {root.tag!r})")
    metadata = root.find(OSCAL_NS + "metadata")
    return {
        "metadata": {
            "title": _text(metadata.find(OSCAL_NS + "title")) if metadata is not None else "",
            "version": _text(metadata.find(OSCAL_NS + "version")) if metadata is not None else "",
        },
        "groups": [_xml_node(g) for g in root.findall(OSCAL_NS + "group")],
    }


def _objects(value: Any, where: str) -> list[dict[str, Any]]:
    """The JSON objects of a list that should hold only objects; anything else is a ValueError
    naming where (issue 16: a string in ``groups`` was a traceback)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"is not an OSCAL catalog: {where} is not a list")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise ValueError(f"is not an OSCAL catalog: {where}[{index}] is not an object")
    return value


def _prose(part: dict[str, Any]) -> str:
    """JSON parts keep prose in ``prose`` and may nest parts."""
    texts = [str(part.get("prose") or "")]
    texts += [_prose(p) for p in _objects(part.get("parts"), "parts")]
    return re.sub(r"\s+", " ", " ".join(t for t in texts if t)).strip()


def _from_json(data: bytes) -> dict[str, Any]:
    try:
        document = json.loads(data)
    except ValueError as error:
        raise ValueError(f"is not valid JSON: {error}") from None
    catalog = document.get("catalog") if isinstance(document, dict) else None
    if not isinstance(catalog, dict):
        raise ValueError("is not an OSCAL catalog (no top-level 'catalog' object)")
    return catalog


def _parts(node: dict[str, Any], name: str) -> list[str]:
    return [_prose(p) for p in _objects(node.get("parts"), "parts") if p.get("name") == name]


def _has_prop(node: dict[str, Any], name: str) -> bool:
    return any(p.get("name") == name for p in _objects(node.get("props"), "props"))


def read_csf_core(data: bytes) -> CsfCore:
    """Parse NIST's export (XML when it starts with ``<``, else JSON); ValueError if unusable."""
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise ValueError("is empty")
    catalog = _from_xml(data) if stripped.startswith(b"<") else _from_json(stripped)
    nodes: list[dict[str, Any]] = []
    statements: dict[str, str] = {}
    withdrawn: list[Withdrawn] = []
    groups = _objects(catalog.get("groups"), "groups")
    found = [str(g.get("id") or "") for g in groups]
    if not found or not set(found) <= set(CSF_FUNCTIONS):
        shown = ", ".join(found[:8]) + (", ..." if len(found) > 8 else "")
        raise ValueError(
            f"is an OSCAL catalog but not NIST's CSF 2.0 catalog: catalog.groups[*].id are "
            f"[{shown}], where CSF 2.0's groups are its functions {', '.join(CSF_FUNCTIONS)}"
        )
    for group in groups:
        function = str(group.get("id") or "")
        nodes.append(
            {"id": function, "level": "function", "name": str(group.get("title", "")).title()}
        )
        statements[function] = " ".join(_parts(group, "overview"))
        for category in _objects(group.get("controls"), "controls"):
            _category(category, function, nodes, statements, withdrawn)
    metadata = catalog.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    library = parse_library(
        {
            "framework": {
                "id": CSF,
                "name": "NIST Cybersecurity Framework 2.0",
                "version": "2.0",
                "source": "NIST OSCAL export",
                "levels": CSF_LEVELS,
                "scale": CSF_TIERS,
            },
            "nodes": nodes,
        }
    )
    return CsfCore(
        library,
        statements,
        withdrawn,
        str(metadata.get("title") or ""),
        str(metadata.get("version") or ""),
    )


def _category(
    category: dict[str, Any],
    function: str,
    nodes: list[dict[str, Any]],
    statements: dict[str, str],
    withdrawn: list[Withdrawn],
) -> None:
    cid, title = str(category.get("id")), str(category.get("title") or "")
    statement = " ".join(_parts(category, "statement")).strip()
    subcategories = _objects(category.get("controls"), "controls")
    if not statement:
        withdrawn.append(Withdrawn(cid, "category", title))
        withdrawn += [
            Withdrawn(str(s.get("id")), "subcategory", " ".join(_parts(s, "statement")))
            for s in subcategories
        ]
        return
    nodes.append({"id": cid, "level": "category", "parent": function, "name": title})
    statements[cid] = statement
    for sub in subcategories:
        sid, text = str(sub.get("id")), " ".join(_parts(sub, "statement"))
        if _parts(sub, "example") or _has_prop(sub, "risk-party"):
            nodes.append({"id": sid, "level": "subcategory", "parent": cid})
            statements[sid] = text
        else:
            withdrawn.append(Withdrawn(sid, "subcategory", text))
