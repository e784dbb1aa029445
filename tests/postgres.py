"""A real PostgreSQL server for a test: Debian's binaries, a cluster in a temporary folder, a
Unix socket there and no TCP port; stopped and removed when the `with` block ends.

PostgreSQL refuses to run as root, so under root the cluster belongs to the `postgres` user the
Debian package creates.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def postgres_bin() -> Path:
    """The folder of `initdb` and `pg_ctl` (not on PATH in Debian's layout)."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not versions:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql")
    return Path(versions[-1]).parent


def _as_owner(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def postgres_server() -> Iterator[str]:
    """The SQLAlchemy URL of a fresh, empty database."""
    folder = Path(tempfile.mkdtemp(prefix="pmassist-pg-"))
    data, socket = folder / "data", folder / "socket"
    socket.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(socket, "postgres")
    binaries = postgres_bin()
    run = {"check": True, "capture_output": True}
    subprocess.run(
        _as_owner([str(binaries / "initdb"), "-D", str(data), "-U", "pmassist", "-A", "trust"]),
        **run,  # type: ignore[call-overload]
    )
    options = f"-c listen_addresses='' -k {socket} -c fsync=off -c full_page_writes=off"
    subprocess.run(
        _as_owner(
            [
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-w",
                "-l",
                str(folder / "log"),
                "start",
            ]
        ),
        **run,  # type: ignore[call-overload]
    )
    try:
        yield f"postgresql+psycopg://pmassist@/postgres?host={socket}"
    finally:
        subprocess.run(
            _as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)
