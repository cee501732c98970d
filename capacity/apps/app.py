"""The what-if workbook as a web app: the package's ``notebooks/what-if.ipynb`` served by Voila.

``capacity app [SCENARIO | --example] [--book BOOK] [--port PORT]`` (also ``python -m capacity.apps.app``,
or ``make app``) checks the scenario and book, starts Voila on ``127.0.0.1`` and prints the app's URL once it
answers. With a scenario (or ``--example``, the sample shipped with the package) it serves the what-if
(``notebooks/what-if.ipynb``); without one, the start page (``notebooks/start.ipynb``,
:mod:`capacity.apps.session`): use the sample, or upload an export and build a scenario from it. Each page
of the start page works in a folder of its own under a temporary folder of the app's
(``$CAPACITY_SESSIONS_DIR``), removed when the app stops. The page shows the notebook's prose and widgets, never its code, and loads nothing
from a network: Voila's ``lab`` template without its Font Awesome CDN links (Voila bundles
the same fonts) and the widgets' front-ends from the environment's labextensions.

The notebook stays as it is for JupyterLab and papermill: its parameters cell reads
:func:`parameter`, which returns a ``CAPACITY_<NAME>`` environment variable when one is
set (this launcher sets ``CAPACITY_SCENARIO_PATH`` and ``CAPACITY_BOOK_PATH`` for Voila's
kernels) and the notebook's own default otherwise.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from capacity import sample
from capacity.exceptions import CapacityError

__all__ = ["parameter", "voila_command", "add_arguments", "serve", "main", "NOTEBOOK", "START_NOTEBOOK", "TEMPLATE",
           "DEFAULT_PORT"]

_PACKAGE = Path(__file__).resolve().parent
#: The notebook the app serves, shipped in the package (JupyterLab opens the same file).
NOTEBOOK = _PACKAGE / "notebooks" / "what-if.ipynb"
#: The start page the app serves without a scenario.
START_NOTEBOOK = _PACKAGE / "notebooks" / "start.ipynb"
#: The Voila template (under ``capacity/apps/templates/voila/templates``).
TEMPLATE = "capacity_app"
#: Voila's own default port.
DEFAULT_PORT = 8866
#: How long Voila may take to answer after it starts [s].
START_TIMEOUT = 120.0
EXIT_BAD_INPUT = 2


def parameter(name: str, default: str | None) -> str | None:
    """A notebook parameter, from the environment when the app set it.

    ``parameter("scenario_path", None)`` is ``$CAPACITY_SCENARIO_PATH`` when that is set and
    not empty, else the default.

    >>> parameter("no_such_parameter_here", "x.yaml")
    'x.yaml'
    """
    value = os.environ.get(f"CAPACITY_{name.upper()}")
    return value if value else default


def voila_command(port: int, notebook: Path = NOTEBOOK) -> list[str]:
    """The Voila command line that serves ``notebook`` on ``127.0.0.1:port``."""
    return [
        sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
        "--Voila.ip=127.0.0.1", f"--template={TEMPLATE}", "--theme=light",
        # The notebook's parameters cell is the only code a person could read: never shown.
        "--strip_sources=True",
    ]


#: Where the app serves plotly's widget module, below its URL.
PLOTLY_MODULE = f"voila/templates/{TEMPLATE}/static/plotly-widget.js"


def _serve_plotly_module(root: Path) -> None:
    """Put plotly's FigureWidget module where Voila serves the template's static files.

    Every figure then loads it from one URL: the browser fetches and compiles it once,
    instead of once per figure from a 5 MB string in each figure's state. anywidget gives
    a widget 2 s to load its module and ignores its updates for good after that, which a
    busy machine can exceed when three copies compile at once.
    """
    import plotly

    target = root / PLOTLY_MODULE
    target.parent.mkdir(parents=True)
    shutil.copyfile(Path(plotly.__file__).parent / "package_data" / "widgetbundle.js", target)


def _environment(scenario: Path | None, book: Path | None, url: str, static_root: Path) -> dict[str, str]:
    env = dict(os.environ)
    # Voila looks for templates under <each JUPYTER_PATH entry>/voila/templates.
    templates = str(_PACKAGE / "templates")
    env["JUPYTER_PATH"] = os.pathsep.join(
        [templates, str(static_root)] + [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p])
    env["CAPACITY_PLOTLY_ESM_URL"] = url + PLOTLY_MODULE
    # Without a scenario (the start page) the sessions' folders go under the app's own.
    env["CAPACITY_SESSIONS_DIR"] = str(static_root / "sessions")
    if scenario is not None:
        env["CAPACITY_SCENARIO_PATH"] = str(scenario)
    else:
        env.pop("CAPACITY_SCENARIO_PATH", None)
    if book is not None:
        env["CAPACITY_BOOK_PATH"] = str(book)
    else:
        env.pop("CAPACITY_BOOK_PATH", None)
    return env


def _check_inputs(scenario_path: str, book_path: str | None) -> tuple[Path, Path | None]:
    """Read the scenario and book once here, so bad input is one line before a server starts."""
    from capacity.inputs.book import load_book
    from capacity.inputs.scenario import load_scenario

    scenario_file = Path(scenario_path).expanduser().resolve()
    scenario = load_scenario(scenario_file)
    book_file = None
    if book_path:
        book_file = Path(book_path).expanduser().resolve()
        load_book(book_file)
    elif scenario.book is not None:
        load_book(scenario.book)
    return scenario_file, book_file


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _wait_until_serving(server: subprocess.Popen, url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"Voila exited with code {server.returncode} before serving")
        try:
            # The static folder answers (a 404 or 403 is an answer) without starting a kernel.
            urllib.request.urlopen(f"{url}voila/static/", timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"Voila did not answer at {url} within {timeout:.0f} s")
        time.sleep(0.3)


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()  # Voila shuts its kernels down on SIGTERM
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


#: What the app command says it does (``capacity app --help``).
DESCRIPTION = ("Serve the what-if workbook as a web app (Voila) on this machine and print its URL. Without a "
               "scenario: the start page, where a person uses the sample or uploads an export (CSV or .xlsx) and "
               "builds a scenario from it.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The app's arguments, on its own parser or on the ``capacity app`` sub-command."""
    parser.add_argument("scenario", nargs="?", default=None,
                        help="scenario YAML (default: the start page: use the sample, or upload an export)")
    parser.add_argument("--example", action="store_true", help="serve the what-if of the sample shipped with capacity")
    parser.add_argument("--book", help="book of accounts replacing the scenario's")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"local port (default {DEFAULT_PORT})")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m capacity.apps.app", description=DESCRIPTION)
    add_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    """``python -m capacity.apps.app``: see :func:`serve`."""
    return serve(_parser().parse_args(argv))


