"""Issue 16, item 9: a session cookie captured earlier stops working after logout, a password
change or a role change (a per-user session generation checked on every request)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from leadline.context import App
from leadline.webkit.users import save_user
from tests.web.support import csrf_of, login


def _stolen(client: TestClient) -> dict[str, str]:
    assert login(client, "ada").status_code == 303
    return {"leadline_session": client.cookies["leadline_session"]}


def _audit_with(client: TestClient, cookies: dict[str, str]) -> int:
    client.cookies.clear()
    client.cookies.update(cookies)
    return client.get("/api/v1/audit").status_code


def test_a_cookie_stops_working_after_logout(client: TestClient) -> None:
    stolen = _stolen(client)
    assert _audit_with(client, stolen) == 200
    token = csrf_of(client.get("/login").text)
    assert client.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert _audit_with(client, stolen) == 401


def test_a_cookie_stops_working_after_a_password_change(client: TestClient, web_app: App) -> None:
    stolen = _stolen(client)
    with web_app.store.session() as session:
        save_user(session, "ada", role="admin", password="a new password", actor="test")
    assert _audit_with(client, stolen) == 401


def test_a_cookie_stops_working_after_a_role_change(client: TestClient, web_app: App) -> None:
    stolen = _stolen(client)
    with web_app.store.session() as session:
        save_user(session, "ada", role="viewer", password=None, actor="test")
    assert _audit_with(client, stolen) == 401


def test_logging_in_again_works(client: TestClient) -> None:
    _stolen(client)
    token = csrf_of(client.get("/login").text)
    client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert login(client, "ada").status_code == 303
    assert client.get("/api/v1/audit").status_code == 200
