"""Prometheus (and Thanos, Cortex, Mimir, VictoriaMetrics): the SLI samples of the stored SLOs,
pulled by the existing ``prometheus`` ingest source, now as a connection with a schedule.

The source stays the one implementation (reliability/prometheus.py: its queries, its
retries, its own cursor — each SLO's watermark, moved in the transaction that lands its
samples); this kind hands it the URL and options, exactly as ``leadline ingest prometheus URL
--slo ...`` would, so a scheduled pull and a manual one land the same samples. ``--since``
re-pulls from a date (samples of the same intervals are replaced); ``--full`` changes nothing
for this kind (the watermarks are the source's: use ``--since``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from leadline.connect.client import ApiClient
from leadline.connect.kinds.base import (
    ConnectionSpec,
    Cursors,
    KindOption,
    Pull,
    iso,
    register_kind,
)

SOURCE = "prometheus"


@register_kind
class PrometheusKind:
    name: ClassVar[str] = "prometheus"
    summary: ClassVar[str] = (
        "Prometheus-compatible servers: SLI samples (good and total events per interval) of "
        "the SLOs in the store, from each SLO's watermark"
    )
    needs_token: ClassVar[bool] = False
    options: ClassVar[tuple[KindOption, ...]] = (
        KindOption(
            "url",
            "Prometheus base URL for every SLO (default: each SLO's data source, then the "
            "reliability.prometheus_url setting).",
        ),
        KindOption("slo", "Only this SLO (repeat for several; default: every SLO).", multiple=True),
    )
    scopes_doc: ClassVar[str] = (
        "No token: read access to Prometheus's HTTP query API (`/api/v1/query_range` and "
        "`/api/v1/query`). Behind an authenticating proxy, allow those two read-only paths."
    )

    def check(self, options: Mapping[str, Any]) -> list[str]:
        url = options.get("url")
        if url and not str(url).startswith(("http://", "https://")):
            return [f"--url {url!r} is not an http(s) URL"]
        return []

    def client(self, conn: ConnectionSpec) -> ApiClient | None:
        return None  # the source queries with its own client (reliability/promclient.py)

    def pull(
        self,
        conn: ConnectionSpec,
        cursors: Cursors,
        client: ApiClient | None,
        since: dt.datetime | None,
        full: bool,
    ) -> Iterator[Pull]:
        url = conn.option("url")
        slos = conn.option("slo", [])
        options: dict[str, Any] = {"slo": ",".join(slos) if slos else None}
        if since is not None:
            options["since"] = iso(since)
        label = f"{conn.name}: {url or 'each SLO data source'}"
        # the source's read() takes the URL as its path ('-': per SLO), as on the command line
        yield Pull(SOURCE, paths=[Path(url or "-")], options=options, label=label)
