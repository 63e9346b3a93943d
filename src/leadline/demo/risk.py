# ruff: noqa: E501 - the data tables below keep one record per line, for reading
"""Governance, security and risk for the demo organisation, as the files a user would import.

A joint CIO/CISO register of 30 risks (some reviews and actions overdue), a CSF 2.0 profile per
business unit for the last two quarters (progress visible between them), controls with
attestations (some failed or expired) and evidence rules, a Zero Trust assessment with a year
of stage history, and an AI/ML systems register.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

from leadline.demo.generator import OrganisationBuilder
from leadline.ingest.files import dump_yaml
from leadline.periods import Period
from leadline.risk.ai import AI_SYSTEMS_CSV, RMF_FUNCTIONS
from leadline.risk.assessments import CSF_PROFILE_CSV, ZERO_TRUST_CSV
from leadline.risk.controls import ATTESTATIONS_CSV
from leadline.risk.frameworks import ZTMM, builtin, csf
from leadline.risk.ingest import RISKS_CSV

# title, category, CSF subcategories, COBIT objectives, likelihood, impact, residual L, I, treatment
RISKS: list[tuple[str, str, str, str, int, int, int, int, str]] = [
    ("Ransomware encrypts core banking file shares", "security", "PR.DS-11;RC.RP-03;DE.CM-09", "DSS04;DSS05", 4, 5, 2, 4, "mitigate"),
    ("Phishing leads to privileged account takeover", "security", "PR.AA-03;PR.AT-01", "DSS05", 4, 4, 2, 3, "mitigate"),
    ("Unpatched internet-facing VPN appliance", "security", "PR.PS-02;ID.RA-01", "DSS05;BAI10", 3, 5, 1, 5, "mitigate"),
    ("Payment processor outage stops card payments", "availability", "GV.SC-07;PR.IR-03", "APO10;DSS04", 3, 5, 3, 3, "transfer"),
    ("Cloud region failure takes down customer channels", "availability", "PR.IR-03;RC.RP-02", "DSS04;BAI04", 2, 5, 2, 3, "mitigate"),
    ("Key supplier breach exposes customer data", "supplier", "GV.SC-04;GV.SC-07;ID.RA-10", "APO10", 3, 4, 2, 4, "mitigate"),
    ("Insider copies customer records before leaving", "security", "PR.AA-05;DE.CM-03", "DSS05;APO07", 2, 4, 2, 3, "mitigate"),
    ("Logs too short-lived to investigate incidents", "security", "PR.PS-04;RS.AN-07", "DSS05", 3, 3, 1, 3, "mitigate"),
    ("Legacy mainframe skills leave with retirements", "people", "GV.RR-03", "APO07", 4, 3, 3, 3, "mitigate"),
    ("Shadow SaaS tools hold unclassified data", "compliance", "ID.AM-02;ID.AM-07", "APO14;BAI09", 4, 3, 3, 2, "mitigate"),
    ("Backups never restore-tested for the ledger", "availability", "PR.DS-11;RC.RP-03", "DSS04", 3, 5, 1, 5, "mitigate"),
    ("DDoS against online banking at peak hours", "availability", "PR.IR-04;DE.CM-01", "DSS05;BAI04", 3, 4, 2, 3, "transfer"),
    ("Regulatory fine for late incident notification", "compliance", "RS.CO-02;GV.OC-03", "MEA03", 2, 4, 1, 4, "mitigate"),
    ("Secrets committed to public repositories", "security", "PR.PS-06;PR.AA-01", "BAI03", 3, 4, 2, 4, "mitigate"),
    ("Certificate expiry breaks partner APIs", "availability", "PR.PS-01;ID.AM-08", "BAI10", 3, 3, 1, 3, "mitigate"),
    ("Open-source library with critical vulnerability", "security", "ID.RA-01;ID.RA-08;PR.PS-02", "BAI03", 4, 4, 4, 4, "mitigate"),
    ("Change without rollback plan corrupts balances", "change", "ID.RA-07;PR.PS-01", "BAI06", 2, 5, 1, 4, "mitigate"),
    ("Fraud model drifts and misses new fraud patterns", "ai", "ID.RA-05;DE.AE-02", "APO12", 3, 4, 2, 3, "mitigate"),
    ("Generative assistant leaks confidential text", "ai", "PR.DS-10;GV.PO-01", "APO14", 3, 3, 2, 2, "mitigate"),
    ("Data centre cooling failure", "availability", "PR.IR-02", "DSS01", 1, 4, 1, 4, "accept"),
    ("Lost laptop with unencrypted customer extract", "security", "PR.DS-01", "DSS05", 2, 3, 1, 2, "mitigate"),
    ("Single cloud provider lock-in raises exit cost", "strategic", "GV.SC-10", "APO10;APO02", 3, 3, 3, 3, "accept"),
    ("Identity provider outage blocks all logins", "availability", "PR.AA-03;PR.IR-03", "DSS04", 2, 5, 2, 4, "mitigate"),
    ("Incident response plan not exercised in a year", "security", "ID.IM-04;RS.MA-01", "DSS02", 3, 4, 2, 3, "mitigate"),
    ("Contractors keep access after contracts end", "security", "PR.AA-05;GV.RR-04", "DSS05;APO07", 4, 3, 2, 2, "mitigate"),
    ("Budget overrun on the core modernisation programme", "financial", "GV.RM-01", "BAI01;APO06", 3, 3, 3, 3, "accept"),
    ("End-of-life database without vendor support", "technology", "PR.PS-02;ID.AM-08", "BAI09", 4, 3, 2, 3, "avoid"),
    ("Misconfigured storage bucket made public", "security", "PR.PS-01;DE.CM-09", "DSS05", 2, 5, 1, 4, "mitigate"),
    ("Threat intelligence not reaching the SOC", "security", "ID.RA-02;DE.AE-07", "DSS05", 3, 2, 2, 2, "mitigate"),
    ("Cyber insurance excludes state-sponsored attacks", "financial", "GV.RM-04", "EDM03", 2, 4, 2, 4, "accept"),
]  # fmt: skip

CONTROLS = [
    ("AC-01", "Multi-factor authentication for production access", ["PR.AA-03"], ["DSS05"], {"all": True}, None),
    ("AC-02", "Quarterly access reviews", ["PR.AA-05"], ["DSS05"], {"all": True}, None),
    ("BK-01", "Backups restore-tested every quarter", ["PR.DS-11", "RC.RP-03"], ["DSS04"], "tier1", None),
    ("AV-01", "Availability objective defined and monitored", ["PR.IR-03"], ["BAI04"], "tier1", "slo-defined"),
    ("OW-01", "Every service has an accountable owner team", ["ID.AM-02"], ["BAI09"], {"all": True}, "owner-defined"),
    ("VM-01", "Critical vulnerabilities fixed within 14 days", ["ID.RA-01", "PR.PS-02"], ["BAI03"], "retail", None),
    ("LG-01", "Security logs kept 13 months", ["PR.PS-04"], ["DSS05"], "platform", None),
]  # fmt: skip

AI_SYSTEMS = [
    ("AI-001", "Card fraud scoring", "model", "high", "card-payments;device-signals", "approved", 100, "monitored"),
    ("AI-002", "Service desk reply assistant", "service", "medium", "tickets;knowledge-base", "approved", 40, "partial"),
    ("AI-003", "Credit limit recommender", "model", "critical", "transactions;bureau-data", "in_review", None, "unmonitored"),
    ("AI-004", "Document classifier", "model", "low", "document-archive", "approved", 250, "monitored"),
    ("AI-005", "Code assistant", "service", "medium", "source-code", "approved", 20, "monitored"),
    ("AI-006", "Churn predictor v1", "model", "low", "crm", "retired", 500, "unmonitored"),
]  # fmt: skip

STATUS_BY_TIER = {
    1: "not_implemented",
    2: "partially_implemented",
    3: "largely_implemented",
    4: "implemented",
}


def _write_csv(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: "" if row.get(c) is None else row[c] for c in columns})
    return path


def _columns(fmt: Any) -> list[str]:
    return [c.name for c in fmt.columns]


def quarter_ends(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The last two quarter ends on or before ``as_of``."""
    last = Period.of("quarter", as_of).previous()
    return last.previous().last_day, last.last_day


