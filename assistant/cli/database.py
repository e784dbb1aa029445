"""`pmassist db upgrade | check`: the relational store's migrations and guard triggers."""

from __future__ import annotations

import typer

from assistant.cli.common import _call, _service, console

db_app = typer.Typer(
    name="db", help="The relational store (SQLite or PostgreSQL).", no_args_is_help=True
)


def _show(report: dict[str, object]) -> None:
    applied = report["applied"]
    assert isinstance(applied, list)
    console.print(f"Database: {report['database']} ({report['dialect']})", markup=False)
    console.print(f"Migrations applied: {len(applied)}, missing: none; guard triggers: all present")


@db_app.command("upgrade")
def upgrade() -> None:
    """Apply the migrations not yet applied (a server or command does it on first use too)."""
    report = _call(lambda: _service().database.upgrade())
    now = report["applied_now"]
    assert isinstance(now, list)
    console.print(f"Applied now: {', '.join(now) if now else 'nothing, already up to date'}")
    _show(report)


@db_app.command("check")
def check() -> None:
    """Exit 0 when every migration is applied and every guard trigger is in place."""
    _show(_call(lambda: _service().database.check()))
