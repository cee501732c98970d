"""The app launcher without a browser: parameters, bad input, the Voila command line, the template."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from capacity.apps import app

from tests.conftest import DEFAULT_SCENARIO, ROOT, write


def _launch(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "capacity.apps.app", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_parameter_reads_the_environment_else_the_default(monkeypatch):
    monkeypatch.delenv("CAPACITY_SCENARIO_PATH", raising=False)
    assert app.parameter("scenario_path", "my/scenario.yaml") == "my/scenario.yaml"
    assert app.parameter("book_path", None) is None
    monkeypatch.setenv("CAPACITY_SCENARIO_PATH", "/tmp/other.yaml")
    assert app.parameter("scenario_path", "my/scenario.yaml") == "/tmp/other.yaml"
    monkeypatch.setenv("CAPACITY_SCENARIO_PATH", "")  # set but empty: the default
    assert app.parameter("scenario_path", "my/scenario.yaml") == "my/scenario.yaml"


def test_the_notebook_reads_its_parameters_through_the_helper():
    import nbformat

    nb = nbformat.read(app.NOTEBOOK, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert 'scenario_path = parameter("scenario_path", None)' in cell.source  # None: the packaged sample
    assert 'book_path = parameter("book_path", None)' in cell.source


def test_voila_serves_the_notebook_on_localhost_with_the_offline_template():
    command = app.voila_command(8123)
    assert command[:3] == [sys.executable, "-m", "voila"]
    assert str(app.NOTEBOOK) in command
    assert "--port=8123" in command and "--Voila.ip=127.0.0.1" in command and "--no-browser" in command
    assert f"--template={app.TEMPLATE}" in command and "--strip_sources=True" in command


def test_the_template_drops_the_cdn_links_of_voilas_lab_template():
    from pathlib import Path

    import voila

    lab = Path(sys.prefix) / "share" / "jupyter" / "voila" / "templates" / "lab" / "index.html.j2"
    template = Path(app.__file__).parent / "templates" / "voila" / "templates" / app.TEMPLATE
    ours = (template / "index.html.j2").read_text()
    assert voila.__version__
    cdn_links = [line.strip() for line in lab.read_text().splitlines() if "https://" in line and "<link" in line]
    assert cdn_links, "Voila's lab template no longer links a CDN: the replace filters can go"
    for link in cdn_links:
        assert f"'{link}'" in ours  # removed, character for character


def test_a_missing_scenario_is_one_error_line_and_exit_2(tmp_path):
    done = _launch(str(tmp_path / "nope.yaml"), "--port", "1")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "nope.yaml" in lines[0], done.stderr
    assert done.stdout == ""


def test_a_bad_scenario_is_one_error_line_naming_the_key(tmp_path):
    bad = write(tmp_path / "bad.yaml", DEFAULT_SCENARIO.read_text().replace("pto_days: 25", "pto_days: -3"))
    assert bad.read_text() != DEFAULT_SCENARIO.read_text()
    done = _launch(str(bad))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "pto_days" in lines[0], done.stderr


@pytest.mark.parametrize("port", ["0", "70000"])
def test_a_port_out_of_range_is_refused(port):
    done = _launch(str(DEFAULT_SCENARIO), "--port", port)
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: --port {port}: not a port number (1 to 65535)"


def test_a_port_in_use_is_refused_before_voila_starts():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _launch(str(DEFAULT_SCENARIO), "--port", str(port))
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: port {port} on 127.0.0.1 is in use; pick another (--port N)"


def test_without_a_scenario_the_app_serves_the_start_page_with_a_sessions_folder(tmp_path, monkeypatch):
    import nbformat

    monkeypatch.setenv("CAPACITY_SCENARIO_PATH", "/somewhere/else.yaml")
    assert app.START_NOTEBOOK.parent == app.NOTEBOOK.parent and app.START_NOTEBOOK.exists()
    assert str(app.START_NOTEBOOK) in app.voila_command(8123, app.START_NOTEBOOK)
    env = app._environment(None, None, "http://127.0.0.1:8123/", tmp_path)
    assert "CAPACITY_SCENARIO_PATH" not in env and "CAPACITY_BOOK_PATH" not in env
    assert env["CAPACITY_SESSIONS_DIR"] == str(tmp_path / "sessions")  # removed with the app's folder
    code = [c.source for c in nbformat.read(app.START_NOTEBOOK, as_version=4).cells if c.cell_type == "code"]
    assert code == ["# The start page of `capacity app` (no scenario): a session of its own for this page.\n"
                    "from capacity.apps.session import open_start_page\n\nopen_start_page()"]


def test_a_book_without_a_scenario_is_refused_before_a_server_starts(capsys):
    import argparse

    args = argparse.Namespace(scenario=None, example=False, book="accounts.csv", port=8123)
    assert app.serve(args) == 2
    assert capsys.readouterr().err.startswith("error: --book: give a scenario (or --example)")
