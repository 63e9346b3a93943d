"""The vendors' rate-limit headers as the client reads them, and the stream marks that make
an incremental run land nothing twice and miss nothing at a page or run boundary."""

from __future__ import annotations

import datetime as dt

import httpx

from leadline.connect.dialects import HeaderDialect, Mark, start_of, translated

NOW = 1_773_133_200.0  # 2026-03-10T09:00:00Z


def test_gitlab_ratelimit_headers_become_the_github_names() -> None:
    headers = {
        "RateLimit-Limit": "2000",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "1773133260",
    }
    assert translated("gitlab", headers, 200, NOW) == {
        "x-ratelimit-limit": "2000",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": "1773133260",
    }


def test_pagerduty_reset_is_seconds_from_now_and_a_429_gets_retry_after() -> None:
    headers = {"ratelimit-limit": "960", "ratelimit-remaining": "0", "ratelimit-reset": "7"}
    assert translated("pagerduty", headers, 429, NOW) == {
        "x-ratelimit-limit": "960",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": str(int(NOW) + 7),
        "retry-after": "7",
    }
    assert "retry-after" not in translated("pagerduty", headers, 200, NOW)


def test_opsgenie_throttled_waits_its_period() -> None:
    headers = {"X-RateLimit-State": "THROTTLED", "X-RateLimit-Period-In-Sec": "60"}
    assert translated("opsgenie", headers, 429, NOW) == {"retry-after": "60"}
    assert translated("opsgenie", {"X-RateLimit-State": "OK"}, 200, NOW) == {}


def test_jira_iso_reset_becomes_epoch_and_its_retry_after_is_kept() -> None:
    headers = {"Retry-After": "5", "X-RateLimit-Reset": "2026-03-10T09:01Z"}
    assert translated("jira", headers, 429, NOW) == {"x-ratelimit-reset": str(int(NOW) + 60)}


def test_the_transport_adds_the_names_and_keeps_the_vendors() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"ratelimit-reset": "30"}, json={})

    dialect = HeaderDialect("pagerduty", httpx.MockTransport(answer))
    dialect.now = lambda: NOW
    with httpx.Client(transport=dialect) as client:
        response = client.get("http://pd.test/incidents")
    assert response.headers["retry-after"] == "30"
    assert response.headers["x-ratelimit-reset"] == str(int(NOW) + 30)
    assert response.headers["ratelimit-reset"] == "30"


def test_mark_skips_what_landed_at_its_instant_and_takes_what_is_newer() -> None:
    at = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
    later = at + dt.timedelta(seconds=1)
    mark = Mark().advanced([(at, "a"), (at, "b")])
    assert (mark.at, mark.ids) == (at, frozenset({"a", "b"}))
    assert not mark.is_new(at, "a")
    assert mark.is_new(at, "c")  # same instant, not landed yet (the next page had it)
    assert not mark.is_new(at - dt.timedelta(seconds=1), "z")
    assert mark.is_new(later, "a")  # changed since
    moved = mark.advanced([(later, "a")])
    assert (moved.at, moved.ids) == (later, frozenset({"a"}))
    cursor = moved.cursor()
    assert cursor == {"updated": "2026-03-10T09:00:01.000000Z", "updated_ids": ["a"]}
    assert Mark.of(cursor) == moved


def test_start_of_since_then_full_then_cursor() -> None:
    since = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cursor = {"updated": "2026-03-10T09:00:00Z"}
    assert start_of(cursor, "updated", since, False) == since
    assert start_of(cursor, "updated", None, True) is None
    assert start_of(cursor, "updated", None, False) == dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC)
    assert start_of({}, "updated", None, False) is None
