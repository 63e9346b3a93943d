"""Webhook signature checks, all constant-time (``hmac.compare_digest``).

- GitHub: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>``.
- GitLab: ``X-Gitlab-Token: <the shared token>``.
- PagerDuty (v3): ``X-PagerDuty-Signature: v1=<hex HMAC-SHA256>[,v1=<hex>...]`` — several
  signatures while a secret is being rotated; one match is enough.
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


def github_signature(secret: str, body: bytes) -> str:
    """The header value GitHub would send (for tests, benchmarks and documentation)."""
    return "sha256=" + _hmac_hex(secret, body)


def pagerduty_signature(secret: str, body: bytes) -> str:
    return "v1=" + _hmac_hex(secret, body)
