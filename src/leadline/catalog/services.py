"""Which catalog service an event belongs to.

Order: the ``--service`` option; a Backstage annotation on a component naming the repository or
vendor service (``github.com/project-slug: org/repo``, ``gitlab.com/project-slug:
group/project``, ``pagerduty.com/service-id: PXXXXXX``); a component named like the repository
or vendor service; else that name itself (kept, and reported as unknown).

Monorepos (issue 17): a component that also carries ``leadline.io/paths`` (or the native
catalog's ``repository`` and ``paths``) owns only those paths of its repository. A change whose
changed files the source reports belongs to every such service whose patterns match one of its
files (``resolve_all``); one that matches none, or whose files are unknown, takes the rule above,
where the repository's annotation names the components *without* paths first. Patterns are
gitignore patterns (as in CODEOWNERS), matched by ``pathspec``: see ``path_spec``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pathspec
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.catalog.models import Service

ANNOTATIONS = ("github.com/project-slug", "gitlab.com/project-slug", "pagerduty.com/service-id")
REPOSITORY_ANNOTATIONS = ("github.com/project-slug", "gitlab.com/project-slug")
PATHS_ANNOTATION = "leadline.io/paths"


class PathsError(ValueError):
    """A ``leadline.io/paths`` value that is not a list of non-empty gitignore patterns."""


def parse_paths(value: Any) -> tuple[str, ...]:
    """The patterns of a ``leadline.io/paths`` annotation: a YAML or JSON list given as text
    (annotations are strings), or already a list (the native catalog). A bare string is one
    pattern. Raise PathsError naming what is wrong."""
    if isinstance(value, str):
        try:
            listed = value.strip().startswith(("[", "- "))  # a flow or block list, else one
            value = yaml.safe_load(value) if listed else [value]
        except yaml.YAMLError as error:
            raise PathsError(f"is not a YAML or JSON list: {error}") from None
    if not isinstance(value, list) or not value:
        raise PathsError("must be a non-empty list of path patterns")
    patterns = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise PathsError(f"item {index} must be a non-empty text pattern, not {item!r}")
        patterns.append(item.strip())
    path_spec(patterns)  # a pattern pathspec cannot compile is refused here, not at landing
    return tuple(patterns)


def path_spec(patterns: Iterable[str]) -> pathspec.GitIgnoreSpec:
    """Gitignore semantics, as CODEOWNERS uses them: ``services/checkout/**`` and
    ``services/checkout/`` are everything under that folder; ``*`` does not cross ``/``; a
    pattern without a slash (``*.md``) matches at any depth; ``!pattern`` excludes again."""
    try:
        return pathspec.GitIgnoreSpec.from_lines(list(patterns))
    except (ValueError, TypeError) as error:
        raise PathsError(f"is not a valid path pattern: {error}") from None


def stored_paths(extra: Mapping[str, Any] | None) -> tuple[list[str], tuple[str, ...] | None]:
    """(repositories, patterns) a service's stored catalog document maps by paths: the
    Backstage annotations, else the native catalog's ``repository`` and ``paths``. Patterns
    are None when the service has none (or unreadable ones, which the catalog import reported)."""
    extra = extra or {}
    native = extra.get("native") or {}
    annotations = ((extra.get("backstage") or {}).get("metadata") or {}).get("annotations") or {}
    raw = annotations.get(PATHS_ANNOTATION, native.get("paths"))
    if raw is None:
        return [], None
    try:
        patterns = parse_paths(raw)
    except PathsError:
        return [], None
    repos = [annotations.get(k) for k in REPOSITORY_ANNOTATIONS] + [native.get("repository")]
    return [r for r in repos if isinstance(r, str) and r], patterns


@dataclass(frozen=True)
class Subject:
    """Whose event: an annotation key and value that may name it, and a fallback name."""

    annotation: str  # e.g. "github.com/project-slug"
    value: str  # e.g. "octo-org/checkout-api"
    name: str  # e.g. "checkout-api"
    # Files the change touched, when the source reports them (None: unknown, () : none).
    paths: tuple[str, ...] | None = None

    @property
    def repository(self) -> str:
        """The key path maps use: the repository's full name, lower case."""
        return self.value.lower()


def slug(text: str) -> str:
    """Lower case, runs of other characters as one hyphen: 'Checkout API' -> 'checkout-api'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class ServiceResolver:
    def __init__(
        self,
        names: set[str],
        by_annotation: dict[tuple[str, str], str],
        override: str | None = None,
        path_maps: Mapping[str, list[tuple[str, pathspec.GitIgnoreSpec]]] | None = None,
    ) -> None:
        self.names = names
        self.by_annotation = by_annotation
        self.override = override
        # repository full name (lower case) -> (service, its patterns), in name order
        self.path_maps = dict(path_maps or {})
        self._by_slug = {slug(n): n for n in names}

    @classmethod
    def load(cls, session: Session, override: str | None = None) -> ServiceResolver:
        names: set[str] = set()
        by_annotation: dict[tuple[str, str], str] = {}
        path_maps: dict[str, list[tuple[str, pathspec.GitIgnoreSpec]]] = {}
        # Name order, path-mapped components first: a repository annotation then resolves to
        # the component without paths (the repository's own), whatever the store's order.
        services = sorted(session.scalars(select(Service)), key=lambda s: s.name)
        mapped = {s.name: stored_paths(s.extra) for s in services}
        services.sort(key=lambda s: mapped[s.name][1] is None)
        for service in services:
            names.add(service.name)
            document = (service.extra or {}).get("backstage") or {}
            annotations = (document.get("metadata") or {}).get("annotations") or {}
            for key in ANNOTATIONS:
                value = annotations.get(key)
                if isinstance(value, str) and value:
                    by_annotation[(key, value.lower())] = service.name
            repos, patterns = mapped[service.name]
            for repo in repos:
                spec = path_spec(patterns or ())
                path_maps.setdefault(repo.lower(), []).append((service.name, spec))
        return cls(names, by_annotation, override, path_maps)

    def resolve(self, subject: Subject) -> str:
        if self.override:
            return self.override
        mapped = self.by_annotation.get((subject.annotation, subject.value.lower()))
        if mapped:
            return mapped
        if subject.name in self.names:
            return subject.name
        return self._by_slug.get(slug(subject.name), subject.name)

    def path_services(self, repository: str, paths: Iterable[str]) -> list[str]:
        """The path-mapped services of ``repository`` one of ``paths`` belongs to, by name."""
        files = [p.lstrip("/") for p in paths if p]
        return [
            service
            for service, spec in self.path_maps.get(repository.lower(), [])
            if any(spec.match_file(f) for f in files)
        ]

    def path_mapped(self, repository: str) -> bool:
        return repository.lower() in self.path_maps

    def resolve_all(self, subject: Subject) -> list[str]:
        """Every service a change belongs to: the ``--service`` option; else the path-mapped
        services its files match; else (none matched, or files unknown) ``resolve``."""
        if self.override:
            return [self.override]
        if subject.paths:
            found = self.path_services(subject.repository, subject.paths)
            if found:
                return found
        return [self.resolve(subject)]

    def known(self, service: str) -> bool:
        return service in self.names
