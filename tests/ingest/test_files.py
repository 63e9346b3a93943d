"""files.py: YAML streams that isolate broken documents, UTF-8 errors naming line and column,
and input files that cannot be read turned into problems a person can act on."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from leadline.ingest.files import (
    YamlDocument,
    decode_utf8,
    file_digest,
    load_yaml_documents,
    read_bytes,
)
from leadline.ingest.problems import InputError, Problem


def test_a_broken_document_is_isolated_among_good_ones() -> None:
    """Documents keep their 1-based index and start line; only the broken one is a Problem,
    and stray markers or comment-only documents are not counted."""
    text = (
        "a: 1\n"  # line 1, document 1
        "---\n"  # line 2, document 2 starts
        "b: [1, 2\n"  # line 3: unclosed list
        "---\n"  # line 4, a comment-only document: not counted
        "# nothing here\n"
        "---\n"  # line 6, document 3
        "c: 3\n"
        "...\n"  # line 8: end marker
        "---\n"  # line 9, document 4
        "d: {x: 1}\n"
    )
    items = list(load_yaml_documents("f.yaml", text))
    assert items[0] == YamlDocument("f.yaml", 1, 1, {"a": 1})
    assert isinstance(items[1], Problem)
    assert items[1].row == 2
    assert items[1].file == "f.yaml"
    # The parser meets the end of document 2 at line 4 (the next marker), column 1.
    assert items[1].reason.startswith("document 2 is not valid YAML: ")
    assert items[1].reason.endswith("at line 4, column 1")
    assert items[2:] == [
        YamlDocument("f.yaml", 3, 6, {"c": 3}),
        YamlDocument("f.yaml", 4, 9, {"d": {"x": 1}}),
    ]


def test_syntax_error_line_is_the_line_in_the_file() -> None:
    """The line number of an error is counted from the start of the file, not the document."""
    text = "a: 1\n---\nname: x\nbad: c: d\n"
    items = list(load_yaml_documents("f.yaml", text))
    assert items[0] == YamlDocument("f.yaml", 1, 1, {"a": 1})
    problem = items[1]
    assert isinstance(problem, Problem)
    assert problem.row == 2
    # The wording differs between libyaml and pure-Python PyYAML; the place does not.
    assert problem.reason.startswith("document 2 is not valid YAML: mapping values are not")
    assert problem.reason.endswith(" at line 4, column 7")


def test_unsafe_tags_are_a_problem_not_code() -> None:
    """safe_load refuses Python tags; the document is reported, not executed."""
    items = list(load_yaml_documents("f.yaml", "a: !!python/object:os.system x\n"))
    assert len(items) == 1
    assert isinstance(items[0], Problem)
    assert "could not determine a constructor" in items[0].reason


@pytest.mark.parametrize("text", ["", "   \n\n\t\n"])
def test_an_empty_file_is_one_problem(text: str) -> None:
    assert list(load_yaml_documents("e.yaml", text)) == [Problem("e.yaml", "the file is empty")]


@pytest.mark.parametrize("text", ["# a\n# b\n", "---\n# only a comment\n---\n", "---\n...\n"])
def test_a_comment_only_file_holds_no_documents_and_no_problem(text: str) -> None:
    """A blank template (only comments and markers) is valid and holds nothing; the catalog
    templates rely on this to ingest cleanly as written."""
    assert list(load_yaml_documents("c.yaml", text)) == []


def test_a_byte_order_mark_is_dropped() -> None:
    text = decode_utf8("b.yaml", "\ufeffname: café\n".encode())
    assert text == "name: café\n"
    assert list(load_yaml_documents("b.yaml", text)) == [
        YamlDocument("b.yaml", 1, 1, {"name": "café"})
    ]


def test_decode_utf8_names_line_and_column_of_a_bad_byte() -> None:
    """Latin-1 'é' (0xe9) on line 2 after 'b: caf' is at column 7 (columns count bytes)."""
    with pytest.raises(InputError) as caught:
        decode_utf8("l.yaml", b"a: 1\nb: caf\xe9\n")
    assert caught.value.problem == Problem(
        "l.yaml",
        "is not valid UTF-8: byte 0xe9 at line 2, column 7; save the file as UTF-8",
        row=2,
    )


def test_decode_utf8_bad_byte_on_first_line() -> None:
    with pytest.raises(InputError) as caught:
        decode_utf8("l.yaml", b"\xff")
    assert caught.value.problem.reason.startswith("is not valid UTF-8: byte 0xff at line 1, col")
    assert "column 1;" in caught.value.problem.reason


def test_read_bytes_and_digest_of_a_file(tmp_path: Path) -> None:
    data = b"x" * 3_000_001
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    assert read_bytes(path) == data
    assert file_digest(path, chunk_size=1 << 16) == (len(data), hashlib.sha256(data).hexdigest())


@pytest.mark.parametrize("read", [read_bytes, file_digest])
def test_a_directory_is_refused(tmp_path: Path, read: object) -> None:
    with pytest.raises(InputError) as caught:
        read(tmp_path)  # type: ignore[operator]
    assert caught.value.problem == Problem(
        str(tmp_path), "is a directory; give the files inside it instead"
    )


@pytest.mark.parametrize("read", [read_bytes, file_digest])
def test_a_missing_file_is_named(tmp_path: Path, read: object) -> None:
    path = tmp_path / "nope.csv"
    with pytest.raises(InputError) as caught:
        read(path)  # type: ignore[operator]
    assert caught.value.problem == Problem(str(path), "file not found")


@pytest.mark.parametrize("read", [read_bytes, file_digest])
def test_a_path_through_a_file_cannot_be_read(tmp_path: Path, read: object) -> None:
    """Other OS errors give the system's reason."""
    (tmp_path / "plain").write_text("x")
    path = tmp_path / "plain" / "child.csv"
    with pytest.raises(InputError) as caught:
        read(path)  # type: ignore[operator]
    assert caught.value.problem == Problem(str(path), "cannot be read: Not a directory")


@contextmanager
def _unprivileged() -> Iterator[None]:
    """Run as 'nobody' when the tests run as root (root ignores file permissions)."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)


@pytest.mark.parametrize("read", [read_bytes, file_digest])
def test_an_unreadable_file_is_permission_denied(tmp_path: Path, read: object) -> None:
    path = tmp_path / "secret.csv"
    path.write_text("a,b\n")
    path.chmod(0)
    with _unprivileged(), pytest.raises(InputError) as caught:
        read(path)  # type: ignore[operator]
    assert caught.value.problem == Problem(str(path), "permission denied")
