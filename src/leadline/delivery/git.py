"""``leadline ingest git PATH --service S [--deploy-tags GLOB] [--branch B]``: a local repository's
commits as changes, each attributed to the first successful production deployment that shipped
it, the way Apache DevLake diffs deployment commits.

- Changes: every commit reachable from the default branch (merged branches included; merge
  commits too, with their parent count in ``extra``). ``committed_at`` is the author date, which
  survives rebases and cherry-picks and so marks when the work was done; ``merged_at`` is the
  committer date of the branch's own (first-parent) commit that brought it in, i.e. when it
  reached the branch; ``updated_at`` is the commit's committer date, so re-reading the same
  history yields identical rows.
- Deployments: the service's successful production deployments already in the lake (from GitHub,
  GitLab, CSV...) plus, with ``--deploy-tags GLOB``, one per tag whose name matches (finished at
  the tagger date of an annotated tag, else at the commit's committer date).
- Attribution: deployments in order of ``finished_at``; a commit belongs to the first whose
  deployed commit contains it (an ancestry check). A rollback or redeploy therefore ships nothing
  new; a deployment from an unmerged branch ships its branch-off point's history (and its own
  commits, once they are merged). Commits no deployment contains keep ``deployment_id`` empty
  (metrics then attribute them by time). A deployment whose commit this clone lacks (shallow, or
  another repository's) is skipped with a warning.
- Default branch: ``--branch``, else the remote's HEAD (``origin`` first), else the checked-out
  branch. A detached HEAD without a remote HEAD needs ``--branch``.
- Monorepos: with ``--repository owner/name`` (as the catalog's ``github.com/project-slug`` or
  ``gitlab.com/project-slug``, or the native ``repository``, names it), each commit's changed files
  (``gitgraph.changed_paths``; a merge's against its first parent) map it to the path-mapped
  services (``leadline.io/paths``) they match, one change row per service, attributed to that
  service's own deployments; a commit matching none belongs to ``--service``.
- Idempotency: the batch hash covers the repository's state (HEAD, every branch, remote-tracking
  branch and tag with what it points to, the shallow boundary). The deployments in the lake are
  not part of it (the hash is computed before the store is opened), so after new deployments
  land for an unchanged repository run with ``--force`` to re-attribute. Each batch replaces the
  earlier batches of the same repository and service, so commits that a force-push removed from
  the branch, and deleted tags, leave the lake.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
from sqlalchemy import select

from leadline.catalog.services import ServiceResolver, Subject
from leadline.delivery import gitgraph
from leadline.delivery.events import SUBJECT, Facts, land_facts
from leadline.delivery.gitgraph import Commit, GitError, Ref, RepoState
from leadline.delivery.schemas import DEPLOYMENTS, SUCCESS
from leadline.ingest.models import Batch
from leadline.ingest.problems import InputError, Parsed, Problem
from leadline.ingest.registry import (
    CliOption,
    Context,
    InputFile,
    LandContext,
    Source,
    Template,
    Unit,
    register,
)

SOURCE_NAME = "git"


@dataclass
class RepoUnit(Unit):
    """A repository to ingest; its one InputFile holds the canonical state, hence the hash."""

    state: RepoState | None = None


@dataclass(frozen=True)
class TagDeployment:
    tag: str
    sha: str
    finished_at: dt.datetime


@dataclass
class RepoRecords:
    state: RepoState
    service: str
    branch: Ref | None  # None: an empty repository
    commits: list[Commit] = field(default_factory=list)
    tags: list[TagDeployment] = field(default_factory=list)
    repository: str | None = None  # --repository: map commits to services by their files
    paths: dict[str, tuple[str, ...]] = field(default_factory=dict)


def utc(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def resolve_branch(state: RepoState, branch: str | None) -> Ref | None:
    """The default branch's ref; None for a repository without any commit yet."""
    if not any(r.type == "commit" for r in state.refs):
        return None
    if branch:
        names = [branch] if branch.startswith("refs/") else []
        names += [f"refs/heads/{branch}", f"refs/remotes/{branch}"]
        found = next((r for n in names if (r := state.ref(n)) is not None), None)
        if found is None or found.type != "commit":
            known = ", ".join(r.short for r in state.refs if not r.name.startswith("refs/tags/"))
            raise GitError(f"branch {branch!r} not found (branches: {known or 'none'})")
        return found
    remote_heads = [r for r in state.refs if r.symref and r.name.endswith("/HEAD")]
    remote_heads.sort(key=lambda r: r.name != "refs/remotes/origin/HEAD")
    for head in [*(r.symref for r in remote_heads), state.head]:
        found = state.ref(head) if head else None
        if found is not None and found.type == "commit":
            return found
    raise GitError("HEAD is detached and no remote HEAD is known; name the branch with --branch")


