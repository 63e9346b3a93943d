"""What the GitLab, PagerDuty, Opsgenie and Jira test servers share: a threaded werkzeug server
on 127.0.0.1, the requests it saw (counted by the tests), authentication, and scripted faults
(a 502, a rate-limit answer) served before the next real answer.

Each vendor module subclasses ``VendorServer`` with its routes and its documented pagination
and rate-limit headers; the data are plain lists the tests fill (``items``)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response


@dataclass(frozen=True)
class Seen:
    """One request the server answered (faults included)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Fault:
    """An answer served instead of the next real one (``path``, a part of the request's path
    and query, limits it to some requests)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    path: str | None = None


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body), status=status, headers=headers or {}, content_type="application/json"
    )


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> dt.datetime:
    """ISO 8601 with ``Z`` or an offset (what the clients send), as UTC."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)


class VendorServer:
    """A vendor API on a free loopback port; subclasses implement ``route`` and ``authorised``."""

    name = "vendor"

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.faults: deque[Fault] = deque()
        self.holds: dict[str, tuple[threading.Event, threading.Event]] = {}
        self._lock = threading.Lock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # --- the tests' controls ---------------------------------------------------------------

    def fail_next(self, status: int = 502, times: int = 1, path: str | None = None) -> None:
        """The next ``times`` requests (to ``path``) answer ``status`` (e.g. a 502 from a
        load balancer), with the vendor's error body."""
        for _ in range(times):
            self.faults.append(Fault(status, {}, self.error_body(status), path))

    def throttle_next(self, path: str | None = None) -> None:
        """The next request (to ``path``) is refused as the vendor refuses one over its rate
        limit (status 429 and the vendor's headers)."""
        status, headers, body = self.rate_limited()
        self.faults.append(Fault(status, headers, body, path))

    def hold(self, path: str) -> tuple[threading.Event, threading.Event]:
        """Requests whose path and query contain ``path`` wait until the returned ``release``
        is set; ``reached`` is set when one arrives (a test kills a client mid-run there)."""
        reached, release = threading.Event(), threading.Event()
        self.holds[path] = (reached, release)
        return reached, release

    def reset(self) -> None:
        with self._lock:
            self.seen.clear()
            self.faults.clear()
        for _reached, release in self.holds.values():
            release.set()
        self.holds.clear()

    def requests_to(self, path_part: str) -> list[Seen]:
        return [s for s in self.seen if path_part in s.path]

    # --- vendor specifics (overridden) -----------------------------------------------------

    def authorised(self, request: Request) -> bool:
        raise NotImplementedError

    def route(self, request: Request) -> Response:
        raise NotImplementedError

    def rate_limited(self) -> tuple[int, dict[str, str], Any]:
        return 429, {"Retry-After": "1"}, {"message": "Too Many Requests"}

    def error_body(self, status: int) -> Any:
        return {"message": f"HTTP {status}"}

    def unauthorised(self) -> Response:
        return json_response({"message": "401 Unauthorized"}, 401)

    # --- serving ----------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        seen = Seen(
            request.method,
            request.path,
            {k: request.args.getlist(k) for k in request.args},
            {k.lower(): v for k, v in request.headers.items()},
        )
        for part, (reached, release) in list(self.holds.items()):
            if part in request.full_path:
                reached.set()
                release.wait(60)
        with self._lock:
            self.seen.append(seen)
            fault = self._take_fault(request.full_path)
        if fault is not None:
            response = json_response(fault.body, fault.status, fault.headers)
        elif not self.authorised(request):
            response = self.unauthorised()
        else:
            response = self.route(request)
        return response(environ, start_response)

    def _take_fault(self, path: str) -> Fault | None:
        for fault in list(self.faults):
            if fault.path is None or fault.path in path:
                self.faults.remove(fault)
                return fault
        return None

    def start(self) -> None:
        self._server = make_server("127.0.0.1", 0, self, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the server first"
        return f"http://127.0.0.1:{self._server.server_port}"


def serving(server: VendorServer) -> Iterator[VendorServer]:
    """Start, yield and stop a server (the body of each module's fixture)."""
    server.start()
    try:
        yield server
    finally:
        server.stop()
