"""A real PostgreSQL server for the tests: initdb into a temporary folder, started on a free port."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def find_initdb() -> Path | None:
    """PostgreSQL's server binaries (Debian keeps them out of PATH), newest version first."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(found[0]) if found else None


@contextmanager
def postgres_server() -> Iterator[str]:
    """Run a throwaway server; yields its URL (trust authentication, loopback only)."""
    initdb = find_initdb()
    if initdb is None:
        raise FileNotFoundError("no initdb: install Debian's postgresql package")
    bindir = initdb.parent
    # Not under pytest's tmp folder: as root that one is private, and the server cannot run as root.
    folder = Path(tempfile.mkdtemp(prefix="switchboard-pg-"))
    data = folder / "data"
    data.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as the package's own user
        shutil.chown(folder, "postgres")
        shutil.chown(data, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run = lambda *cmd: subprocess.run(  # noqa: E731
        [*as_user, *cmd], check=True, capture_output=True, text=True, timeout=60
    )
    run(str(initdb), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(data / "log"),
        "-w",
        "start",
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(url: str, name: str) -> str:
    """Create database `name` on the server at `url` and return its URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + f"/{name}"
