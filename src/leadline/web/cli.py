"""``leadline serve``, ``leadline user`` and ``leadline token``: thin layers over the web app
and ``web.users``."""

from __future__ import annotations

from typing import Annotated

import typer

from leadline.audit import actor_name
from leadline.context import App
from leadline.output import OutputFormat, console, emit, err_console
from leadline.webkit.users import UserError, create_token, list_users, revoke_token, save_user

user_app = typer.Typer(help="Web users (argon2-hashed passwords; roles viewer, editor, admin).")
token_app = typer.Typer(help="API tokens: shown once, stored hashed, scoped and expiring.")
AsOption = Annotated[str | None, typer.Option("--as", help="Who is acting (audit log).")]


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the web app (pages, REST API under /api/v1, webhooks under /webhooks)."""
    import uvicorn

    from leadline.web.app import create_app

    app: App = ctx.obj
    console.print(f"leadline on http://{host}:{port}/ (API: /api/v1/openapi.json)")
    uvicorn.run(create_app(app.settings), host=host, port=port, log_level="warning")


def _fail(error: UserError) -> None:
    err_console.print(f"[red]error:[/red] {error}")
    raise typer.Exit(2)


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    *,
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option(help="viewer, editor or admin.")] = "viewer",
    pillar: Annotated[
        list[str] | None, typer.Option("--pillar", help="Editor's pillar (repeatable).")
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            envvar="LEADLINE_NEW_PASSWORD",
            help="Password (default: asked for, or LEADLINE_NEW_PASSWORD).",
        ),
    ] = None,
    as_: AsOption = None,
) -> None:
    """Create a user or change their role (and password)."""
    app: App = ctx.obj
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        with app.store.session() as session:
            save_user(
                session,
                name,
                role=role,
                password=password,
                pillars=pillar or [],
                actor=actor_name(as_),
            )
    except UserError as error:
        _fail(error)
    console.print(f"user {name}: {role}" + (f" of {', '.join(pillar)}" if pillar else ""))


@user_app.command("list")
def user_list(
    ctx: typer.Context, fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table
) -> None:
    """List users and roles."""
    app: App = ctx.obj
    with app.store.session() as session:
        emit(list_users(session), fmt, key="users")


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    *,
    user: Annotated[str, typer.Option(help="Whose token.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "api",
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="read and/or write (default: read).")
    ] = None,
    days: Annotated[int | None, typer.Option(help="Lifetime in days.")] = None,
    as_: AsOption = None,
) -> None:
    """Create a token; it is printed once and only its hash is kept."""
    app: App = ctx.obj
    try:
        with app.store.session() as session:
            plain, token = create_token(
                session,
                user,
                name=name,
                scopes=scope or ["read"],
                days=days or app.settings.web.token_days,
                actor=actor_name(as_),
            )
    except UserError as error:
        _fail(error)
    err_console.print(
        f"token {token.id} for {user} ({', '.join(token.scopes)}), expires "
        f"{token.expires_at.isoformat()}; it is shown only now:"
    )
    typer.echo(plain)


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context,
    token_id: Annotated[int, typer.Argument(help="Token number.")],
    as_: AsOption = None,
) -> None:
    """Revoke a token."""
    app: App = ctx.obj
    try:
        with app.store.session() as session:
            revoke_token(session, token_id, actor=actor_name(as_))
    except UserError as error:
        _fail(error)
    console.print(f"token {token_id} revoked")


__all__ = ["serve", "token_app", "user_app"]