def tag_deployments(
    state: RepoState, pattern: str | None, file_name: str
) -> tuple[list[TagDeployment], list[Problem]]:
    """A deployment per tag matching ``pattern``; a matching tag that names no commit (a tree, a
    blob) is reported and skipped."""
    if not pattern:
        return [], []
    matched = [t for t in state.tags() if fnmatchcase(t.short, pattern)]
    nested = gitgraph.peel(state.path, [t.sha for t in matched if t.peeled_type == "tag"])
    found: list[tuple[Ref, str]] = []
    problems = []
    for tag in matched:
        target, kind = (tag.sha, tag.type) if tag.type != "tag" else (tag.peeled, tag.peeled_type)
        if kind == "tag":
            target, kind = nested.get(tag.sha, (None, None))
        if kind != "commit" or target is None:
            reason = f"tag {tag.short!r} matches --deploy-tags but names a {kind}, not a commit"
            problems.append(_warning(file_name, reason, "tag", tag.short, f"tag:{tag.short}"))
            continue
        found.append((tag, target))
    undated = [sha for tag, sha in found if tag.tagger_time is None and tag.committer_time is None]
    times = gitgraph.committer_times(state.path, undated)
    deployments = [
        TagDeployment(tag.short, sha, utc(_tag_time(tag, times.get(sha, 0)))) for tag, sha in found
    ]
    return deployments, problems


def _tag_time(tag: Ref, fallback: int) -> int:
    """Tagger date of an annotated tag (when the release was cut), else the commit's date."""
    for value in (tag.tagger_time, tag.committer_time):
        if value is not None:
            return value
    return fallback


def _warning(file_name: str, reason: str, field_name: str, value: str, item: str) -> Problem:
    return Problem(file_name, reason, None, field_name, value, "warning", None, item)


@register
class GitSource(Source):
    name = SOURCE_NAME
    summary = (
        "A local git repository's commits as changes, attributed to the first production "
        "deployment containing them (PATH: the repository's directory)"
    )
    writes_lake = True
    cli_options = (
        CliOption("service", "Catalog service this repository builds (required)."),
        CliOption(
            "deploy_tags",
            "Tags matching this glob (e.g. 'v*') are successful production deployments.",
        ),
        CliOption(
            "branch",
            "Default branch (default: the remote's HEAD, else the checked-out branch).",
        ),
        CliOption(
            "repository",
            "A monorepo's name as the catalog gives it (owner/name): commits go to the "
            "services whose leadline.io/paths their files match, the rest to --service.",
        ),
    )

    def read(self, paths: list[Path]) -> Unit:
        """One repository; its state (not a file's bytes) is what the batch hash covers."""
        (path,) = paths
        name = str(path)
        if not path.exists():
            raise InputError(Problem(name, "not found"))
        if not path.is_dir():
            raise InputError(Problem(name, "is not a directory; give a git repository's folder"))
        try:
            state = gitgraph.read_state(path)
        except GitError as error:
            raise InputError(Problem(name, _not_a_repository(error))) from None
        return RepoUnit([InputFile(state.path, state.canonical())], state=state)

    def templates(self) -> list[Template]:
        return []  # the input is a repository, not a file to fill in

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        assert isinstance(unit, RepoUnit) and unit.state is not None
        name, state = unit.display_name, unit.state
        service = ctx.options.get("service")
        if not service:
            reason = "--service is required: the catalog service this repository builds"
            raise InputError(Problem(name, reason, field="service"))
        try:
            branch = resolve_branch(state, ctx.options.get("branch"))
            commits = gitgraph.read_commits(state.path, branch.sha) if branch else []
            tags, problems = tag_deployments(state, ctx.options.get("deploy_tags"), name)
            repository = ctx.options.get("repository") or None
            paths = gitgraph.changed_paths(state.path, branch.sha) if branch and repository else {}
        except GitError as error:
            raise InputError(Problem(name, f"git: {error}")) from None
        if state.shallow:
            reason = (
                f"is a shallow clone: history before {len(state.shallow)} boundary commit(s) "
                "is not read (git fetch --unshallow reads it all)"
            )
            problems.insert(0, _warning(name, reason, "repository", name, "shallow"))
        ctx.progress(unit.size)
        records = RepoRecords(state, str(service), branch, commits, tags, repository, paths)
        return Parsed(len(commits) + len(tags), records, problems)

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.lake is not None and ctx.batch is not None and ctx.session is not None
        records: RepoRecords = parsed.records
        _supersede_earlier_batches(ctx, records.service)
        resolver = ServiceResolver.load(ctx.session, override=records.service)
        owners = services_of(records, resolver)
        by_service = {
            service: Attribution.build(records, ctx, service)
            for service in sorted(
                {s for found in owners.values() for s in found} | {records.service}
            )
        }
        attribution = by_service[records.service]
        facts = Facts(
            deployments=[_tag_row(records.service, t, _production_name(ctx)) for t in records.tags],
            changes=_change_rows(records, by_service, owners),
        )
        problems = [p for a in by_service.values() for p in a.problems]
        problems += land_facts([facts], resolver, ctx)
        ctx.batch.message = attribution.summary(records) + _mapped_summary(owners, records)
        return problems


