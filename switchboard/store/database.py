"""Open the store's database (SQLite file or PostgreSQL URL) and bring its schema to the head."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event, inspect

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_MS = 1000  # the writer thread retries on its own; never wait long inside SQLite


def database_url(path: str, url: str | None) -> str:
    """The SQLAlchemy URL: `url` when given (postgresql:// uses psycopg 3), else the SQLite file."""
    if url is None:
        return f"sqlite:///{path}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def open_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files run in WAL mode with a short busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine) -> str:
    """Upgrade the schema to the newest revision (a database from before migrations is adopted)."""
    with engine.begin() as conn:
        tables = set(inspect(conn).get_table_names())
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = conn
        if "calls" in tables and "alembic_version" not in tables:
            command.stamp(cfg, "0001")  # written by the first engine, which had no versions
        command.upgrade(cfg, "head")
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
    return str(version)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.close()
