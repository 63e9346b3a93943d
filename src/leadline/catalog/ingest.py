"""Catalog sources: Backstage descriptors and the native catalog YAML."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from leadline.catalog import backstage, native
from leadline.catalog.records import (
    Record,
    check_references,
    drop_duplicates,
    drop_unstorable,
    storable_problems,
    upsert,
)
from leadline.catalog.resolve import resolve_catalog
from leadline.catalog.templates import BACKSTAGE_TEMPLATE, NATIVE_TEMPLATE
from leadline.ingest.files import YamlDocument, decode_utf8, load_yaml_documents, read_bytes
from leadline.ingest.limits import current_limits
from leadline.ingest.problems import InputError, Parsed, Problem
from leadline.ingest.registry import (
    Context,
    InputFile,
    LandContext,
    Source,
    Template,
    Unit,
    register,
)


def documents(
    unit: Unit, progress: Callable[[int], None] = lambda _n: None
) -> tuple[list[YamlDocument], list[Problem]]:
    """Every YAML document of the unit's files, and the problems reading them."""
    docs: list[YamlDocument] = []
    problems: list[Problem] = []
    for input_file in unit.files:
        try:
            text = decode_utf8(input_file.name, input_file.data)
        except InputError as error:
            problems.append(error.problem)
            continue
        for item in load_yaml_documents(input_file.name, text):
            (problems if isinstance(item, Problem) else docs).append(item)  # type: ignore[arg-type]
        progress(input_file.size)
    return docs, problems


def _allowed(path: Path, base: Path) -> bool:
    """Whether a Location's file target may be read: inside the directory tree of the file that
    names it (as Backstage's file locations are), or inside a configured root. Resolved first, so
    neither ``..`` nor a symlink leads out; otherwise a descriptor could read /etc/shadow into the
    rejects table."""
    target = path.resolve()
    roots = [base, *current_limits().location_roots]
    return any(target.is_relative_to(root.expanduser().resolve()) for root in roots)


class _CatalogSource(Source):
    group_inputs = True

    def read(self, paths: list[Path]) -> Unit:
        unit = Unit([])
        for path in paths:
            try:
                unit.files.append(InputFile(path, read_bytes(path)))
            except InputError as error:
                unit.problems.append(error.problem)
        return unit

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        records: list[Record] = parsed.records
        upsert(ctx.session, records, ctx.batch.id)
        resolve_catalog(ctx.session)
        return check_references(ctx.session, records)


@register
class BackstageSource(_CatalogSource):
    name = "backstage"
    summary = (
        "Backstage catalog descriptors (multi-document YAML: Group, User, Component, "
        "System, Domain, Resource, API, Location)"
    )

    def templates(self) -> list[Template]:
        return [Template("backstage-catalog-info.yaml", BACKSTAGE_TEMPLATE)]

    def read(self, paths: list[Path]) -> Unit:
        """The given files plus every file their Location entities point to, transitively."""
        unit = super().read(paths)
        queue = list(unit.files)
        seen = {f.path.resolve() for f in unit.files}
        while queue:
            current = queue.pop(0)
            docs, _ = documents(Unit([current]))
            for doc in docs:
                for field, target in backstage.location_targets(doc.content):
                    if not isinstance(target, str) or not target:
                        unit.problems.append(
                            Problem(
                                current.name,
                                "a location target must be a file path (a list of them "
                                "under spec.targets)",
                                doc.index,
                                field,
                                target,
                            )
                        )
                        continue
                    if "://" in target:
                        unit.problems.append(
                            Problem(
                                current.name,
                                "remote location not fetched (leadline reads local "
                                "files only); ingest that catalog's files directly",
                                doc.index,
                                field,
                                target,
                                "warning",
                            )
                        )
                        continue
                    path = current.path.parent / target
                    if not _allowed(path, current.path.parent):
                        unit.problems.append(
                            Problem(
                                current.name,
                                "location target outside the directory of the file naming it "
                                "not read (add its directory to ingest.location_roots to allow "
                                "it)",
                                doc.index,
                                field,
                                target,
                            )
                        )
                        continue
                    if path.resolve() in seen:
                        continue
                    seen.add(path.resolve())
                    try:
                        found = InputFile(path, read_bytes(path))
                    except InputError as error:
                        unit.problems.append(
                            Problem(
                                current.name,
                                f"location target {target!r} {error.problem.reason}",
                                doc.index,
                                field,
                                target,
                            )
                        )
                        continue
                    unit.files.append(found)
                    queue.append(found)
        return unit

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        docs, problems = documents(unit, ctx.progress)
        broken = sum(1 for p in problems if p.row is not None)  # unparseable documents
        records: list[Record] = []
        for doc in docs:
            doc_records, doc_problems = backstage.parse_document(doc, ctx.settings.catalog)
            records += doc_records
            problems += doc_problems
        records, unstorable = drop_unstorable(records)
        records, duplicates = drop_duplicates(records)
        return Parsed(
            rows_read=len(docs) + broken,
            records=records,
            problems=storable_problems(problems + unstorable + duplicates),
        )


@register
class CatalogYamlSource(_CatalogSource):
    name = "catalog-yaml"
    summary = (
        "leadline's native catalog YAML: value streams, team types, cognitive load, "
        "interactions, services and people"
    )

    def templates(self) -> list[Template]:
        return [Template("catalog.yaml", NATIVE_TEMPLATE)]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        docs, problems = documents(unit, ctx.progress)
        records: list[Record] = []
        read = sum(1 for p in problems if p.row is not None)  # unparseable documents
        for doc in docs:
            doc_records, doc_problems, doc_read = native.parse_document(doc)
            records += doc_records
            problems += doc_problems
            read += doc_read
        records, unstorable = drop_unstorable(records)
        records, duplicates = drop_duplicates(records)
        return Parsed(
            rows_read=read,
            records=records,
            problems=storable_problems(problems + unstorable + duplicates),
        )
