"""``leadline slo export openslo [--slo NAME]``: OpenSLO v1 documents of the SLOs.

Per SLO: its document as imported (OpenSLO) or generated (Sloth, ...:
:func:`leadline.reliability.specs.generate_openslo`, indicator inline, objectives, timeWindow,
burn-rate alert policies); the stored documents it refers to (SLI, DataSource, AlertPolicy,
AlertCondition, AlertNotificationTarget), followed through every name it mentions; and a
``Service`` document per service (the stored one, else one from the catalog: name, title,
description). Every document is validated and written through the OpenSLO models of
:mod:`leadline.reliability.openslo_models` (``exclude_unset``: what was given, nothing added),
so what is written is what ``leadline ingest openslo`` reads: import → export → import gives
the same SLOs and the same documents.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.catalog.models import Service
from leadline.reliability import specs
from leadline.reliability.models import Slo, SloDocument
from leadline.reliability.openslo import API_VERSION, DOCUMENT_ORDER, FORMAT
from leadline.reliability.openslo_models import SPEC_MODELS, Metadata


def written(document: dict[str, Any]) -> dict[str, Any]:
    """A document through the models: envelope first, metadata and a known spec validated
    (ValidationError if not OpenSLO v1), unknown keys kept as given."""
    out: dict[str, Any] = {"apiVersion": document["apiVersion"], "kind": document["kind"]}
    metadata = Metadata.model_validate(document.get("metadata"))
    out["metadata"] = metadata.model_dump(mode="json", exclude_unset=True)
    model = SPEC_MODELS.get(str(document["kind"]))
    spec = document.get("spec")
    if model is not None:
        dumped = model.model_validate(spec).model_dump(mode="json", exclude_unset=True)
        spec = _in_order(dumped, spec)
    if spec is not None:
        out["spec"] = spec
    rest = {k: v for k, v in document.items() if k not in ("apiVersion", "kind", "metadata")}
    return out | {k: v for k, v in rest.items() if k != "spec"}


def _in_order(dumped: Any, given: Any) -> Any:
    """``dumped`` with its keys in the order ``given`` had them (the models put declared
    fields first), so a written document reads as its author wrote it."""
    if isinstance(dumped, dict) and isinstance(given, dict):
        keys = [k for k in given if k in dumped] + [k for k in dumped if k not in given]
        return {k: _in_order(dumped[k], given.get(k)) for k in keys}
    if isinstance(dumped, list) and isinstance(given, list) and len(dumped) == len(given):
        return [_in_order(d, g) for d, g in zip(dumped, given, strict=True)]
    return dumped


def _strings(value: Any) -> set[str]:
    """Every string value in a document (names it may refer to)."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return set()


def _referred(roots: list[dict[str, Any]], stored: list[SloDocument]) -> list[SloDocument]:
    """The stored documents the roots name, and those they name, and so on."""
    by_name: dict[str, list[SloDocument]] = {}
    for doc in stored:
        by_name.setdefault(doc.name, []).append(doc)
    seen: dict[int, SloDocument] = {}
    todo = set().union(*(_strings(r.get("spec")) for r in roots)) if roots else set()
    while todo:
        name = todo.pop()
        for doc in by_name.get(name, []):
            if doc.id not in seen:
                seen[doc.id] = doc
                todo |= _strings(doc.document.get("spec"))
    return list(seen.values())


def _service_document(service: Service | None, name: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if service is not None and service.title:
        metadata["displayName"] = service.title
    spec: dict[str, Any] = {}
    if service is not None and service.description:
        spec["description"] = service.description
    return {"apiVersion": API_VERSION, "kind": "Service", "metadata": metadata, "spec": spec}


def slo_documents(session: Session, names: list[str] | None = None) -> list[dict[str, Any]]:
    """The OpenSLO documents of the SLOs (all, or those named), definitions before uses."""
    query = select(Slo).order_by(Slo.name)
    if names:
        query = query.where(Slo.name.in_(names))
    slos: list[dict[str, Any]] = []
    seen: set[str] = set()
    services: set[str] = set()
    for slo in session.scalars(query):
        services.add(slo.service)
        if slo.source_format == FORMAT and slo.document:
            key = str((slo.document.get("metadata") or {}).get("name"))
            if key not in seen:
                seen.add(key)
                slos.append(slo.document)
            continue
        slos.append(specs.generate_openslo(slo))
    stored = list(session.scalars(select(SloDocument)))
    others = stored if not names else _referred(slos, stored)
    have = {d.name for d in stored if d.kind == "Service"}
    if names:
        others += [d for d in stored if d.kind == "Service" and d.name in services]
    catalog = {
        s.name: s for s in session.scalars(select(Service).where(Service.name.in_(services)))
    }
    documents = [d.document for d in {d.id: d for d in others}.values()]
    documents += [_service_document(catalog.get(s), s) for s in sorted(services - have)]
    documents.sort(key=_order)
    # leadline's own documents (a CompositeSLO, leadline.io/v1) name SLOs: after them
    own = [d for d in documents if d.get("apiVersion") != API_VERSION]
    documents = [d for d in documents if d.get("apiVersion") == API_VERSION]
    return [written(d) for d in documents + slos + own]


def _order(document: dict[str, Any]) -> tuple[int, str]:
    kind = str(document.get("kind"))
    rank = DOCUMENT_ORDER.index(kind) if kind in DOCUMENT_ORDER else len(DOCUMENT_ORDER)
    return rank, str((document.get("metadata") or {}).get("name"))
