"""Web app under load, on loopback, with the large demo loaded: p50/p95 latency of the home page
(logged-in session) and of /api/v1/dora (bearer token) at 20 concurrent clients (goal p95 <=
150 ms), and webhook intake with signature checks (goal >= 500 deliveries/s on SQLite).

The server is ``leadline serve`` (one uvicorn process) started as a subprocess; the clients
are threads with their own httpx connection. The large demo home is built once into
benchmarks/output/web-large-home (several minutes) and reused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from common import report
from leadline.config import load_settings
from leadline.context import App
from leadline.demo.run import build_demo
from leadline.webkit.users import create_token, get_user, save_user

HERE = Path(__file__).resolve().parent
HOME = HERE / "output" / "web-large-home"
CLIENTS = 20
REQUESTS_PER_CLIENT = 25
DELIVERIES = 4000
SECRET = "bench-secret"
PASSWORD = "bench-password"


def prepare() -> str:
    """The large demo (built once) with a benchmark user; returns a fresh API token."""
    app = App(load_settings(home=HOME))
    try:
        if not (HOME / "leadline.db").exists() or not (HOME / ".demo-built").exists():
            started = time.perf_counter()
            build_demo(app, seed=1, size="large")
            (HOME / ".demo-built").write_text(f"{time.perf_counter() - started:.0f} s\n")
        with app.store.session() as session:
            if get_user(session, "bench") is None:
                save_user(session, "bench", role="admin", password=PASSWORD, actor="bench")
            token, _ = create_token(
                session, "bench", name="bench", scopes=["read"], days=1, actor="bench"
            )
    finally:
        app.close()
    return token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LEADLINE_HOME": str(HOME), "LEADLINE_GITHUB_WEBHOOK_SECRET": SECRET}
    process = subprocess.Popen(
        [sys.executable, "-m", "leadline", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    for _ in range(600):
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def logged_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    page = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    answer = client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf": csrf})
    if answer.status_code != 303:
        raise SystemExit(f"login failed: {answer.status_code}")
    return client


def load(clients: list[httpx.Client], path: str, headers: dict[str, str]) -> list[float]:
    """Every client sends REQUESTS_PER_CLIENT requests back to back; latencies in ms."""
    latencies: list[float] = []
    lock = threading.Lock()
    failures: list[int] = []

    def run(client: httpx.Client) -> None:
        mine = []
        for _ in range(REQUESTS_PER_CLIENT):
            started = time.perf_counter()
            answer = client.get(path, headers=headers)
            mine.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                failures.append(answer.status_code)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{path}: {len(failures)} failed requests, e.g. {failures[:3]}")
    return latencies


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def intake(base: str) -> tuple[float, int]:
    """DELIVERIES signed GitHub deliveries from CLIENTS threads; deliveries per second."""
    per_client = DELIVERIES // CLIENTS
    run_id = f"{time.time_ns()}"
    bodies = []
    for worker in range(CLIENTS):
        mine = []
        for n in range(per_client):
            body = json.dumps({"zen": "bench", "hook_id": n, "worker": worker}).encode()
            signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            mine.append((f"bench-{run_id}-{worker}-{n}", body, signature))
        bodies.append(mine)
    accepted: list[int] = []

    def run(items: list[tuple[str, bytes, str]]) -> None:
        ok = 0
        with httpx.Client(base_url=base, timeout=60) as client:
            for delivery_id, body, signature in items:
                answer = client.post(
                    "/webhooks/github",
                    content=body,
                    headers={
                        "X-GitHub-Event": "ping",
                        "X-GitHub-Delivery": delivery_id,
                        "X-Hub-Signature-256": signature,
                    },
                )
                ok += answer.status_code == 202
        accepted.append(ok)

    threads = [threading.Thread(target=run, args=(b,)) for b in bodies]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return sum(accepted) / elapsed, sum(accepted)


def main() -> None:
    token = prepare()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(port)
    try:
        bearer = {"Authorization": f"Bearer {token}"}
        for path, headers, make in (
            ("/", {}, lambda: logged_in(base)),
            ("/api/v1/dora", bearer, lambda: httpx.Client(base_url=base, timeout=60)),
        ):
            clients = [make() for _ in range(CLIENTS)]
            started = time.perf_counter()
            clients[0].get(path, headers=headers).raise_for_status()  # fills the report cache
            cold = time.perf_counter() - started
            latencies = load(clients, path, headers)
            for client in clients:
                client.close()
            p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
            report(
                "web",
                f"GET {path}: {CLIENTS} clients x {REQUESTS_PER_CLIENT}, p95 (ms; goal <= 150)",
                p95 / 1000,
                p50_ms=round(p50, 1),
                p95_ms=round(p95, 1),
                first_request_s=round(cold, 2),
                requests=len(latencies),
            )
        rate, stored = intake(base)
        report(
            "web",
            f"webhook intake, signed, {CLIENTS} clients: {stored} deliveries "
            f"({rate:.0f}/s; goal >= 500/s)",
            stored / rate,
            deliveries_per_second=round(rate, 1),
        )
    finally:
        server.kill()
        server.wait(10)


if __name__ == "__main__":
    main()
