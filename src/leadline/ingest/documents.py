"""What every pillar's YAML documents (``apiVersion: leadline.io/v1``, ``kind``, ``metadata``,
``spec``) share: the name pattern, the metadata block, and problems that name the file, the
document and the dotted field."""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import ConfigDict, Field, ValidationError

from leadline.ingest.files import YamlDocument
from leadline.ingest.nulls import NullAsAbsent, null_reason
from leadline.ingest.problems import Problem

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9]([-_.A-Za-z0-9]{0,251}[A-Za-z0-9])?$")]


class Metadata(NullAsAbsent):
    model_config = ConfigDict(extra="allow")
    name: Name
    title: str | None = None
    description: str | None = None


def as_json(content: Any) -> Any:
    """A YAML document as JSON data (YAML dates and times become ISO strings)."""
    return json.loads(json.dumps(content, default=lambda v: v.isoformat()))


def document_problem(doc: YamlDocument, field: str | None, reason: str, value: Any) -> Problem:
    """An error in one document (its whole content kept as the raw record)."""
    shown = value if not isinstance(value, dict | list) else None
    return Problem(doc.file, reason, doc.index, field, shown, "error", doc.content)


def validation_problem(doc: YamlDocument, error: ValidationError, prefix: str) -> Problem:
    """The first of pydantic's errors, at its dotted field under ``prefix`` (``spec.``)."""
    first = error.errors()[0]
    location = prefix + ".".join(
        f"[{p}]" if isinstance(p, int) else str(p) for p in first["loc"]
    ).replace(".[", "[")
    reason = null_reason(first, first["msg"].removeprefix("Value error, "))
    if len(error.errors()) > 1:
        reason += f" (and {len(error.errors()) - 1} more problems in this document)"
    value = first.get("input") if first["type"] != "missing" else None
    return document_problem(doc, location.rstrip(".") or None, reason, value)