class RiskDemo:
    def __init__(self, org: OrganisationBuilder, seed: int) -> None:
        self.org, self.rng, self.as_of = org, random.Random(seed * 7919 + 6), org.as_of
        self.people = sorted(org.people)
        self.tier1 = sorted(s for s, i in org.services.items() if i["tier"] == "1")

    def risks(self) -> list[dict[str, Any]]:
        rows = []
        services = sorted(self.org.services)
        for number, (title, category, subcats, cobit, li, im, rl, ri, treatment) in enumerate(
            RISKS, start=1
        ):
            identified = self.as_of - dt.timedelta(days=self.rng.randint(60, 420))
            reviewed = identified + dt.timedelta(days=self.rng.randint(10, 50))
            if self.rng.random() < 0.7:  # most were reviewed recently; the rest are overdue
                reviewed = self.as_of - dt.timedelta(days=self.rng.randint(5, 80))
            due = self.as_of + dt.timedelta(days=self.rng.randint(-30, 120))
            owner = self.rng.choice(self.people)
            actions = []
            if treatment == "mitigate":
                actions.append(
                    {"action": f"Reduce: {title.lower()}", "owner": owner,
                     "due_on": due.isoformat(), "status": "open"}
                )  # fmt: skip
            closed = number == len(RISKS)  # one risk closed, for the register's history
            rows.append(
                {
                    "risk_id": f"R-{number:03d}",
                    "title": title,
                    "owner": owner,
                    "category": category,
                    "status": "closed" if closed else "open",
                    "csf_subcategories": subcats,
                    "cobit_objectives": cobit,
                    "services": ";".join(self.rng.sample(services, self.rng.randint(0, 3))),
                    "teams": self.org.services[services[number % len(services)]]["team"],
                    "likelihood": li,
                    "impact": im,
                    "residual_likelihood": rl,
                    "residual_impact": ri,
                    "treatment": treatment,
                    "actions": json.dumps(actions) if actions else "",
                    "review_every_days": 30 if im == 5 else None,
                    "identified_on": identified.isoformat(),
                    "last_reviewed_on": max(reviewed, identified).isoformat(),
                    "closed_on": self.as_of.isoformat() if closed else None,
                }
            )
        return rows

    def profiles(self) -> list[dict[str, Any]]:
        earlier, latest = quarter_ends(self.as_of)
        rows = []
        for unit, _title in self.org.units:
            for node in csf().at_level("subcategory"):
                target = 3 if node.id[:2] in ("GV", "PR") else self.rng.choice([2, 3, 3, 4])
                before = min(target, self.rng.choice([1, 1, 2, 2, 3]))
                after = min(target, before + (1 if self.rng.random() < 0.3 else 0))
                for day, tier in ((earlier, before), (latest, after)):
                    rows.append(
                        {
                            "profile": f"{unit}-csf",
                            "business_unit": unit,
                            "subcategory": node.id,
                            "current_status": STATUS_BY_TIER[tier],
                            "current_tier": tier,
                            "target_status": STATUS_BY_TIER[target],
                            "target_tier": target,
                            "owner": self.rng.choice(self.people),
                            "assessed_on": day.isoformat(),
                        }
                    )
        return rows

    def controls(self) -> list[dict[str, Any]]:
        platform = sorted(t.name for t in self.org.teams if t.type == "platform")
        scopes: dict[str, dict[str, Any]] = {
            "tier1": {"services": self.tier1},
            "retail": {"business_units": [self.org.units[0][0]]},
            "platform": {"teams": platform},
        }
        out = []
        for key, name, subcats, cobit, scope, rule in CONTROLS:
            control: dict[str, Any] = {
                "id": key,
                "name": name,
                "csf": subcats,
                "cobit": cobit,
                "scope": scopes[scope] if isinstance(scope, str) else scope,
            }
            if rule:
                control["evidence_rule"] = rule
            out.append(control)
        return out

    def attestations(self) -> list[dict[str, Any]]:
        rows = []
        for key, *_ in CONTROLS:
            for service in sorted(self.org.services):
                if self.rng.random() < 0.35:
                    continue  # never attested: shows up as missing
                attested = self.as_of - dt.timedelta(days=self.rng.randint(10, 400))
                rows.append(
                    {
                        "control": key,
                        "service": service,
                        "result": "fail" if self.rng.random() < 0.1 else "pass",
                        "attested_on": attested.isoformat(),
                        "expires_on": (attested + dt.timedelta(days=365)).isoformat(),
                        "attested_by": self.rng.choice(self.people),
                        "evidence": f"https://grc.northwind.example/{key}/{service}",
                    }
                )
        return rows

    def zero_trust(self) -> list[dict[str, Any]]:
        rows = []
        days = [self.as_of - dt.timedelta(days=d) for d in (360, 180, 20)]
        for pillar in builtin(ZTMM).at_level("pillar"):
            stage = self.rng.choice([1, 1, 2])
            for day in days:
                rows.append(
                    {
                        "assessment": "northwind",
                        "pillar": pillar.id,
                        "current_stage": stage,
                        "target_stage": 3,
                        "assessed_on": day.isoformat(),
                        "assessor": "ciso-office",
                    }
                )
                stage = min(3, stage + (1 if self.rng.random() < 0.4 else 0))
        return rows

    def ai_systems(self) -> list[dict[str, Any]]:
        rows = []
        for key, name, kind, tier, data, approval, evaluated_days_ago, monitoring in AI_SYSTEMS:
            evaluated = (
                self.as_of - dt.timedelta(days=evaluated_days_ago) if evaluated_days_ago else None
            )
            states = ["done", "done", "in_progress", "not_started"]
            rows.append(
                {
                    "system_id": key,
                    "name": name,
                    "kind": kind,
                    "owner": self.rng.choice(self.people),
                    "business_use": name,
                    "risk_tier": tier,
                    "data_sources": data,
                    "services": self.rng.choice(sorted(self.org.services)),
                    "approval_state": approval,
                    "last_evaluated_on": evaluated.isoformat() if evaluated else None,
                    "monitoring_status": monitoring,
                    **{f: self.rng.choice(states) for f in RMF_FUNCTIONS},
                }
            )
        return rows


def write_risk(org: OrganisationBuilder, root: Path, seed: int) -> list[tuple[str, list[Path]]]:
    """Write the pillar's files; returns (source, paths) in ingest order."""
    demo = RiskDemo(org, seed)
    controls = root / "controls.yaml"
    root.mkdir(parents=True, exist_ok=True)
    controls.write_text(dump_yaml([{"controls": demo.controls()}]), encoding="utf-8")
    return [
        ("risks-csv", [_write_csv(root / "risks.csv", _columns(RISKS_CSV), demo.risks())]),
        (
            "csf-profile",
            [_write_csv(root / "csf-profile.csv", _columns(CSF_PROFILE_CSV), demo.profiles())],
        ),
        ("controls-yaml", [controls]),
        (
            "attestations-csv",
            [
                _write_csv(
                    root / "attestations.csv", _columns(ATTESTATIONS_CSV), demo.attestations()
                )
            ],
        ),
        (
            "zero-trust-csv",
            [_write_csv(root / "zero-trust.csv", _columns(ZERO_TRUST_CSV), demo.zero_trust())],
        ),
        (
            "ai-systems-csv",
            [_write_csv(root / "ai-systems.csv", _columns(AI_SYSTEMS_CSV), demo.ai_systems())],
        ),
    ]
