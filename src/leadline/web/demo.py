"""The demo's web login: an admin ``demo`` with a documented password (docs/web.md), created
once, so ``make demo`` can end by telling the user where to log in. A demo home only."""

from __future__ import annotations

from leadline.context import App
from leadline.webkit.users import get_user, save_user

DEMO_USER = "demo"
DEMO_PASSWORD = "leadline-demo"  # noqa: S105 - documented demo login, not a secret
DEFAULT_URL = "http://127.0.0.1:8000/"


def ensure_demo_user(app: App) -> bool:
    """Create the demo admin unless a user of that name exists; True when created."""
    with app.store.session() as session:
        if get_user(session, DEMO_USER) is not None:
            return False
        save_user(session, DEMO_USER, role="admin", password=DEMO_PASSWORD, actor="demo", via="cli")
    return True


def web_line(app: App, command: str) -> str:
    ensure_demo_user(app)
    return (
        f"web: run `{command} serve` and open {DEFAULT_URL} — log in as "
        f"{DEMO_USER} / {DEMO_PASSWORD} (an admin of this demo home only)"
    )
