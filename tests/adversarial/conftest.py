"""The web app fixtures, shared with tests/web (webhooks are posted to a served app)."""

from tests.web.conftest import client, web_app, web_settings

__all__ = ["client", "web_app", "web_settings"]
