"""A local git repository, read through the git CLI: its refs, its commits, their ancestry, and
which deployment first shipped each commit.

Only read-only plumbing is run (``rev-parse``, ``for-each-ref``, ``rev-list``, ``cat-file``), with
argument lists (never a shell) and an environment stripped of ``GIT_*`` variables, so that a
``GIT_DIR`` inherited from a hook or a user's configuration (signatures, colours, replace refs)
cannot change what is read. Attribution walks the commit graph in Python once: see ``attribute``.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# Bumped when what leadline reads from a repository changes, so old batches do not hide new facts.
READER_VERSION = "1"
HEX = re.compile(r"[0-9a-fA-F]{4,64}")
# Read only these namespaces: notes, stash and CI-private refs do not change what is delivered.
REF_NAMESPACES = ("refs/heads", "refs/remotes", "refs/tags")
_FIELDS = (
    "%(refname)",
    "%(objectname)",
    "%(objecttype)",
    "%(*objectname)",
    "%(*objecttype)",
    "%(taggerdate:unix)",
    "%(committerdate:unix)",
    "%(*committerdate:unix)",
    "%(symref)",
)
_REF_FORMAT = "%00".join(_FIELDS) + "%00"
# Subject last: it is the only free text, so it is split off with maxsplit and may hold anything.
_COMMIT_FORMAT = "%H%x1f%P%x1f%at%x1f%ct%x1f%aL%x1f%s%x00"
_COMMIT_MARK = re.compile("\x01[0-9a-f]{40}([0-9a-f]{24})?")  # a changed_paths record's head


class GitError(Exception):
    """git failed; the message is git's own, which names what is wrong."""


