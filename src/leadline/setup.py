"""``leadline init``: create LEADLINE_HOME with a config file, the store and the lake."""

from __future__ import annotations

import typer

from leadline.config import DEFAULT_CONFIG_TEXT
from leadline.context import App
from leadline.output import console


def initialise(app: App) -> list[str]:
    """Create what is missing; never touches what exists. Returns what was done."""
    done = []
    settings = app.settings
    home = settings.resolved_home
    if not home.exists():
        home.mkdir(parents=True)
        done.append(f"created {home}")
    config = settings.config_path
    if not config.exists():
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(DEFAULT_CONFIG_TEXT, encoding="utf-8")
        done.append(f"wrote {config}")
    lake = settings.lake_path
    if not lake.exists():
        lake.mkdir(parents=True)
        done.append(f"created lake {lake}")
    app.store  # noqa: B018 - opening the store creates and migrates it
    done.append(f"store ready at {app.store.engine.url.render_as_string(hide_password=True)}")
    return done


def init(ctx: typer.Context) -> None:
    """Create LEADLINE_HOME (default ./leadline-data) with its store, lake and config file."""
    for line in initialise(ctx.obj):
        console.print(line)
