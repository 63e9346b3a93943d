"""The demo ends by telling the user the web URL and the demo login, which works."""

from __future__ import annotations

from leadline.context import App
from leadline.web.demo import DEMO_PASSWORD, DEMO_USER, ensure_demo_user, web_line
from leadline.webkit.users import authenticate, save_user


def test_demo_login_is_an_admin_with_the_documented_password(app: App) -> None:
    line = web_line(app, "leadline")
    assert "leadline serve" in line and "http://127.0.0.1:8000/" in line
    assert f"{DEMO_USER} / {DEMO_PASSWORD}" in line
    with app.store.session() as session:
        user = authenticate(session, DEMO_USER, DEMO_PASSWORD)
        assert user is not None and user.role == "admin"


def test_a_changed_demo_password_is_kept_when_the_demo_runs_again(app: App) -> None:
    assert ensure_demo_user(app) is True
    with app.store.session() as session:
        save_user(session, DEMO_USER, role="admin", password="a-new-password", actor="me")
    assert ensure_demo_user(app) is False
    with app.store.session() as session:
        assert authenticate(session, DEMO_USER, DEMO_PASSWORD) is None
        assert authenticate(session, DEMO_USER, "a-new-password") is not None
