"""Settings come from arguments, environment, the config file and defaults, in that order."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.config import load_settings


def test_defaults_live_under_leadline_data(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.resolved_home == tmp_path / "leadline-data"
    assert settings.resolved_database_url == f"sqlite:///{tmp_path}/leadline-data/leadline.db"
    assert settings.lake_path == tmp_path / "leadline-data" / "lake"
    assert settings.engine == "duckdb"
    assert settings.spark_master == "local[2]"


def test_environment_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LEADLINE_HOME", str(tmp_path / "h"))
    monkeypatch.setenv("LEADLINE_DATABASE_URL", "postgresql://u@db/leadline")
    monkeypatch.setenv("LEADLINE_LAKE", str(tmp_path / "lake"))
    monkeypatch.setenv("LEADLINE_ENGINE", "spark")
    monkeypatch.setenv("LEADLINE_SPARK_MASTER", "spark://cluster:7077")
    monkeypatch.setenv("LEADLINE_CATALOG__MAX_COGNITIVE_LOAD", "5.5")
    settings = load_settings()
    assert settings.resolved_home == tmp_path / "h"
    assert settings.resolved_database_url == "postgresql://u@db/leadline"
    assert settings.lake_path == tmp_path / "lake"
    assert settings.engine == "spark"
    assert settings.spark_master == "spark://cluster:7077"
    assert settings.catalog.max_cognitive_load == 5.5


def test_config_file_in_home_and_precedence(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = tmp_path / "h"
    home.mkdir()
    (home / "leadline.toml").write_text(
        'engine = "spark"\nspark_master = "local[4]"\n[catalog]\nmax_services_per_team = 3\n'
    )
    settings = load_settings(home=home)
    assert settings.engine == "spark"
    assert settings.spark_master == "local[4]"
    assert settings.catalog.max_services_per_team == 3
    monkeypatch.setenv("LEADLINE_SPARK_MASTER", "local[1]")
    assert load_settings(home=home).spark_master == "local[1]"  # environment wins over file
    assert load_settings(home=home, spark_master="x").spark_master == "x"  # arguments win


def test_explicit_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "elsewhere.toml"
    config.write_text('naive_timezone = "Europe/Paris"\n')
    monkeypatch.setenv("LEADLINE_CONFIG", str(config))
    assert load_settings().naive_timezone == "Europe/Paris"


def test_invalid_engine_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADLINE_ENGINE", "oracle")
    with pytest.raises(ValueError, match="engine"):
        load_settings()


def test_init_creates_home_store_lake_and_config(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    result = CliRunner().invoke(cli, ["--home", str(home), "init"])
    assert result.exit_code == 0, result.output
    assert (home / "leadline.db").is_file()
    assert (home / "lake").is_dir()
    assert "engine" in (home / "leadline.toml").read_text()
    again = CliRunner().invoke(cli, ["--home", str(home), "init"])
    assert again.exit_code == 0
    assert "created" not in again.output  # nothing left to create; nothing overwritten


def test_init_honours_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LEADLINE_HOME", str(tmp_path / "env-home"))
    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env-home" / "leadline.db").is_file()
