"""Fixtures of the ingest tests: the sample source (registered on import) and its CLI command."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer

from tests.ingest import sample_source  # registers the test-events source on import

SOURCE = sample_source.SOURCE_NAME


def ensure_cli_command() -> None:
    """Add ``leadline ingest test-events`` if ``leadline.cli`` was imported before the source
    was registered (another test package may import the CLI first)."""
    from leadline.ingest.cli import _ingest_command, ingest_app
    from leadline.ingest.registry import get_source

    names = {c.name for c in ingest_app.registered_commands}
    if SOURCE not in names:
        source = get_source(SOURCE)
        ingest_app.command(SOURCE, help=source.summary)(_ingest_command(source))


@pytest.fixture
def cli_app() -> Iterator[typer.Typer]:
    """The ``leadline`` Typer app, with the sample source's ingest command."""
    from leadline.cli import app

    ensure_cli_command()
    yield app