def serve(args: argparse.Namespace) -> int:
    """Check the inputs, serve the app until Ctrl-C (or SIGTERM), return the exit code.

    Raises :class:`ModuleNotFoundError` when Voila is not installed (``capacity app`` names the extra).
    ``args`` holds ``scenario`` (a path, or None for the start page), ``example`` (the sample's what-if), ``book``
    and ``port``,
    as :func:`add_arguments` declares them.
    """
    if args.example and args.scenario is not None:
        print(f"error: --example: give a scenario or --example, not both (got {args.scenario})", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.book and args.scenario is None and not args.example:
        print("error: --book: give a scenario (or --example) to read the book with; without one the app opens "
              "its start page, where an export is uploaded", file=sys.stderr)
        return EXIT_BAD_INPUT
    start_page = args.scenario is None and not args.example
    try:
        scenario, book = (None, None) if start_page else _check_inputs(
            str(sample.SCENARIO) if args.scenario is None else args.scenario, args.book)
    except CapacityError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not 0 < args.port < 65536:
        print(f"error: --port {args.port}: not a port number (1 to 65535)", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not _port_free(args.port):
        print(f"error: port {args.port} on 127.0.0.1 is in use; pick another (--port N)", file=sys.stderr)
        return EXIT_BAD_INPUT

    if importlib.util.find_spec("voila") is None:
        raise ModuleNotFoundError("No module named 'voila'", name="voila")
    url = f"http://127.0.0.1:{args.port}/"
    static_root = Path(tempfile.mkdtemp(prefix="capacity-app-"))
    _serve_plotly_module(static_root)
    # Its own session: a Ctrl-C in the terminal reaches this process only, which then stops Voila
    # (Voila would otherwise stop to ask for a confirmation on the terminal).
    notebook = START_NOTEBOOK if start_page else NOTEBOOK
    server = subprocess.Popen(voila_command(args.port, notebook), env=_environment(scenario, book, url, static_root),
                              cwd=notebook.parent, stdin=subprocess.DEVNULL, start_new_session=True)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        try:
            _wait_until_serving(server, url, START_TIMEOUT)
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        what = "start page (use the sample, or upload an export)" if start_page else f"what-if app for {scenario}"
        print(f"capacity {what}: {url}  (Ctrl-C stops it)", flush=True)
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        _stop(server)
        shutil.rmtree(static_root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
