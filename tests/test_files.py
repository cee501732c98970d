"""Atomic writes: a failed, interrupted or killed run never leaves a half-written file."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from capacity import OutputError
from capacity.files import atomic_path, write_bytes, write_text

from tests.conftest import DEFAULT_SCENARIO, ROOT


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_write_replaces_whole_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "report.json"
    write_text(target, "old")
    write_text(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    write_bytes(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert _names(tmp_path) == ["report.json"]
    assert oct(target.stat().st_mode & 0o777) == "0o644"


@pytest.mark.parametrize("failure", [RuntimeError("renderer crashed"), KeyboardInterrupt()])
def test_failure_mid_write_keeps_the_old_file(tmp_path, failure):
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"the previous report")
    with pytest.raises(type(failure)):
        with atomic_path(target) as temporary:
            temporary.write_bytes(b"half a repo")
            assert temporary.parent == target.parent  # same folder: the rename cannot cross file systems
            raise failure
    assert target.read_bytes() == b"the previous report"
    assert _names(tmp_path) == ["plan.xlsx"]


def test_new_folders_are_made(tmp_path):
    target = tmp_path / "reports" / "2027" / "plan.csv"
    write_text(target, "a,b\n")
    assert target.read_text() == "a,b\n"


def test_unwritable_destinations_are_one_clear_error(tmp_path):
    (tmp_path / "a-folder").mkdir()
    with pytest.raises(OutputError) as info:
        write_text(tmp_path / "a-folder", "x")
    assert str(info.value) == f"{tmp_path / 'a-folder'}: is a folder; give a file name to write to"
    (tmp_path / "a-file").write_text("keep me")
    with pytest.raises(OutputError) as info:
        write_text(tmp_path / "a-file" / "plan.json", "x")
    assert str(info.value).endswith("plan.json: cannot write the file: part of its folder path is a file, not a folder")
    assert isinstance(info.value, OSError)  # callers that catch a failed write as OSError still do
    assert (tmp_path / "a-file").read_text() == "keep me"


def test_cli_out_to_a_folder_is_exit_2(tmp_path, capsys):
    from capacity.apps.cli import main

    assert main(["plan", str(DEFAULT_SCENARIO), "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path}: is a folder; give a file name to write to\n"


# -- killed runs -----------------------------------------------------------------------------


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "capacity", *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _temporaries(folder: Path, name: str) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(f".{name}.") and p.name.endswith(".part")]


def test_killed_while_writing_a_book_keeps_the_previous_one(tmp_path):
    """SIGKILL while the new file is being written (its temporary exists and is filling up)."""
    target = tmp_path / "book.csv"
    previous = b"account_id,arr\n0001,100\n"
    target.write_bytes(previous)
    process = _start("synth", "--accounts", "600000", "--out", str(target))
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            partial = _temporaries(tmp_path, "book.csv")
            if partial and partial[0].stat().st_size > 0:
                break
            time.sleep(0.002)
        assert process.poll() is None, "synth finished before it could be killed mid-write"
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL
    partial = _temporaries(tmp_path, "book.csv")
    assert partial and partial[0].stat().st_size > 0  # the kill did land mid-write
    assert target.read_bytes() == previous
    # A SIGKILL cannot be cleaned up after; the half-written temporary is hidden and never the target.
    assert _names(tmp_path) == sorted([partial[0].name, "book.csv"])


@pytest.mark.parametrize(("name", "command"), [
    ("plan.json", ["plan", str(DEFAULT_SCENARIO), "--json", "--out"]),
    ("fiscal.csv", ["fiscal", str(DEFAULT_SCENARIO), "--csv"]),
])
def test_killed_at_random_moments_the_output_is_old_or_whole(tmp_path, name, command):
    """Kill a run at seeded random moments around its writing: the file is the old one or the whole new one."""
    target = tmp_path / name
    previous = b"the previous output\n"
    reference = tmp_path / f"reference-{name}"
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "capacity", *command, str(reference)], cwd=ROOT, check=True,
                   capture_output=True)
    duration = time.monotonic() - started
    new = reference.read_bytes()
    rng = random.Random(f"kill-{name}")
    for _ in range(5):
        target.write_bytes(previous)
        process = _start(*command, str(target))
        time.sleep(rng.uniform(0.3, 1.1) * duration)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert target.read_bytes() in (previous, new)
        for leftover in _temporaries(tmp_path, name):
            os.unlink(leftover)
    assert _names(tmp_path) == sorted([name, reference.name])


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (the report's Jupyter kernel), from /proc."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


@pytest.mark.slow
def test_killed_report_run_keeps_the_previous_report(tmp_path):
    """SIGKILL `python -m capacity report` while the notebook runs: the previous report stays byte for byte."""
    out = tmp_path / "reports"
    out.mkdir()
    stem = DEFAULT_SCENARIO.stem
    previous = {f"{stem}.{ext}": f"the previous {ext} report\n".encode() for ext in ("html", "xlsx", "ipynb")}
    for name, data in previous.items():
        (out / name).write_bytes(data)
    process = _start("report", str(DEFAULT_SCENARIO), "--out", str(out))
    kernels: set[int] = set()
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None and not _temporaries(out, f"{stem}.html"):
            time.sleep(0.01)
        # The temporaries exist from the start of rendering to the final rename: kill somewhere in between.
        time.sleep(random.Random(2027).uniform(0.05, 0.4))
        kernels.update(_children(process.pid))
        assert process.poll() is None, "the report finished before it could be killed"
        assert _temporaries(out, f"{stem}.html"), "the report was not rendering when killed"
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        process.kill()
        process.wait()
        for pid in kernels:  # a kernel stops on its own when its parent dies; make sure
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    for name, data in previous.items():
        assert (out / name).read_bytes() == data
    leftovers = [p.name for p in out.iterdir() if p.name not in previous]
    assert all(name.startswith(".") and name.endswith(".part") for name in leftovers), leftovers
