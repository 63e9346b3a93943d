"""What a connector kind is: the options ``connect add`` accepts, the least token scopes it needs,
and ``pull``, which yields batches of vendor payloads with the cursors they advance.

A kind never writes to the store. It reads the vendor's API through the ``ApiClient`` it is
given and yields ``Pull`` objects; ``connect.sync`` lands each through an EXISTING ingest source
(the same one a file of the same payloads goes through, raw payload kept, then normalised) and
commits the pull's ``cursor_updates`` in the same transaction as its batch. So:

- yield a pull only once its payloads are complete for the cursor it advances (a cursor moves
  past exactly what the pull's files hold);
- make file names deterministic (``acme-api-deployments.json`` + the range they cover, not a
  timestamp), so an identical re-pull is recognised as "unchanged";
- read cursors from ``cursors`` (``{stream: cursor}``, as committed by earlier pulls); the kind
  decides a cursor's shape (e.g. ``{"since": "...", "etag": "..."}``); ``full`` ignores them
  and ``since`` bounds a back-fill;
- a stream whose payloads need no landing but whose cursor moves (a 304, an empty page) yields a
  pull with no files: sync commits its cursor alone.

The built-in kinds live in ``leadline.connect.kinds.<name>`` and register themselves with
``@register_kind``; every plugin (the built-in one too) declares its kinds through the
``leadline_connector_kinds`` hook, and ``kind(name)`` loads them on first use.
"""

from __future__ import annotations

import datetime as dt
import os
import pkgutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable

from leadline.connect.client import ApiClient
from leadline.ingest.registry import InputFile

Cursor = dict[str, Any]
Cursors = Mapping[str, Cursor]


class ConnectionProblem(Exception):
    """A connection cannot run as configured (a missing option, an unset token variable...)."""


@dataclass(frozen=True)
class KindOption:
    """One option of ``leadline connect add KIND NAME``: ``--org acme`` is ``KindOption("org")``.

    ``multiple``: the option repeats (``--repo a/b --repo c/d``) and is stored as a list;
    ``flag``: a boolean switch."""

    name: str
    help: str
    required: bool = False
    multiple: bool = False
    flag: bool = False
    default: Any = None


@dataclass(frozen=True)
class ConnectionSpec:
    """A connection as a kind sees it (detached from the store): its options and the references
    to its secret. ``secret()`` resolves the reference at run time; it is never stored."""

    name: str
    kind: str
    options: Mapping[str, Any] = field(default_factory=dict)
    token_env: str | None = None
    token_file: str | None = None
    schedule: str | None = None

    def option(self, name: str, default: Any = None) -> Any:
        value = self.options.get(name)
        return default if value in (None, "", []) else value

    def secret(self, required: bool = True) -> str | None:
        """The token, read now from the named environment variable or file."""
        if self.token_env:
            value = os.environ.get(self.token_env)
            if value:
                return value.strip()
            if required:
                raise ConnectionProblem(
                    f"connection {self.name!r}: environment variable {self.token_env} is not set"
                )
        if self.token_file:
            path = Path(self.token_file).expanduser()
            try:
                return path.read_text(encoding="utf-8").strip()
            except OSError as error:
                raise ConnectionProblem(
                    f"connection {self.name!r}: cannot read token file {path}: {error.strerror}"
                ) from None
        if required:
            raise ConnectionProblem(
                f"connection {self.name!r} names no token (--token-env or --token-file)"
            )
        return None


@dataclass
class Pull:
    """One batch to land: payloads for an existing ingest ``source`` and the cursors it moves.

    ``files``: in-memory payloads (``InputFile(Path(name), data)``), landed as ONE batch, exactly
    as ``leadline ingest SOURCE`` would land files with those names and bytes. ``paths``: for a
    source that reads its input itself (the Prometheus pull takes a URL), given to its
    ``read()``. ``options``: the source's ingest options (e.g. ``service``). ``label`` names the
    pull in progress bars and run reports. A pull with neither files nor paths only moves its
    cursors."""

    source: str
    files: list[InputFile] = field(default_factory=list)
    cursor_updates: dict[str, Cursor] = field(default_factory=dict)
    paths: list[Path] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    label: str = ""


