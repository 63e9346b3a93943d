"""``leadline ingest --pending`` has the exit status of a file ingest (docs/ingest.md, "Exit
status"): 1 when a stored webhook delivery is rejected, 0 otherwise."""

from __future__ import annotations

import copy

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from tests.delivery.support_events import fixture
from tests.web.support import pagerduty_delivery


def test_a_rejected_delivery_exits_1_and_says_so(client: TestClient, web_app: App) -> None:
    good = fixture("pagerduty", "triggered.json")
    bad = copy.deepcopy(good)
    bad["event"]["data"]["created_at"] = "not a time"
    for delivery_id, body in (("p-40", good), ("p-41", bad)):
        raw, headers = pagerduty_delivery(delivery_id, body)
        assert client.post("/webhooks/pagerduty", content=raw, headers=headers).status_code == 202
    home = str(web_app.settings.home)
    result = CliRunner().invoke(cli, ["--home", home, "ingest", "--pending"])
    assert result.exit_code == 1, result.output
    assert "1 normalised, 1 rejected" in result.output
    assert "exit 1" in result.output
    # nothing left pending: the same command now has nothing to report
    again = CliRunner().invoke(cli, ["--home", home, "ingest", "--pending", "--strict"])
    assert again.exit_code == 0, again.output
