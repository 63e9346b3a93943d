"""The connectors' HTTP client on scripted answers (httpx.MockTransport) and a simulated clock:
what is retried and how long it waits, what is not, conditional requests and the time box."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from leadline.connect.client import (
    ApiClient,
    ConnectError,
    HttpError,
    TimeBoxExceeded,
    retry_after_seconds,
)
from tests.connect.servers.github import FakeClock

START = 1_780_000_000.0


def client(answers: list[httpx.Response | Exception], **kwargs: object) -> ApiClient:
    """A client whose requests get ``answers`` in order (an exception is raised instead)."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    made = ApiClient(
        "http://api.test",
        {"Authorization": "Bearer t"},
        transport=httpx.MockTransport(handle),
        clock=FakeClock(START),
        **kwargs,  # type: ignore[arg-type]
    )
    made.seen = seen  # type: ignore[attr-defined]
    return made


def ok(body: object = (), headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        200, json=list(body) if isinstance(body, tuple) else body, headers=headers
    )


def test_5xx_and_timeouts_are_retried_with_jittered_backoff() -> None:
    api = client([httpx.Response(502), httpx.ReadTimeout("slow"), httpx.Response(503), ok([1])])
    assert api.get("/x").json() == [1]
    assert api.stats.requests == 4 and api.stats.retries == 3
    # full jitter under an exponential cap of 0.5, 1, 2 s: at most 3.5 s in all
    assert 0 <= api.stats.waited_seconds <= 3.5
    assert api.clock.time() - START == pytest.approx(api.stats.waited_seconds)


def test_retries_run_out_with_the_reason() -> None:
    api = client([httpx.Response(500)] * 3, max_attempts=3)
    with pytest.raises(ConnectError, match=r"HTTP 500 \(3 attempts\)"):
        api.get("/x")


def test_a_forbidden_answer_that_is_no_rate_limit_is_not_retried() -> None:
    api = client([httpx.Response(403, json={"message": "Resource not accessible by token"})])
    with pytest.raises(HttpError, match=r"HTTP 403: .*Resource not accessible") as error:
        api.get("/x")
    assert error.value.status == 403 and api.stats.requests == 1


@pytest.mark.parametrize(
    ("answer", "wait"),
    [
        (httpx.Response(429, headers={"Retry-After": "7"}), 7.0),
        (httpx.Response(403, headers={"Retry-After": "12"}, json={"message": "secondary"}), 12.0),
        # none remaining: until the reset (+1 s)
        (
            httpx.Response(
                403,
                headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(START) + 100)},
                json={"message": "API rate limit exceeded"},
            ),
            101.0,
        ),
        # a secondary limit without headers: at least a minute
        (httpx.Response(403, json={"message": "You have exceeded a secondary rate limit"}), 60.0),
    ],
)
def test_rate_limits_wait_as_github_documents(answer: httpx.Response, wait: float) -> None:
    api = client([answer, ok([1])])
    assert api.get("/x").json() == [1]
    assert api.clock.time() - START == pytest.approx(wait)
    assert api.stats.rate_limit_waits == 1


def test_repeated_secondary_limits_wait_exponentially_longer() -> None:
    limited = httpx.Response(429, json={"message": "secondary rate limit"})
    api = client([limited, limited, limited, ok([1])])
    api.get("/x")
    assert api.clock.time() - START == pytest.approx(60 + 120 + 240)


def test_retry_after_as_an_http_date() -> None:
    date = email.utils.formatdate(START + 30, usegmt=True)
    assert retry_after_seconds(date, START) == pytest.approx(30)
    assert retry_after_seconds("soon", START) is None


def test_none_remaining_waits_for_the_reset_before_asking() -> None:
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(START) + 50)}
    api = client([ok([1], headers), ok([2])])
    api.get("/a")
    assert api.clock.time() == START  # the first answer was fine
    assert api.get("/b").json() == [2]
    assert api.clock.time() - START == pytest.approx(51)  # paced, not refused


def test_a_304_is_counted_apart() -> None:
    api = client([httpx.Response(304, headers={"ETag": 'W/"a"'})])
    pages = api.links("/items", {"per_page": 100}, etag='W/"a"')
    assert list(pages) == [] and pages.not_modified and pages.etag == 'W/"a"'
    assert api.stats.requests == 1 and api.stats.not_modified == 1 and api.stats.charged == 0
    assert api.seen[0].headers["If-None-Match"] == 'W/"a"'  # type: ignore[attr-defined]


def test_link_pages_follow_next_and_keep_the_first_etag() -> None:
    first = ok([1, 2], {"ETag": 'W/"1"', "Link": '<http://api.test/items?page=2>; rel="next"'})
    api = client([first, ok([3])])
    pages = api.links("/items", {"per_page": 2})
    assert [p.items for p in pages] == [[1, 2], [3]]
    assert pages.etag == 'W/"1"' and pages.pages == 2
    assert str(api.seen[1].url) == "http://api.test/items?page=2"  # type: ignore[attr-defined]


def test_the_time_box_ends_a_run_before_a_long_wait() -> None:
    api = client([httpx.Response(429, headers={"Retry-After": "600"})], time_box=300)
    with pytest.raises(TimeBoxExceeded, match="time box of 300 s"):
        api.get("/x")
    assert api.clock.time() == START  # it did not wait for nothing


def test_pagination_helpers_of_the_other_vendors() -> None:
    offset = client([ok({"items": [1, 2], "more": True}), ok({"items": [3], "more": False})])
    assert [p.items for p in offset.offset_pages("/incidents", "items", limit=2)] == [[1, 2], [3]]
    assert [r.url.params["offset"] for r in offset.seen] == ["0", "2"]  # type: ignore[attr-defined]
    jira = client([ok({"issues": [1], "nextPageToken": "t2"}), ok({"issues": [2], "isLast": True})])
    assert [p.items for p in jira.start_at_pages("/search/jql", "issues")] == [[1], [2]]
    assert jira.seen[1].url.params["nextPageToken"] == "t2"  # type: ignore[attr-defined]
    start_at = client([ok({"issues": [1, 2], "total": 3}), ok({"issues": [3], "total": 3})])
    assert [p.items for p in start_at.start_at_pages("/search", "issues", size=2)] == [[1, 2], [3]]
    assert start_at.seen[1].url.params["startAt"] == "2"  # type: ignore[attr-defined]
    opsgenie = client(
        [
            ok({"data": [1], "paging": {"next": "http://api.test/v2/alerts?offset=1"}}),
            ok({"data": [2]}),
        ]
    )
    assert [p.items for p in opsgenie.next_url_pages("/v2/alerts")] == [[1], [2]]