@runtime_checkable
class Kind(Protocol):
    """A connector kind. Attributes: ``name`` (``github``), ``summary`` (one line),
    ``options`` (what ``connect add`` accepts), ``scopes_doc`` (the least token scopes or
    permissions it needs, for docs/connectors.md and ``connect add --help``), ``needs_token``."""

    name: ClassVar[str]
    summary: ClassVar[str]
    options: ClassVar[tuple[KindOption, ...]]
    scopes_doc: ClassVar[str]
    needs_token: ClassVar[bool]

    def check(self, options: Mapping[str, Any]) -> list[str]:
        """What is wrong with these options (empty: fine); ``connect add`` refuses them."""
        ...

    def client(self, conn: ConnectionSpec) -> ApiClient | None:
        """The HTTP client for the connection (base URL, auth headers), or None when the kind
        reads through something else (a directory, a source's own client). The caller sets the
        clock, time box and progress hook and closes it."""
        ...

    def pull(
        self,
        conn: ConnectionSpec,
        cursors: Cursors,
        client: ApiClient | None,
        since: dt.datetime | None,
        full: bool,
    ) -> Iterator[Pull]:
        """Yield the batches that bring the connection up to date, in cursor order."""
        ...


K = TypeVar("K", bound=type)
_KINDS: dict[str, Any] = {}


def register_kind(kind_class: K) -> K:
    """Class decorator: make a kind available to ``connect add`` and ``sync``."""
    name = kind_class.name  # type: ignore[attr-defined]
    known = _KINDS.get(name)
    if known is not None and type(known) is not kind_class:
        raise ValueError(f"two connector kinds are named {name!r}")
    _KINDS[name] = kind_class()
    return kind_class


def _load() -> None:
    """Register what every plugin's ``leadline_connector_kinds`` declares (the built-in kinds
    are this package's modules, declared by ``connect/plugin.py`` as a third party would)."""
    from leadline import plugins

    for declared in plugins.collected(plugins.manager().hook.leadline_connector_kinds()):
        item = plugins.imported(declared)
        if isinstance(item, type):
            register_kind(item)
        elif not isinstance(item, ModuleType):  # an instance (a module registered on import)
            known = _KINDS.get(item.name)
            if known is not None and known is not item:
                raise ValueError(f"two connector kinds are named {item.name!r}")
            _KINDS[item.name] = item


def builtin_kind_modules() -> list[str]:
    """This package's kind modules (``base`` and ``_private`` helper modules are not kinds)."""
    import leadline.connect.kinds as package

    names = (m.name for m in pkgutil.iter_modules(package.__path__))
    return [f"{package.__name__}.{n}" for n in sorted(names) if n != "base" and n[0] != "_"]


def kind_names() -> list[str]:
    """Every connector kind the plugins declare."""
    _load()
    return sorted(_KINDS)


def kind(name: str) -> Kind:
    """The connector kind called ``name``."""
    if name not in kind_names():
        raise KeyError(f"unknown connector kind {name!r}; known: {', '.join(kind_names())}")
    found = _KINDS[name]
    if not isinstance(found, Kind):
        raise TypeError(f"connector kind {name!r} does not implement connect.kinds.base.Kind")
    return found


def all_kinds() -> dict[str, Kind]:
    return {name: kind(name) for name in kind_names()}


def json_file(name: str, payload: Any) -> InputFile:
    """A pull's payload as an in-memory file (compact JSON, keys in the vendor's order)."""
    import json

    return InputFile(Path(name), json.dumps(payload, separators=(",", ":")).encode())


def iso(moment: dt.datetime) -> str:
    """A cursor's time as ISO-8601 UTC with a Z (what GitHub and GitLab accept in ``since``)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
