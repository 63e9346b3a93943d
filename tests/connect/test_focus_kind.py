"""The ``focus`` connector: FOCUS exports dropped in a directory, or in an S3 bucket prefix
served by moto's S3-compatible server on 127.0.0.1; new and rewritten objects only, landed as
``leadline ingest focus`` lands the same files, and an empty run of one list request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from leadline.connect.kinds import focus as focus_kind
from leadline.context import App
from tests.conftest import make_settings
from tests.connect.support_kinds import FakeClock, add_connection, cursors, sync
from tests.finops.support_finops import cost_lines, focus_row, ingest_focus, write_focus

BUCKET, PREFIX = "acme-billing", "exports/focus/"


def month(number: int, cost: str = "10.00", rows: int = 2) -> list[dict[str, str]]:
    """``rows`` lines of a month's bill of ``cost`` each."""
    period = {
        "BillingPeriodStart": f"2026-{number:02d}-01T00:00:00Z",
        "BillingPeriodEnd": f"2026-{number + 1:02d}-01T00:00:00Z",
        "ChargePeriodStart": f"2026-{number:02d}-05T00:00:00Z",
        "ChargePeriodEnd": f"2026-{number:02d}-06T00:00:00Z",
    }
    return [focus_row(BilledCost=cost, EffectiveCost=cost, **period) for _ in range(rows)]


def lines(app: App) -> list[tuple[str, int, Any]]:
    return [(r["file"], r["line"], r["effective_cost"]) for r in cost_lines(app)]


def test_directory_new_and_rewritten_exports_only(app: App, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    write_focus(drop / "2026-01" / "focus-jan.csv", month(1))
    (drop / "2026-01" / "manifest.json").write_text("{}")
    add_connection(app, "bills", "focus", {"path": str(drop)})
    clock = FakeClock()
    first = sync(app, "bills", clock)
    assert (first.status, first.batches, first.facts_landed) == ("ok", 1, 2), first.error
    assert set(cursors(app, "bills")) == {"object:2026-01/focus-jan.csv"}
    again = sync(app, "bills", clock)
    assert (again.batches, again.unchanged) == (0, 0)
    write_focus(drop / "2026-02" / "focus-feb.csv", month(2, rows=3))
    assert sync(app, "bills", clock).batches == 1
    assert len(cost_lines(app)) == 5
    # January restated (the file rewritten): landed again, replacing the month, not added
    write_focus(drop / "2026-01" / "focus-jan.csv", month(1, cost="12.50"))
    restated = sync(app, "bills", clock)
    assert restated.batches == 1
    jan = [c for c in lines(app) if c[0] == "focus-jan.csv"]
    assert [float(c[2]) for c in jan] == [12.5, 12.5]
    assert len(cost_lines(app)) == 5


@pytest.fixture(scope="module")
def moto_s3() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(moto_s3: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """A fresh bucket on the moto server; boto3 reads no config of the machine; every S3
    request counted (``bucket.requests``)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    seen: list[str] = []
    real = focus_kind.s3_client

    def counted(endpoint_url: str | None, region: str | None) -> Any:
        client = real(endpoint_url, region)
        client.meta.events.register(
            "before-send", lambda request, **_: seen.append(str(request.url))
        )
        return client

    monkeypatch.setattr(focus_kind, "s3_client", counted)
    s3 = real(moto_s3, "us-east-1")
    for listed in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []) if _exists(s3) else []:
        s3.delete_object(Bucket=BUCKET, Key=listed["Key"])
    if not _exists(s3):
        s3.create_bucket(Bucket=BUCKET)
    s3.requests = seen
    return s3


def _exists(s3: Any) -> bool:
    return BUCKET in [b["Name"] for b in s3.list_buckets().get("Buckets", [])]


def put(s3: Any, key: str, path: Path) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())


def test_s3_prefix_new_objects_only_as_from_files(
    app: App, bucket: Any, moto_s3: str, tmp_path: Path
) -> None:
    files = tmp_path / "files"
    jan = write_focus(files / "focus-jan.csv", month(1))
    feb = write_focus(files / "focus-feb.csv", month(2, rows=3))
    put(bucket, f"{PREFIX}2026-01/focus-jan.csv", jan)
    put(bucket, f"{PREFIX}2026-01/manifest.json", files / "focus-jan.csv")  # not an export
    put(bucket, "elsewhere/focus-other.csv", feb)  # outside the prefix
    options = {"url": f"s3://{BUCKET}/{PREFIX}", "endpoint-url": moto_s3}
    add_connection(app, "s3-bills", "focus", options)
    clock = FakeClock()
    first = sync(app, "s3-bills", clock)
    assert (first.status, first.batches, first.facts_landed) == ("ok", 1, 2), first.error
    assert set(cursors(app, "s3-bills")) == {f"object:{PREFIX}2026-01/focus-jan.csv"}
    # nothing new: one ListObjectsV2 request, nothing landed
    bucket.requests.clear()
    again = sync(app, "s3-bills", clock)
    assert (again.batches, len(bucket.requests)) == (0, 1)
    assert "list-type=2" in bucket.requests[0]
    # a new month: listed and downloaded, landed alone
    put(bucket, f"{PREFIX}2026-02/focus-feb.csv", feb)
    bucket.requests.clear()
    assert sync(app, "s3-bills", clock).batches == 1
    assert len(bucket.requests) == 2  # the list, the new object's GET
    # the same files ingested from disk give the same cost lines
    other = App(make_settings(tmp_path / "home-files"))
    try:
        assert ingest_focus(other, jan).exit_code == 0
        assert ingest_focus(other, feb).exit_code == 0
        assert lines(other) == lines(app)
    finally:
        other.close()


def test_bad_options_are_refused() -> None:
    kind = focus_kind.FocusKind()
    assert kind.check({}) == [
        "focus needs exactly one of --path DIRECTORY or --url s3://BUCKET/PREFIX"
    ]
    assert kind.check({"url": "https://bucket/prefix"}) == [
        "--url 'https://bucket/prefix' is not s3://BUCKET/PREFIX"
    ]
    assert kind.check({"url": "s3://bucket/prefix/"}) == []
