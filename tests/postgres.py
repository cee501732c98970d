"""A throwaway PostgreSQL server for tests: Debian's binaries, a temporary data folder, a unix socket.

The server listens on no TCP port (``listen_addresses=''``), only on a socket in a
temporary folder, so parallel test runs on one machine never meet. PostgreSQL refuses to
run as root; as root, the server runs as the ``postgres`` user (``runuser``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

BIN = Path("/usr/lib/postgresql/15/bin")


def postgres_bin() -> Path:
    """Debian's PostgreSQL 15 programs: a skip on a developer's machine without them, a failure in CI."""
    if not (BIN / "initdb").is_file() or not (BIN / "pg_ctl").is_file():
        message = f"PostgreSQL 15 is not installed ({BIN}; apt-get install postgresql); .ci/run installs it"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return BIN


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextlib.contextmanager
def postgres_server() -> Iterator[Path]:
    """Start a server; yield its socket folder (connect with ``host=<folder>``, user ``postgres``)."""
    binaries = postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="capacity-pg-"))
    data, socket = folder / "data", folder / "socket"
    socket.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(socket, "postgres")
    try:
        subprocess.run(_as_server_user([str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                        "--no-sync", "-E", "UTF8"]), check=True, capture_output=True, text=True)
        subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w",
                                        "-o", f"-c listen_addresses='' -k {socket} -c fsync=off", "start"]),
                       check=True, capture_output=True, text=True)
        try:
            yield socket
        finally:
            subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                                            "stop"]), capture_output=True, text=True)
    except subprocess.CalledProcessError as exc:
        log = (folder / "log").read_text() if (folder / "log").is_file() else ""
        pytest.fail(f"PostgreSQL did not start: {exc.stderr or exc.stdout} {log[-2000:]}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
