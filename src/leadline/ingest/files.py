"""Reading input files with errors a person can act on: which file, which line, what is wrong."""

from __future__ import annotations

import hashlib
import io
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from leadline.ingest.limits import current_limits
from leadline.ingest.problems import InputError, Problem
from leadline.ingest.yaml_budget import BudgetExceeded, load_budgeted

# libyaml's C parser when present (it is in PyYAML's wheels): same results, ~10x faster.
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SafeDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@contextmanager
def _readable(path: Path) -> Iterator[None]:
    """Turn the ways a file can fail to open into an InputError a person can act on."""
    name = str(path)
    try:
        # Inside the try: is_dir() raises PermissionError for a file in an unreadable directory.
        if path.is_dir():
            raise InputError(Problem(name, "is a directory; give the files inside it instead"))
        yield
    except FileNotFoundError:
        raise InputError(Problem(name, "file not found")) from None
    except PermissionError:
        raise InputError(Problem(name, "permission denied")) from None
    except OSError as error:
        raise InputError(Problem(name, f"cannot be read: {error.strerror or error}")) from None


def read_bytes(path: Path) -> bytes:
    """The file's content, or an InputError naming what stops it being read."""
    with _readable(path):
        return path.read_bytes()
    raise AssertionError("unreachable")  # pragma: no cover - for type checkers


def file_digest(path: Path, chunk_size: int = 1 << 20) -> tuple[int, str]:
    """(size, sha256 hex) of a file read in chunks, never whole."""
    with _readable(path), path.open("rb") as handle:
        return _stream_digest(handle, chunk_size)
    raise AssertionError("unreachable")  # pragma: no cover - for type checkers


def _stream_digest(handle: io.BufferedReader, chunk_size: int) -> tuple[int, str]:
    """(bytes read, sha256 hex) of an open file, read to its end in chunks into one buffer."""
    digest = hashlib.sha256()
    buffer = bytearray(chunk_size)
    view = memoryview(buffer)
    size = 0
    while count := handle.readinto(buffer):
        digest.update(view[:count])
        size += count
    return size, digest.hexdigest()


class BackgroundDigest:
    """A file's SHA-256 computed on a thread of its own: hashlib releases the GIL, so a large
    file is hashed on the second core while an ingest reads and lands it (issue 19 item 7: the
    hash was a whole read of the file, alone, before the ingest started). The file is opened
    by the caller, so a file that cannot be opened fails there as with ``file_digest``."""

    def __init__(self, path: Path, chunk_size: int = 1 << 20) -> None:
        self.path = path
        with _readable(path):
            self._handle = path.open("rb")
        self.size = os.fstat(self._handle.fileno()).st_size
        self._chunk_size = chunk_size
        self._done = threading.Event()
        self._hex: str | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start hashing (once); ``hexdigest`` waits for it."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="leadline-hash", daemon=True)
            self._thread.start()

    def done(self) -> bool:
        return self._done.is_set()

    def hexdigest(self) -> str:
        """The hex digest, once the whole file is hashed (started here if it was not yet);
        an error reading the file is raised here, as an InputError naming it."""
        self.start()
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._hex is not None
        return self._hex

    def _run(self) -> None:
        try:
            with _readable(self.path), self._handle:
                self._hex = _stream_digest(self._handle, self._chunk_size)[1]
        except BaseException as error:  # handed to the thread that asks for the digest
            self._error = error
        finally:
            self._done.set()


def decode_utf8(name: str, data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), naming the line and column of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise InputError(
            Problem(
                name,
                f"is not valid UTF-8: byte 0x{data[error.start]:02x} at line {line}, "
                f"column {column}; save the file as UTF-8",
                row=line,
            )
        ) from None


class _ReadableDumper(SafeDumper):  # type: ignore[misc,valid-type]
    """Multi-line strings (queries, descriptions) as literal blocks, not escaped lines."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_ReadableDumper.add_representer(str, _represent_str)


def dump_yaml(documents: list[Any]) -> str:
    """Multi-document YAML, keys in insertion order (readable diffs of generated files)."""
    return yaml.dump_all(
        documents,
        Dumper=_ReadableDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
    )


def sha256_hex(*chunks: bytes) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(hashlib.sha256(chunk).digest())
    return digest.hexdigest()


@dataclass(frozen=True)
class YamlDocument:
    file: str
    index: int  # 1-based position of the document in its file
    line: int  # line where the document starts
    content: Any


_MARKER = re.compile(r"^(---|\.\.\.)(\s|$)")


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    """Split a YAML stream at document markers (which YAML forbids inside content), yielding
    (first line number, text) per document, so one broken document cannot hide the others."""
    lines = text.splitlines(keepends=True)
    start, current = 1, list[str]()
    for number, line in enumerate(lines, start=1):
        if _MARKER.match(line):
            if current:
                yield start, "".join(current)
            start, current = number, [line] if line.startswith("---") else []
            continue
        current.append(line)
    if current:
        yield start, "".join(current)


def _has_content(chunk: str) -> bool:
    for line in chunk.splitlines():
        stripped = line.strip()
        if stripped.startswith("---"):
            stripped = stripped[3:].strip()
        if stripped and not stripped.startswith("#"):
            return True
    return False


def load_yaml_documents(name: str, text: str) -> Iterator[YamlDocument | Problem]:
    """Yield each document of a multi-document YAML stream, or a Problem for a broken one.

    Documents are numbered from 1 as they appear; empty ones (a stray ``---``) are not counted.
    A syntax error, or a document past the ingest limits (size, alias expansion, nesting),
    rejects only its own document.
    """
    if not text.strip():
        yield Problem(name, "the file is empty")
        return
    index = 0
    limits = current_limits()
    for first_line, chunk in _chunks(text):
        if not _has_content(chunk):
            continue
        index += 1
        try:
            content = load_budgeted(chunk, SafeLoader, limits)
        except BudgetExceeded as error:
            yield Problem(name, f"document {index} refused: it {error}", row=index)
            continue
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            where = ""
            if mark is not None:
                where = f" at line {first_line + mark.line}, column {mark.column + 1}"
            yield Problem(
                name,
                f"document {index} is not valid YAML: {error.problem or error.context}{where}",
                row=index,
            )
            continue
        except yaml.YAMLError as error:
            yield Problem(name, f"document {index} is not valid YAML: {error}", row=index)
            continue
        yield YamlDocument(name, index, first_line, content)


def load_yaml(name: str, text: str) -> Any:
    """One YAML document under the same budget as ingested files (even bundled files: one loader
    to audit), or an InputError naming the file and the limit it passed."""
    try:
        return load_budgeted(text, SafeLoader, current_limits())
    except BudgetExceeded as error:
        raise InputError(Problem(name, f"refused: it {error}")) from None
