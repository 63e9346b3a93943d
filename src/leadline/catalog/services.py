"""Which catalog service an event belongs to.

Order: the ``--service`` option; a Backstage annotation on a component naming the repository or
vendor service (``github.com/project-slug: org/repo``, ``gitlab.com/project-slug:
group/project``, ``pagerduty.com/service-id: PXXXXXX``); a component named like the repository
or vendor service; else that name itself (kept, and reported as unknown).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.catalog.models import Service

ANNOTATIONS = ("github.com/project-slug", "gitlab.com/project-slug", "pagerduty.com/service-id")


@dataclass(frozen=True)
class Subject:
    """Whose event: an annotation key and value that may name it, and a fallback name."""

    annotation: str  # e.g. "github.com/project-slug"
    value: str  # e.g. "octo-org/checkout-api"
    name: str  # e.g. "checkout-api"


def slug(text: str) -> str:
    """Lower case, runs of other characters as one hyphen: 'Checkout API' -> 'checkout-api'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class ServiceResolver:
    def __init__(
        self,
        names: set[str],
        by_annotation: dict[tuple[str, str], str],
        override: str | None = None,
    ) -> None:
        self.names = names
        self.by_annotation = by_annotation
        self.override = override
        self._by_slug = {slug(n): n for n in names}

    @classmethod
    def load(cls, session: Session, override: str | None = None) -> ServiceResolver:
        names: set[str] = set()
        by_annotation: dict[tuple[str, str], str] = {}
        for service in session.scalars(select(Service)):
            names.add(service.name)
            document = (service.extra or {}).get("backstage") or {}
            annotations = (document.get("metadata") or {}).get("annotations") or {}
            for key in ANNOTATIONS:
                value = annotations.get(key)
                if isinstance(value, str) and value:
                    by_annotation[(key, value.lower())] = service.name
        return cls(names, by_annotation, override)

    def resolve(self, subject: Subject) -> str:
        if self.override:
            return self.override
        mapped = self.by_annotation.get((subject.annotation, subject.value.lower()))
        if mapped:
            return mapped
        if subject.name in self.names:
            return subject.name
        return self._by_slug.get(slug(subject.name), subject.name)

    def known(self, service: str) -> bool:
        return service in self.names
