"""The maturity pillar's one registration point (pluggy hooks, as third-party plugins use)."""

from __future__ import annotations

from leadline.plugins import hookimpl  # noqa: F401  (hooks are added here as the pillar grows)
