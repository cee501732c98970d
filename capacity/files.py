"""Writing files so that a user never finds one half-written.

Everything the package writes goes to a temporary file in the destination's folder and
is renamed over the destination only when complete: an interrupted or failed run leaves
the previous file as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from capacity.exceptions import OutputError

__all__ = ["atomic_path", "write_text", "write_bytes", "PARSE_LOG", "log_parse"]

#: When this environment variable names a file, every scenario and book parse appends a line
#: to it (``scenario<TAB>path`` or ``book<TAB>path``), in this process and in any it starts: how
#: a test counts the parses of a run that spans processes.
PARSE_LOG = "CAPACITY_PARSE_LOG"


@contextlib.contextmanager
def atomic_path(destination: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``destination``; rename it over ``destination`` on success.

    On an exception (or interrupt) the temporary file is removed and ``destination`` is
    untouched.
    """
    destination = Path(destination)
    if destination.is_dir():
        raise OutputError("is a folder; give a file name to write to", file=destination)
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise OutputError("cannot write the file: part of its folder path is a file, not a folder",
                          file=destination) from None
    except OSError as exc:
        raise _cannot_write(destination, exc) from None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".part", dir=destination.parent)
    except OSError as exc:
        raise _cannot_write(destination, exc) from None
    os.close(handle)
    temporary_path = Path(temporary)
    try:
        yield temporary_path
        os.chmod(temporary_path, 0o644)
        os.replace(temporary_path, destination)
    except OSError as exc:
        # A full disk or a vanished folder mid-write: the user's old file is untouched either way.
        raise _cannot_write(destination, exc) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary_path.unlink()


def _cannot_write(destination: Path, exc: OSError) -> OutputError:
    return OutputError(f"cannot write the file: {exc.strerror or exc}; the previous file, if any, is unchanged",
                       file=destination)


def write_text(destination: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``destination`` atomically."""
    with atomic_path(destination) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return Path(destination)


def write_bytes(destination: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``destination`` atomically."""
    with atomic_path(destination) as temporary:
        temporary.write_bytes(data)
    return Path(destination)


def log_parse(kind: str, path: str | Path) -> None:
    """Note one parse of a ``kind`` file (``scenario``, ``book``) in the :data:`PARSE_LOG` file, if set."""
    log = os.environ.get(PARSE_LOG)
    if log:
        # One short write in append mode: lines from several processes do not interleave.
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{kind}\t{path}\n")
