"""The registry of ingest sources: each pillar registers its sources behind one small interface.

A source turns input files into records (``parse``) and writes them to the store or the lake
(``land``); the runner around it supplies batches, idempotency, atomicity and rejects.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

from leadline import plugins
from leadline.ingest.files import BackgroundDigest, file_digest, read_bytes, sha256_hex
from leadline.ingest.problems import Parsed, Problem

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from leadline.config import Settings
    from leadline.ingest.models import Batch
    from leadline.lake.writer import LakeWriter


@dataclass(frozen=True)
class CliOption:
    """An extra option a source accepts on ``leadline ingest <source>``."""

    name: str
    help: str
    type: Any = str | None
    default: Any = None


@dataclass(frozen=True)
class Template:
    """A documented blank input file a user can start from."""

    file_name: str
    text: str


class InputFile:
    """An input file, hashed as a stream; its bytes are loaded only if a source asks. With
    ``hash_later`` the hash is taken on a background thread once ``start_hash`` is called
    (``sha256`` waits for it): a source that streams a large file lands it meanwhile."""

    def __init__(self, path: Path, data: bytes | None = None, *, hash_later: bool = False) -> None:
        self.path = path
        self._data = data
        self._sha256: str | None = None
        self._later: BackgroundDigest | None = None
        if data is not None:
            self.size, self._sha256 = len(data), hashlib.sha256(data).hexdigest()
        elif hash_later:
            self._later = BackgroundDigest(path)
            self.size = self._later.size
        else:
            self.size, self._sha256 = file_digest(path)

    @property
    def sha256(self) -> str:
        if self._sha256 is None:
            assert self._later is not None
            self._sha256 = self._later.hexdigest()
        return self._sha256

    @property
    def hashed_later(self) -> bool:
        """Whether the hash is taken in the background, not when the file was read."""
        return self._later is not None

    def start_hash(self) -> None:
        if self._later is not None:
            self._later.start()

    @property
    def hash_known(self) -> bool:
        """Whether ``sha256`` answers without waiting."""
        return self._later is None or self._later.done()

    @property
    def name(self) -> str:
        return str(self.path)

    @property
    def data(self) -> bytes:
        if self._data is None:
            self._data = read_bytes(self.path)
        return self._data


@dataclass
class Unit:
    """What one batch ingests: usually one file, sometimes a set (a catalog and its locations)."""

    files: list[InputFile]
    problems: list[Problem] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        names = [f.name for f in self.files]
        if len(names) <= 2:
            return ", ".join(names)
        return f"{names[0]} (+{len(names) - 1} more)"

    @property
    def content_hash(self) -> str:
        parts: list[bytes] = []
        for f in sorted(self.files, key=lambda f: f.name):
            parts += [f.path.name.encode(), f.sha256.encode()]
        return sha256_hex(*parts)

    @property
    def size(self) -> int:
        """Bytes to read, known without loading the files (progress bars ask for it)."""
        return sum(f.size for f in self.files)

    @property
    def hashed_later(self) -> bool:
        """Whether a file's hash is taken while the unit lands (``Source.hash_while_landing``):
        the runner then checks the idempotency key before publishing, not before parsing."""
        return any(f.hashed_later for f in self.files)

    def start_hash(self) -> None:
        for f in self.files:
            f.start_hash()

    @property
    def hash_known(self) -> bool:
        return all(f.hash_known for f in self.files)


@dataclass
class Context:
    """Everything a source may use while parsing and landing one unit."""

    settings: Settings
    options: dict[str, Any]
    progress: Callable[[int], None] = lambda _advance: None
    # --force: the earlier batch's lake rows were dropped; land everything again.
    force: bool = False


@dataclass
class LandContext(Context):
    session: Session | None = None
    batch: Batch | None = None
    lake: LakeWriter | None = None
    # Raises (the runner's AlreadyLanded) when this unit's content is found to have landed in
    # another batch (``Source.hash_while_landing``): nothing of it is published then.
    check_landed: Callable[[], None] = lambda: None


class Source(ABC):
    """One input format. Subclasses set ``name`` and ``summary`` and implement parse and land."""

    name: ClassVar[str]
    summary: ClassVar[str]
    # When true, all paths of one command form one batch (entities that refer to each other).
    group_inputs: ClassVar[bool] = False
    writes_lake: ClassVar[bool] = False
    cli_options: ClassVar[tuple[CliOption, ...]] = ()
    # Small structured files are read whole; large tabular ones are streamed from disk.
    load_bytes: ClassVar[bool] = True
    # The columns naming one record, when each parsed row (with ``_row``) is a whole record:
    # the runner rejects a key repeated with other values in one batch and lands an exact
    # repeat once (ingest.repeats). Sources of observations (webhook events) leave it empty.
    natural_key: ClassVar[tuple[str, ...]] = ()
    # Streamed sources of large files: each file's SHA-256 (the idempotency key) is taken on
    # another thread while ``land`` reads it, instead of by a whole read of its own first; a
    # content that already landed is found before the batch publishes (and, if ``land`` calls
    # ``LandContext.check_landed`` between blocks, as soon as the hash is known), and lands
    # nothing, as when it is found before parsing.
    hash_while_landing: ClassVar[bool] = False

    def units(self, paths: list[Path]) -> list[Unit]:
        """Group and read the inputs; unreadable inputs raise InputError from read()."""
        if self.group_inputs:
            return [self.read(paths)]
        return [self.read([path]) for path in paths]

    def read(self, paths: list[Path]) -> Unit:
        if self.load_bytes:
            return Unit([InputFile(path, read_bytes(path)) for path in paths])
        return Unit([InputFile(path, hash_later=self.hash_while_landing) for path in paths])

    @abstractmethod
    def templates(self) -> list[Template]: ...

    @abstractmethod
    def parse(self, unit: Unit, ctx: Context) -> Parsed: ...

    @abstractmethod
    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        """Write the parsed records; return problems only the store can reveal (references)."""


_SOURCES: dict[str, Source] = {}


def register(source_class: type[Source]) -> type[Source]:
    """Class decorator: make a source available to ``leadline ingest`` and the web API."""
    name = source_class.name
    if name in _SOURCES and type(_SOURCES[name]) is not source_class:
        raise ValueError(f"two sources are named {name!r}")
    _SOURCES[name] = source_class()
    return source_class


def _add(source: Source) -> None:
    known = _SOURCES.get(source.name)
    if known is None:
        _SOURCES[source.name] = source
    elif type(known) is not type(source):
        raise ValueError(f"two sources are named {source.name!r}")


def _load_all() -> None:
    """The sources every plugin registers (``leadline_sources``: the modules declaring them,
    Source classes or instances)."""
    for answer in plugins.collected(plugins.manager().hook.leadline_sources()):
        item = plugins.imported(answer)
        if isinstance(item, Source):
            _add(item)
        elif isinstance(item, type) and issubclass(item, Source):
            if type(_SOURCES.get(item.name)) is not item:
                register(item)
        elif not isinstance(item, ModuleType):
            raise TypeError(f"leadline_sources gave {item!r}: not a module or a Source")


def sources() -> dict[str, Source]:
    _load_all()
    return dict(sorted(_SOURCES.items()))


def get_source(name: str) -> Source:
    known = sources()
    if name not in known:
        raise KeyError(f"unknown source {name!r}; known sources: {', '.join(known)}")
    return known[name]
