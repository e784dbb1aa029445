"""The database's own guarantees on PostgreSQL, as SQLite's triggers give them (store/db.py):
the risk history and the draft audit log are append-only, and an approved or rejected draft is
final except for the redaction an erasure makes. PL/pgSQL triggers, so that no client, not only
pmassist, can rewrite what was decided."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

DECIDED_DRAFT = "an approved or rejected draft cannot change; edit it into a new version"


def guard_postgres(connection: Connection, kept_by_redaction: tuple[str, ...]) -> None:
    if connection.dialect.name != "postgresql":
        return  # SQLite got its triggers with the tables (migrations 0005, 0006, 0008)
    connection.execute(
        text(
            "CREATE OR REPLACE FUNCTION pmassist_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$"
        )
    )
    for table, message in (
        ("risk_history", "the risk history is append-only"),
        ("draft_audit", "the draft audit log is append-only"),
    ):
        connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"))
        connection.execute(
            text(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION pmassist_append_only('{message}')"
            )
        )
    unchanged = " AND ".join(
        f"NEW.{column} IS NOT DISTINCT FROM OLD.{column}" for column in kept_by_redaction
    )
    connection.execute(
        text(
            "CREATE OR REPLACE FUNCTION pmassist_decided_draft_is_final() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "IF OLD.status IN ('approved', 'rejected') THEN "
            f"  IF TG_OP = 'DELETE' THEN RAISE EXCEPTION '{DECIDED_DRAFT}'; END IF; "
            f"  IF NOT (NEW.redactions = OLD.redactions + 1 AND {unchanged}) THEN "
            f"    RAISE EXCEPTION '{DECIDED_DRAFT}'; "
            "  END IF; "
            "END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; "
            "RETURN NEW; END $$"
        )
    )
    connection.execute(text("DROP TRIGGER IF EXISTS drafts_decided_is_final ON drafts"))
    connection.execute(
        text(
            "CREATE TRIGGER drafts_decided_is_final BEFORE UPDATE OR DELETE ON drafts "
            "FOR EACH ROW EXECUTE FUNCTION pmassist_decided_draft_is_final()"
        )
    )
