"""Users and API tokens: the core functions behind ``leadline user`` / ``leadline token`` and the
web login. Every change is audited in the same session."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.audit import record, snapshot
from leadline.store.base import utcnow
from leadline.webkit.models import PILLARS, ROLES, ApiToken, User

TOKEN_PREFIX = "llt_"  # noqa: S105 - a marker, not a secret
SCOPES = ("read", "write")
_hasher = PasswordHasher()
# Verified against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("leadline-no-such-user")


class UserError(ValueError):
    """A request about users or tokens that cannot be carried out (message for the user)."""


@dataclass(frozen=True)
class Principal:
    """Who is acting: a logged-in user, a token's owner (with its scopes) or an anonymous reader."""

    name: str
    role: str
    pillars: tuple[str, ...] = ()
    scopes: tuple[str, ...] = field(default=SCOPES)
    via: str = "web"

    @property
    def anonymous(self) -> bool:
        return self.role == "anonymous"

    def can_read(self) -> bool:
        return "read" in self.scopes

    def can_edit(self, pillar: str) -> bool:
        if "write" not in self.scopes:
            return False
        if self.role == "admin":
            return True
        return self.role == "editor" and (not self.pillars or pillar in self.pillars)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin" and "write" in self.scopes


ANONYMOUS = Principal("anonymous", "anonymous", scopes=("read",))


def principal_of(user: User, scopes: tuple[str, ...] = SCOPES, via: str = "web") -> Principal:
    return Principal(user.name, user.role, tuple(user.pillars or ()), scopes, via)


def _check_role(role: str, pillars: list[str]) -> None:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    unknown = sorted(set(pillars) - set(PILLARS))
    if unknown:
        raise UserError(f"unknown pillar(s) {', '.join(unknown)}; expected {', '.join(PILLARS)}")
    if pillars and role != "editor":
        raise UserError("only editors are scoped to pillars")


MAX_TOKEN_DAYS = 3650  # a bound: a longer-lived secret is no safer, and dates overflow


def get_user(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.name == name))


def save_user(
    session: Session,
    name: str,
    *,
    role: str,
    password: str | None,
    pillars: list[str] | None = None,
    actor: str,
    via: str = "cli",
) -> User:
    """Create the user, or update role/pillars (and the password when given)."""
    name = name.strip()
    if not name:
        raise UserError("a user needs a name")
    pillars = sorted(set(pillars or []))
    _check_role(role, pillars)
    if password is not None and len(password) < 8:
        raise UserError("a password needs at least 8 characters")
    user = get_user(session, name)
    before = snapshot(user, exclude=("password_hash",)) if user else None
    if user is None:
        user = User(
            name=name,
            role=role,
            pillars=pillars,
            active=True,
            session_generation=0,
            created_at=utcnow(),
        )
        session.add(user)
    elif password is not None or (user.role, list(user.pillars or [])) != (role, pillars):
        end_sessions(user)  # a new password or other rights: sessions from before end
    user.role, user.pillars = role, pillars
    if password is not None:
        user.password_hash = _hasher.hash(password)
    session.flush()
    record(
        session,
        actor=actor,
        via=via,
        action="create" if before is None else "update",
        entity_type="user",
        entity_id=name,
        before=before,
        after=snapshot(user, exclude=("password_hash",)),
        note="password set" if password is not None else None,
    )
    return user


def end_sessions(user: User) -> None:
    """Every session cookie issued to ``user`` so far stops working: they carry the old
    generation (``webkit.deps.current_principal`` compares it on every request)."""
    user.session_generation = (user.session_generation or 0) + 1


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The active user with this name and password, else None (constant work either way)."""
    user = get_user(session, name)
    stored = user.password_hash if user is not None and user.active else None
    ok: bool
    try:
        ok = _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or stored is None:
        return None
    if _hasher.check_needs_rehash(stored):
        user.password_hash = _hasher.hash(password)
    return user


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    user_name: str,
    *,
    name: str,
    scopes: list[str],
    days: int,
    actor: str,
    via: str = "cli",
) -> tuple[str, ApiToken]:
    """A new token for the user; the plain token is returned once and never stored."""
    user = get_user(session, user_name)
    if user is None:
        raise UserError(f"no user {user_name!r}")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise UserError(f"scopes must be among {', '.join(SCOPES)}")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise UserError(f"a token lives from 1 to {MAX_TOKEN_DAYS} days (ten years)")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        name=name,
        digest=digest(plain),
        prefix=plain[:10],
        scopes=sorted(set(scopes)),
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    session.add(token)
    session.flush()
    after = snapshot(token, exclude=("digest",))
    record(
        session,
        actor=actor,
        via=via,
        action="grant",
        entity_type="api_token",
        entity_id=token.id,
        after=after,
    )
    return plain, token


def principal_of_token(session: Session, plain: str, at: dt.datetime) -> Principal | None:
    """The principal a bearer token stands for, if it exists, is unrevoked and unexpired."""
    token = session.scalar(select(ApiToken).where(ApiToken.digest == digest(plain)))
    if token is None or token.revoked_at is not None or token.expires_at <= at:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    return principal_of(user, tuple(token.scopes), via="api")


def revoke_token(session: Session, token_id: int, *, actor: str, via: str = "cli") -> None:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise UserError(f"no token {token_id}")
    before = snapshot(token, exclude=("digest",))
    token.revoked_at = utcnow()
    record(
        session,
        actor=actor,
        via=via,
        action="revoke",
        entity_type="api_token",
        entity_id=token.id,
        before=before,
        after=snapshot(token, exclude=("digest",)),
    )


def list_users(session: Session) -> list[dict[str, Any]]:
    return [
        {"name": u.name, "role": u.role, "pillars": list(u.pillars or []), "active": u.active}
        for u in session.scalars(select(User).order_by(User.name))
    ]