def _not_a_repository(error: GitError) -> str:
    text = str(error)
    if "not a git repository" in text:
        return "is not a git repository (no .git found here or in any parent folder)"
    return text if text.startswith("is inside") else f"cannot be read by git: {text}"


def _supersede_earlier_batches(ctx: LandContext, service: str) -> None:
    """Drop what earlier batches of this repository and service landed, so the lake holds the
    current history only (a force-push's discarded commits, a deleted tag). Their idempotency
    keys are released: re-ingesting an old state later must land it again, not be 'unchanged'."""
    assert ctx.lake is not None and ctx.batch is not None and ctx.session is not None
    query = select(Batch).where(
        Batch.source == SOURCE_NAME,
        Batch.file_name == ctx.batch.file_name,
        Batch.status == "landed",
        Batch.idempotency_key.is_not(None),
        Batch.id != ctx.batch.id,
    )
    for earlier in ctx.session.scalars(query):
        if (earlier.options or {}).get("service") != service:
            continue
        ctx.lake.drop_batch(earlier.id)
        earlier.idempotency_key = None
        note = f"superseded by batch {ctx.batch.id}"
        earlier.message = f"{earlier.message}; {note}" if earlier.message else note


@dataclass
class Attribution:
    """Which deployment first shipped each commit, and what could not be used."""

    owner: dict[str, str]
    deployments_used: int
    problems: list[Problem]

    @classmethod
    def build(cls, records: RepoRecords, ctx: LandContext, service: str) -> Attribution:
        """Order the service's deployments by finish time, find their commits in the
        repository, and walk the graph once (see gitgraph.attribute)."""
        name = str(records.state.path)
        ordered = _production_deployments(records, ctx, service)
        repo = records.state.path
        graph: dict[str, tuple[str, ...]] = {c.sha: c.parents for c in records.commits}
        wanted = [sha.lower() for _, _, sha in ordered if sha.lower() not in graph]
        full = {sha: sha.lower() for _, _, sha in ordered if sha.lower() in graph}
        full.update(gitgraph.resolve_commits(repo, wanted))
        heads: list[tuple[str, str]] = []
        problems: list[Problem] = []
        for _, deployment_id, sha in ordered:
            commit = full.get(sha) or full.get(sha.lower())
            if commit is None:
                reason = (
                    f"deployment {deployment_id}: commit {sha} is not in this repository "
                    "(a shallow clone, unfetched, or another repository's); it attributes no "
                    "commits"
                )
                problems.append(
                    _warning(name, reason, "commit_sha", sha, f"deployment:{deployment_id}")
                )
                continue
            heads.append((deployment_id, commit))
        outside = [sha for _, sha in heads if sha not in graph]
        tip = records.branch.sha if records.branch else None
        for sha, parents in gitgraph.ancestry(repo, outside, tip).items():
            graph.setdefault(sha, parents)
        return cls(gitgraph.attribute(graph, heads), len(heads), problems)

    def summary(self, records: RepoRecords) -> str:
        if records.branch is None:
            return "empty repository: no commits yet"
        on_branch = {c.sha for c in records.commits}
        shipped = sum(1 for sha in on_branch if sha in self.owner)
        return (
            f"{len(records.commits)} commits on {records.branch.short} at "
            f"{records.branch.sha[:12]}: {shipped} attributed to a deployment, "
            f"{len(records.commits) - shipped} in none yet; {self.deployments_used} deployments "
            f"used ({len(records.tags)} from tags)"
        )


