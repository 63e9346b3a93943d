"""Crash safety of webhook intake: a flood of signed deliveries, the server killed with SIGKILL
in the middle, restarted; every delivery it acknowledged is in the store exactly once, and the
deliveries left pending are normalised after the restart."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import select

from leadline.context import App
from leadline.ingest.models import RawEvent
from tests.conftest import make_settings
from tests.web.support import GITHUB_SECRET, github_delivery

THREADS = 8


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(home: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LEADLINE_HOME": str(home),
        "LEADLINE_GITHUB_WEBHOOK_SECRET": GITHUB_SECRET,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "leadline", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("server did not start within 60 s")


def test_sigkill_mid_flood_loses_no_acknowledged_delivery(tmp_path: Path) -> None:
    home = tmp_path / "home"
    port = free_port()
    server = start_server(home, port)
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def flood(worker: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            for n in range(100_000):
                if stop.is_set():
                    return
                delivery_id = f"w{worker}-{n}"
                body, headers = github_delivery(delivery_id, {"zen": delivery_id, "hook_id": n})
                try:
                    answer = http.post("/webhooks/github", content=body, headers=headers)
                except httpx.TransportError:
                    return  # the server is gone
                if answer.status_code in (200, 202):
                    with lock:
                        acknowledged.append(delivery_id)

    threads = [threading.Thread(target=flood, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 300 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(server.pid, signal.SIGKILL)  # mid-flood: requests are in flight
    server.wait(10)
    stop.set()
    for thread in threads:
        thread.join(30)
    assert len(acknowledged) >= 300, "the flood did not get going"

    restarted = start_server(home, port)
    try:
        body, headers = github_delivery(acknowledged[0], {"zen": acknowledged[0], "hook_id": 0})
        again = httpx.post(
            f"http://127.0.0.1:{port}/webhooks/github", content=body, headers=headers
        )
        assert again.json()["status"] == "duplicate"
        app = App(make_settings(home))
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # the worker picks up what the crash left
                with app.store.session() as session:
                    rows = list(session.execute(select(RawEvent.delivery_id, RawEvent.status)))
                if rows and all(status != "pending" for _, status in rows):
                    break
                time.sleep(0.5)
        finally:
            app.close()
    finally:
        restarted.kill()
        restarted.wait(10)
    stored = Counter(delivery_id for delivery_id, _ in rows)
    missing = [d for d in acknowledged if stored[d] == 0]
    assert missing == []
    assert max(stored.values()) == 1
    assert {status for _, status in rows} == {"ignored"}  # ping events: normalised as ignored
