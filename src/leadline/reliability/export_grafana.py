"""``leadline slo export grafana``: one Grafana dashboard (JSON model) per SLO, on the recording
rules of ``leadline slo export prometheus-rules`` (the same SLOs: those skipped there are
skipped here).

Panels, every one querying the Sloth-named recording rules filtered by the SLO's ``sloth_id``:
error budget left over the SLO window (``slo:period_error_budget_remaining:ratio``, red below
0, amber below ``[reliability] at_risk_remaining``), the current burn rate
(``slo:current_burn_rate:ratio``), the burn rate over every window of the SLO's rules
(``slo:sli_error:ratio_rate<w>`` ÷ ``slo:error_budget:ratio``, the rules' factors as threshold
lines), and the SLI against the objective (``1 - slo:sli_error:ratio_rate<w>`` and
``slo:objective:ratio``). The data source is a dashboard variable (``${datasource}``), chosen on
import.
"""

from __future__ import annotations

import hashlib
from typing import Any

from leadline.config import BurnRateRule
from leadline.reliability.durations import label, seconds
from leadline.reliability.export_prometheus import period_days, windows
from leadline.reliability.models import Slo

SCHEMA_VERSION = 39
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
PER = " / on(sloth_id, sloth_slo, sloth_service) group_left "


def uid(slo: Slo) -> str:
    """A stable dashboard uid within Grafana's 40 characters."""
    digest = hashlib.sha256(slo.name.encode()).hexdigest()[:10]
    return f"leadline-slo-{digest}"


def _target(ref: str, expr: str, legend: str) -> dict[str, Any]:
    return {"refId": ref, "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}


def _refs() -> list[str]:
    return [chr(ord("A") + i) for i in range(26)]


def _steps(*steps: tuple[str, float | None]) -> dict[str, Any]:
    return {"mode": "absolute", "steps": [{"color": c, "value": v} for c, v in steps]}


def _panel(
    pid: int, title: str, kind: str, grid: tuple[int, int, int, int], targets: list[Any]
) -> dict[str, Any]:
    x, y, w, h = grid
    return {
        "id": pid,
        "type": kind,
        "title": title,
        "datasource": DATASOURCE,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "targets": targets,
    }


def dashboard(slo: Slo, rules: list[BurnRateRule], at_risk: float) -> dict[str, Any]:
    """The dashboard JSON model of one SLO."""
    flt = f'{{sloth_id="{slo.name}"}}'
    days = period_days(slo)
    title = slo.display_name or slo.name
    budget = _panel(
        1,
        f"Error budget left ({days}d)",
        "stat",
        (0, 0, 6, 6),
        [_target("A", f"slo:period_error_budget_remaining:ratio{flt}", "budget left")],
    )
    budget["fieldConfig"] = {
        "defaults": {
            "unit": "percentunit",
            "decimals": 1,
            "thresholds": _steps(("red", None), ("orange", 0.0), ("green", at_risk)),
        },
        "overrides": [],
    }
    current = _panel(
        2,
        "Burn rate now (5m)",
        "stat",
        (6, 0, 6, 6),
        [_target("A", f"slo:current_burn_rate:ratio{flt}", "burn rate")],
    )
    current["fieldConfig"] = {
        "defaults": {"unit": "x", "decimals": 2, "thresholds": _steps(("green", None))},
        "overrides": [],
    }
    error_budget = f"slo:error_budget:ratio{flt}"
    burn_targets = [
        _target(ref, f"slo:sli_error:ratio_rate{w}{flt}{PER}{error_budget}", f"burn rate {w}")
        for ref, w in zip(_refs(), windows(rules), strict=False)
    ]
    factors = sorted({r.factor for r in rules})
    burn = _panel(3, "Burn rate per window", "timeseries", (0, 6, 24, 9), burn_targets)
    burn["fieldConfig"] = {
        "defaults": {
            "unit": "x",
            "custom": {"thresholdsStyle": {"mode": "dashed"}},
            "thresholds": _steps(
                ("green", None),
                *((("orange" if f < max(factors) else "red"), f) for f in factors),
            ),
        },
        "overrides": [],
    }
    short = label(min(seconds(w) for w in windows(rules)))
    sli = _panel(
        4,
        "SLI vs objective",
        "timeseries",
        (12, 0, 12, 6),
        [
            _target("A", f"1 - slo:sli_error:ratio_rate{short}{flt}", f"SLI ({short})"),
            _target("B", f"1 - slo:sli_error:ratio_rate{days}d{flt}", f"SLI ({days}d)"),
            _target("C", f"slo:objective:ratio{flt}", "objective"),
        ],
    )
    sli["fieldConfig"] = {"defaults": {"unit": "percentunit", "decimals": 3}, "overrides": []}
    return {
        "uid": uid(slo),
        "title": f"SLO {title}",
        "description": slo.description or f"SLO {slo.name} of service {slo.service}",
        "tags": ["leadline", "slo", slo.service],
        "timezone": "utc",
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "editable": True,
        "time": {"from": "now-7d", "to": "now"},
        "refresh": "1m",
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Prometheus",
                    "type": "datasource",
                    "query": "prometheus",
                }
            ]
        },
        "annotations": {"list": []},
        "panels": [budget, current, sli, burn],
    }