# Where git's own installation and the user's global configuration (safe.directory) live.
_KEPT = frozenset({"GIT_EXEC_PATH", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM"})


def _environment() -> dict[str, str]:
    """The caller's environment without GIT_* overrides (a hook's GIT_DIR would redirect every
    command to another repository), in the C locale so that messages are stable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in _KEPT}
    env.update(
        LC_ALL="C",
        GIT_TERMINAL_PROMPT="0",
        GIT_NO_REPLACE_OBJECTS="1",
        GIT_OPTIONAL_LOCKS="0",
        GIT_NO_LAZY_FETCH="1",  # git >= 2.44: a partial clone must not go to the network
    )
    return env


def run_git(repo: Path, *args: str, stdin: bytes | None = None, check: bool = True) -> bytes:
    """stdout of ``git -C repo args``; raise GitError with git's message when it fails."""
    command = [
        "git",
        "-C",
        str(repo),
        "-c",
        "log.showSignature=false",
        "-c",
        "i18n.logOutputEncoding=UTF-8",
        "-c",
        "core.quotePath=false",
        *args,
    ]
    try:
        done = subprocess.run(
            command, input=stdin, capture_output=True, env=_environment(), check=False
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    if check and done.returncode != 0:
        raise GitError(_message(done.stderr) or f"git {args[0]} failed ({done.returncode})")
    return done.stdout if done.returncode == 0 else b""


def _message(stderr: bytes) -> str:
    """git's reason (the 'fatal:' line, without the prefix), plus the safe.directory fix when
    git refuses a repository another user owns."""
    lines = [line.strip() for line in _text(stderr).splitlines() if line.strip()]
    reason = next((line for line in lines if line.startswith(("fatal: ", "error: "))), "")
    reason = reason.partition(": ")[2] or (lines[-1] if lines else "")
    fix = next((line for line in lines if "safe.directory" in line), None)
    return f"{reason}; to trust it: {fix}" if fix and "dubious ownership" in reason else reason


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


@dataclass(frozen=True)
class Ref:
    """One ref as ``for-each-ref`` shows it (``peeled`` is one level down, for tag objects)."""

    name: str  # refs/heads/main, refs/tags/v1.2, refs/remotes/origin/HEAD
    sha: str
    type: str  # commit, tag, tree, blob
    peeled: str | None
    peeled_type: str | None
    tagger_time: int | None
    committer_time: int | None  # of the commit the ref (or its tag, one level down) names
    symref: str | None

    @property
    def short(self) -> str:
        """The name without its namespace: 'main', 'origin/main', 'v1.2'."""
        for namespace in REF_NAMESPACES:
            if self.name.startswith(namespace + "/"):
                return self.name[len(namespace) + 1 :]
        return self.name


@dataclass(frozen=True)
class RepoState:
    """What a batch reads from a repository, captured once so that parsing reads exactly the
    state that was hashed, even if someone pushes meanwhile."""

    path: Path
    head: str | None  # HEAD's branch (refs/heads/...), None when detached
    refs: tuple[Ref, ...]
    shallow: tuple[str, ...]  # boundary commits of a shallow clone

    def canonical(self) -> bytes:
        """Bytes that change whenever anything read from the repository changes."""
        lines = [f"leadline-git {READER_VERSION}", f"HEAD {self.head or '-'}"]
        lines += [f"shallow {sha}" for sha in self.shallow]
        lines += ["ref " + " ".join(str(v) for v in vars(ref).values()) for ref in self.refs]
        return "\n".join(lines).encode()

    def ref(self, name: str) -> Ref | None:
        return next((r for r in self.refs if r.name == name), None)

    def tags(self) -> list[Ref]:
        return [r for r in self.refs if r.name.startswith("refs/tags/")]


def _optional_int(text: str) -> int | None:
    return int(text) if text.strip() else None


def _first(*values: int | None) -> int | None:
    return next((v for v in values if v is not None), None)


def _parse_refs(output: bytes) -> tuple[Ref, ...]:
    fields = _text(output).split("\0")
    count = len(_FIELDS)
    refs = []
    for start in range(0, len(fields) - count + 1, count):
        name, sha, kind, peeled, peeled_kind, tagger, committer, peeled_committer, symref = (
            f.lstrip("\n") if i == 0 else f for i, f in enumerate(fields[start : start + count])
        )
        refs.append(
            Ref(
                name,
                sha,
                kind,
                peeled or None,
                peeled_kind or None,
                _optional_int(tagger),
                _first(_optional_int(committer), _optional_int(peeled_committer)),
                symref or None,
            )
        )
    return tuple(refs)


def check_repository(path: Path) -> Path:
    """The repository's top level (or git directory, if bare); raise GitError when ``path`` is
    not a repository, or is a folder inside one (which would silently mean the whole repo)."""
    given = path.resolve()
    lines = _text(run_git(path, "rev-parse", "--is-bare-repository", "--absolute-git-dir"))
    bare, git_dir = lines.splitlines()[:2]
    if bare == "true":
        return Path(git_dir)
    if given == Path(git_dir):
        return given
    top = Path(_text(run_git(path, "rev-parse", "--show-toplevel")).strip())
    if top.resolve() != given:
        raise GitError(f"is inside the git repository {top}, not its top level; give {top}")
    return given


def read_state(path: Path) -> RepoState:
    """HEAD, every branch, remote-tracking branch and tag, and the shallow boundary."""
    top = check_repository(path)
    head = _text(run_git(top, "symbolic-ref", "-q", "HEAD", check=False)).strip() or None
    refs = _parse_refs(run_git(top, "for-each-ref", f"--format={_REF_FORMAT}", *REF_NAMESPACES))
    shallow_file = Path(_text(run_git(top, "rev-parse", "--git-path", "shallow")).strip())
    if not shallow_file.is_absolute():
        shallow_file = top / shallow_file
    shallow = tuple(sorted(shallow_file.read_text().split())) if shallow_file.exists() else ()
    return RepoState(top, head, refs, shallow)


@dataclass(frozen=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author_time: int  # seconds since the epoch
    committer_time: int
    author: str  # local part of the (mailmapped) author e-mail
    subject: str


def read_commits(repo: Path, tip: str) -> list[Commit]:
    """Every commit reachable from ``tip`` (merged branches included), newest first."""
    output = run_git(
        repo,
        "rev-list",
        "--no-commit-header",
        f"--format={_COMMIT_FORMAT}",
        "--end-of-options",
        tip,
    )
    commits = []
    for record in _text(output).split("\0\n"):
        if not record.strip():
            continue
        sha, parents, author_time, committer_time, author, subject = record.split("\x1f", 5)
        commits.append(
            Commit(
                sha.strip(),
                tuple(parents.split()),
                int(author_time),
                int(committer_time),
                author,
                subject,
            )
        )
    return commits


def changed_paths(repo: Path, tip: str) -> dict[str, tuple[str, ...]]:
    """The files each commit reachable from ``tip`` changed, in one ``git log``: a merge's are
    its diff against its first parent (what it brought into the branch), a root commit's all
    its files; renames count as the old and the new path (rename detection off)."""
    output = run_git(
        repo,
        "log",
        "--format=%x01%H",
        "--name-only",
        "-z",
        "--diff-merges=first-parent",
        "--no-renames",
        "--end-of-options",
        tip,
        "--",
    )
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in _text(output).split("\0"):
        token = raw.lstrip("\n")  # a header's file list starts on the next line
        if _COMMIT_MARK.fullmatch(token):
            current = found.setdefault(token[1:], [])
        elif token and current is not None:
            current.append(token)
    return {sha: tuple(paths) for sha, paths in found.items()}


def resolve_commits(repo: Path, names: Iterable[str]) -> dict[str, str]:
    """Full sha of each name that is a commit present in the repository (one ``cat-file`` for
    all: thousands of deployments cost one process). Absent, ambiguous or non-hex names (a
    shallow clone, another repository's sha) are left out."""
    wanted = sorted({n for n in names if HEX.fullmatch(n)})
    if not wanted:
        return {}
    query = "".join(f"{name}^{{commit}}\n" for name in wanted).encode()
    output = _text(
        run_git(repo, "cat-file", "--batch-check=%(objectname) %(objecttype)", stdin=query)
    )
    found = {}
    for name, line in zip(wanted, output.splitlines(), strict=True):
        parts = line.split()
        if len(parts) == 2 and parts[1] == "commit":
            found[name] = parts[0]
    return found


def peel(repo: Path, shas: Iterable[str]) -> dict[str, tuple[str, str]]:
    """(object, type) each object finally names once every tag on the way is peeled."""
    wanted = sorted(set(shas))
    if not wanted:
        return {}
    query = "".join(f"{sha}^{{}}\n" for sha in wanted).encode()
    output = _text(
        run_git(repo, "cat-file", "--batch-check=%(objectname) %(objecttype)", stdin=query)
    )
    peeled = {}
    for sha, line in zip(wanted, output.splitlines(), strict=True):
        parts = line.split()
        if len(parts) == 2 and parts[1] != "missing":
            peeled[sha] = (parts[0], parts[1])
    return peeled


def committer_times(repo: Path, shas: Iterable[str]) -> dict[str, int]:
    """Committer date (epoch seconds) of each commit, in one ``rev-list``."""
    wanted = sorted(set(shas))
    if not wanted:
        return {}
    output = run_git(
        repo,
        "rev-list",
        "--no-walk",
        "--no-commit-header",
        "--format=%H %ct",
        "--stdin",
        stdin="\n".join(wanted).encode(),
    )
    return {sha: int(t) for sha, t in (line.split() for line in _text(output).splitlines())}


def ancestry(repo: Path, heads: Iterable[str], known_tip: str | None) -> dict[str, tuple[str, ...]]:
    """Parents of every commit reachable from ``heads`` but not from ``known_tip`` (whose history
    the caller already has), in one ``rev-list``; heads must be existing commits."""
    lines = [*sorted(set(heads)), *([f"^{known_tip}"] if known_tip else [])]
    if not lines or lines[0].startswith("^"):
        return {}
    output = _text(
        run_git(repo, "rev-list", "--parents", "--stdin", stdin="\n".join(lines).encode())
    )
    graph: dict[str, tuple[str, ...]] = {}
    for line in output.splitlines():
        sha, *parents = line.split()
        graph[sha] = tuple(parents)
    return graph


def attribute(
    graph: Mapping[str, Sequence[str]], heads: Sequence[tuple[str, str]]
) -> dict[str, str]:
    """Commit -> label of the first head (in the order given) whose history contains it.

    Equivalent to ``git rev-list head_i --not head_1 ... head_{i-1}`` for each head in turn, but
    one walk in all: the commits already labelled are closed under ancestry (a head's history
    holds its ancestors' histories), so each walk stops where it meets one, and every commit
    and edge is visited once however many heads there are. Parents outside ``graph`` (beyond a
    shallow boundary) are skipped.
    """
    owner: dict[str, str] = {}
    for label, head in heads:
        stack = [head]
        while stack:
            sha = stack.pop()
            if sha in owner or sha not in graph:
                continue
            owner[sha] = label
            stack.extend(graph[sha])
    return owner


def first_parent_chain(graph: Mapping[str, Sequence[str]], tip: str) -> list[str]:
    """The branch's own commits, oldest first: what it pointed to over time."""
    chain = []
    sha: str | None = tip
    while sha is not None and sha in graph:
        chain.append(sha)
        parents = graph[sha]
        sha = parents[0] if parents else None
    chain.reverse()
    return chain