def _production_deployments(
    records: RepoRecords, ctx: LandContext, service: str
) -> list[tuple[Any, str, str]]:
    """(finished_at, deployment_id, commit sha) of the service's successful production
    deployments: those in the lake and (for ``--service``) this repository's tag deployments,
    in finish order."""
    assert ctx.lake is not None
    columns = ["deployment_id", "service", "environment", "status", "finished_at", "commit_sha"]
    table = ctx.lake.read_table(DEPLOYMENTS, columns)
    table = table.filter(pc.equal(table.column("service"), service))
    production = {e.lower() for e in ctx.settings.delivery.production_environments}
    chosen: dict[str, tuple[Any, str]] = {
        row["deployment_id"]: (row["finished_at"], row["commit_sha"])
        for row in table.to_pylist()
        if row["status"] == SUCCESS
        and str(row["environment"]).lower() in production
        and row["commit_sha"]
    }
    for tag in records.tags if service == records.service else []:
        chosen[_tag_deployment_id(records.service, tag)] = (tag.finished_at, tag.sha)
    return sorted((at, key, sha) for key, (at, sha) in chosen.items())


def _tag_deployment_id(service: str, tag: TagDeployment) -> str:
    return f"git:{service}:tag:{tag.tag}"


def _production_name(ctx: Context) -> str:
    """'production', unless the configured production names leave it out."""
    names = ctx.settings.delivery.production_environments
    return "production" if "production" in {n.lower() for n in names} or not names else names[0]


def _tag_row(service: str, tag: TagDeployment, environment: str) -> dict[str, Any]:
    return {
        SUBJECT: Subject(SOURCE_NAME, service, service),
        "deployment_id": _tag_deployment_id(service, tag),
        "environment": environment,
        "status": SUCCESS,
        "created_at": tag.finished_at,
        "finished_at": tag.finished_at,
        "commit_sha": tag.sha,
        "change_type": None,
        "source": SOURCE_NAME,
        "updated_at": tag.finished_at,
        "extra": json.dumps({"tag": tag.tag}, ensure_ascii=False),
    }


def services_of(records: RepoRecords, resolver: ServiceResolver) -> dict[str, list[str]]:
    """Commit -> the path-mapped services its files match (``--repository``); commits matching
    none are left out (they belong to ``--service``)."""
    if not records.repository:
        return {}
    found = {
        sha: resolver.path_services(records.repository, paths)
        for sha, paths in records.paths.items()
    }
    return {sha: services for sha, services in found.items() if services}


def _mapped_summary(owners: dict[str, list[str]], records: RepoRecords) -> str:
    if not records.repository:
        return ""
    return (
        f"; {records.repository}: {len(owners)} commits mapped by their paths, "
        f"{len(records.commits) - len(owners)} to {records.service}"
    )


def _change_rows(
    records: RepoRecords, by_service: dict[str, Attribution], owners: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """One change per commit on the branch and service it belongs to (see the module
    docstring for the dates); the service is set here, not resolved again."""
    if records.branch is None:
        return []
    graph = {c.sha: c.parents for c in records.commits}
    chain = gitgraph.first_parent_chain(graph, records.branch.sha)
    merged_by = gitgraph.attribute(graph, [(sha, sha) for sha in chain])
    committed = {c.sha: c.committer_time for c in records.commits}
    return [
        {
            "service": service,
            "change_id": c.sha,
            "commit_sha": c.sha,
            "committed_at": utc(c.author_time),
            "merged_at": utc(committed[merged_by.get(c.sha, c.sha)]),
            "deployment_id": by_service[service].owner.get(c.sha),
            "source": SOURCE_NAME,
            "updated_at": utc(c.committer_time),
            "extra": json.dumps(
                {"subject": c.subject, "author": c.author, "parents": len(c.parents)},
                ensure_ascii=False,
            ),
        }
        for c in records.commits
        for service in owners.get(c.sha) or [records.service]
    ]
