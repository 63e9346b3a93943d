"""Issue 16 item 10: ordinary readers that used to answer 500 (or a traceback): dates and
quarters past the year range, and a huge number in a risk form, now answer 400 / exit 2."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.risk.risks import save
from leadline.risk.scoring import Matrix
from tests.web.support import add_user, csrf_of, login, token_for


def _bearer(web_app: App) -> dict[str, str]:
    add_user(web_app, "reader@example.com", "viewer")
    return {"Authorization": f"Bearer {token_for(web_app, 'reader@example.com', ['read'])}"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reports/qbr?quarter=9999Q4",
        "/api/v1/reports/qbr?quarter=0001Q1",
        "/api/v1/slo/status?at=9999-12-31T00:00:00Z",
        "/api/v1/slo/status?at=0001-01-01T00:00:00Z",
        "/api/v1/dora?until=9999-12-31",
        "/api/v1/dora?at=9999-12-31T00:00:00Z",
        "/api/v1/finops/anomalies?since=9999-12-30&until=9999-12-31",
        "/api/v1/finops/vendors?at=9999-12-31",
        "/api/v1/risk/register?at=9999-12-31",
        "/api/v1/risk/compliance?at=9999-12-31",
        "/api/v1/risk/csf?at=9999-12-31",
    ],
)
def test_out_of_range_dates_are_refused(client: TestClient, web_app: App, path: str) -> None:
    """Outside the years the OpenAPI schema states: 422 naming the parameter."""
    answer = client.get(path, headers=_bearer(web_app))
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"][0] == "query"


@pytest.mark.parametrize(
    "args",
    [
        ["slo", "status", "--at", "9999-12-31T00:00:00Z"],
        ["slo", "status", "--at", "0001-01-01"],
        ["report", "qbr", "--quarter", "9999Q4"],
    ],
)
def test_out_of_range_dates_exit_2(web_app: App, args: list[str]) -> None:
    home = str(web_app.settings.resolved_home)
    result = CliRunner().invoke(cli, ["--home", home, *args])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_5000_digit_likelihood_is_a_form_error(client: TestClient, web_app: App) -> None:
    values = {
        "key": "R-1",
        "title": "t",
        "owner": "o",
        "category": "c",
        "likelihood": 2,
        "impact": 2,
        "treatment": "mitigate",
        "identified_on": dt.date(2026, 1, 1),
    }
    with web_app.store.session() as session:
        save(session, values, Matrix.from_settings(web_app.settings.risk), actor="test")
    add_user(web_app, "eve", "editor", ["risk"])
    login(client, "eve")
    form = client.get("/risk/R-1/edit").text
    fields = dict(re.findall(r'name="(\w+)" type="\w+" value="([^"]*)"', form))
    for field, value in [("likelihood", "9" * 5000), ("last_reviewed_on", "9999-12-31")]:
        answer = client.post(
            "/risk/R-1/edit",
            data={**fields, field: value, "csrf": csrf_of(form)},
            follow_redirects=False,
        )
        assert answer.status_code == 400, answer.text[:400]
        assert field in answer.text


@pytest.mark.parametrize("head", [b"", b"PAR1"])
def test_random_bytes_named_parquet_are_a_clear_reject(
    web_app: App, tmp_path: Path, head: bytes
) -> None:
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(head + bytes(range(256)) * 8)
    home = str(web_app.settings.resolved_home)
    result = CliRunner().invoke(cli, ["--home", home, "ingest", "focus", str(junk)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code != 0
    assert "junk.parquet" in result.output and "Parquet" in result.output
    assert "UnicodeDecodeError" not in result.output


def test_the_qbr_page_of_year_9999_answers_400(client: TestClient, web_app: App) -> None:
    add_user(web_app, "vic", "viewer")
    login(client, "vic")
    assert client.get("/reports/qbr?quarter=9999Q4").status_code == 400


@pytest.mark.parametrize(
    "path", ["/reports/qbr?quarter=1970Q1", "/reports/qbr?quarter=1970Q1&format=pdf"]
)
def test_the_first_quarter_has_no_previous_one_and_answers_400(
    client: TestClient, web_app: App, path: str
) -> None:
    """1970Q1 is compared with 1969Q4, before the years leadline reads: a 400, not a 500."""
    add_user(web_app, "vic", "viewer")
    login(client, "vic")
    answer = client.get(path)
    assert answer.status_code == 400, answer.text[:300]
    assert "1969-10" in answer.text


@pytest.mark.parametrize("path", ["/?month=1970-01", "/?since=1970-01-01&until=1970-03-01"])
def test_the_first_month_tiles_have_no_earlier_period(
    client: TestClient, web_app: App, path: str
) -> None:
    """A tile over 1970-01 compares with nothing (1969-12 is before the years leadline reads)."""
    add_user(web_app, "vic", "viewer")
    login(client, "vic")
    answer = client.get(path)
    assert answer.status_code == 200, answer.text[:300]
