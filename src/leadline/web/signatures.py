"""Webhook signature checks, all constant-time (``hmac.compare_digest``).

- GitHub: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>``.
- GitLab: ``X-Gitlab-Token: <the shared token>``.
- PagerDuty (v3): ``X-PagerDuty-Signature: v1=<hex HMAC-SHA256>[,v1=<hex>...]`` — several
  signatures while a secret is being rotated; one match is enough.
- Jira Cloud (webhooks registered with a secret): ``X-Hub-Signature: sha256=<hex HMAC-SHA256>``.
- Linear: ``Linear-Signature: <hex HMAC-SHA256 of the raw body>``.
- Opsgenie signs nothing: its webhook integration sends a custom header with a shared token
  (``X-Leadline-Token``), checked like GitLab's.
"""

from __future__ import annotations

import hashlib
import hmac


def _hmac_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def github_valid(secret: str, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + _hmac_hex(secret, body)
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def gitlab_valid(token: str, header: str | None) -> bool:
    if not header:
        return False
    return hmac.compare_digest(token.encode(), header.encode())


def pagerduty_valid(secret: str, body: bytes, header: str | None) -> bool:
    if not header:
        return False
    expected = ("v1=" + _hmac_hex(secret, body)).encode()
    matched = False
    for candidate in header.split(","):
        # Every candidate is compared, so the time taken does not reveal which one matched.
        matched |= hmac.compare_digest(expected, candidate.strip().encode())
    return matched


def jira_valid(secret: str, body: bytes, header: str | None) -> bool:
    """Jira names the method in the header (``sha256=``); only HMAC-SHA256 is accepted."""
    return github_valid(secret, body, header)


def linear_valid(secret: str, body: bytes, header: str | None) -> bool:
    if not header:
        return False
    return hmac.compare_digest(_hmac_hex(secret, body).encode(), header.strip().lower().encode())


def github_signature(secret: str, body: bytes) -> str:
    """The header value GitHub would send (for tests, benchmarks and documentation)."""
    return "sha256=" + _hmac_hex(secret, body)


def pagerduty_signature(secret: str, body: bytes) -> str:
    return "v1=" + _hmac_hex(secret, body)


def linear_signature(secret: str, body: bytes) -> str:
    return _hmac_hex(secret, body)
