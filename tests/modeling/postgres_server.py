"""A throwaway PostgreSQL server for the export tests, from Debian's `postgresql` binaries.

initdb refuses to run as root, so under root the cluster is created and run as the
`postgres` system user (the package creates it) in a temporary folder that user owns.
The server listens on a free localhost port and is stopped and deleted afterwards.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN_GLOB = "/usr/lib/postgresql/*/bin"
DATABASE_USER = "portrait"


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL bin folder holding initdb and pg_ctl, if any."""
    found = [
        Path(folder)
        for folder in glob.glob(BIN_GLOB)
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists()
    ]
    return max(found, key=lambda p: int(p.parent.name), default=None) if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user() -> tuple[list[str], str | None]:
    """Command prefix and owner to run the server as: ourselves, or `postgres` under root."""
    if os.geteuid() != 0:
        return [], None
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        return ["runuser", "-u", user, "--"], user
    raise RuntimeError("running as root and no postgres or nobody user to run PostgreSQL as")


@contextmanager
def postgres_server(binaries: Path) -> Iterator[str]:
    """Start a fresh cluster; yield its connection URL; stop and delete it on exit."""
    prefix, owner = _as_server_user()
    root = Path(tempfile.mkdtemp(prefix="portrait-pg-"))
    data, sockets, log = root / "data", root / "sockets", root / "server.log"
    sockets.mkdir()
    if owner is not None:
        shutil.chown(root, owner)
        shutil.chown(sockets, owner)
    port = _free_port()
    try:
        subprocess.run(
            [*prefix, str(binaries / "initdb"), "-D", str(data), "-A", "trust",
             "-U", DATABASE_USER, "-E", "UTF8", "--no-sync"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
             "-w", "-t", "60", "start"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        try:
            yield f"postgresql://{DATABASE_USER}@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                [*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                 "stop"],
                capture_output=True,
            )  # fmt: skip
    except subprocess.CalledProcessError as error:
        detail = error.stderr or ""
        if log.exists():
            detail += log.read_text(errors="replace")
        raise RuntimeError(f"could not start PostgreSQL: {detail[-2000:]}") from error
    finally:
        shutil.rmtree(root, ignore_errors=True)
