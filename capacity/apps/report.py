"""The budget report pipeline: papermill runs the notebook, nbconvert makes an offline HTML page.

``render(scenario)`` loads the scenario and the book once and builds the report's content
(:func:`capacity.views.content.build`), which checks every input: a bad one fails with one
:class:`~capacity.exceptions.CapacityError` line before anything runs. Then it

1. executes the package's ``notebooks/budget-report.ipynb`` with papermill (a fresh
   ``python3`` kernel, working in a scratch folder, started before papermill is imported and
   importing the modules the notebook's metadata lists under ``capacity.preload``
   meanwhile), handing the kernel the built content as a file (the ``content_path``
   parameter) so that it parses nothing again, while a thread writes the Excel workbook
   from the same content;
2. converts the executed notebook with nbconvert into one self-contained HTML page: code
   hidden, plotly.js inlined once, no require.js, MathJax or any other script fetched
   from a network (template ``capacity/templates/capacity_report``);
3. writes the live Excel model (:mod:`capacity.views.excel`) and renames the HTML, the workbook,
   the model and the executed notebook into the output folder, only once all of them are
   complete: a failed run leaves the previous report as it was.
"""

from __future__ import annotations

import contextlib
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from capacity.exceptions import ReportError
from capacity.files import atomic_path
from capacity.views.content import PARAMETERS, ReportContent, build, check_parameters
from capacity.views.content import save as save_content

__all__ = ["NOTEBOOK", "TEMPLATES", "Rendered", "parse_parameters", "render", "execute_and_convert", "to_html",
           "echo_to_stderr"]

#: The budget report notebook, shipped with the package.
NOTEBOOK = Path(__file__).resolve().parent / "notebooks" / "budget-report.ipynb"
#: nbconvert templates shipped with the package.
TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "capacity_report"
KERNEL_NAME = "python3"
#: Parameters given as text whatever they look like (YAML would read "NO" as false).
_TEXT_PARAMETERS = {"title", "currency"}
# Unix socket paths are limited to about 100 bytes; past that the kernel talks over TCP.
_MAX_IPC_PATH = 90


@dataclass(frozen=True)
class Rendered:
    """What :func:`render` wrote, and how long it took [s]."""

    html: Path
    workbook: Path
    notebook: Path
    seconds: float
    #: The live Excel model (``<scenario>-model.xlsx``, see :mod:`capacity.views.excel`).
    model: Path | None = None


def parse_parameters(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """``-p NAME VALUE`` pairs to Python values, validated.

    Values are read as YAML scalars, as papermill reads them (``12`` is a number,
    ``null`` is None), except ``title`` and ``currency``, which are always text.

    Raises
    ------
    ReportError
        For an unknown name (with a did-you-mean) or a bad value, naming the parameter.
    """
    import yaml

    values: dict[str, Any] = {}
    for name, text in pairs:
        if name in values:
            raise ReportError("given twice", where=f"-p {name}")
        if name in _TEXT_PARAMETERS or name not in PARAMETERS:
            values[name] = text
            continue
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            value = text
        values[name] = text if isinstance(value, (dict, list)) else value
    return check_parameters(values, where="-p")


def _say(echo: Callable[[str], None] | None, message: str) -> None:
    if echo is not None:
        echo(message)


def render(
    scenario: str | Path,
    *,
    book: str | Path | None = None,
    out_dir: str | Path = "reports",
    parameters: dict[str, Any] | None = None,
    notebook: str | Path = NOTEBOOK,
    echo: Callable[[str], None] | None = None,
    progress_bar: bool = False,
) -> Rendered:
    """Render the budget report of ``scenario`` into ``out_dir``.

    Parameters
    ----------
    scenario : path
        The scenario YAML file.
    book : path, optional
        A book of accounts instead of the scenario's.
    out_dir : path
        Where ``<scenario stem>.html``, ``.xlsx`` and ``.ipynb`` go (created if missing).
    parameters : dict, optional
        Report parameters (see :data:`capacity.views.content.PARAMETERS`), as Python values.
    notebook : path
        The notebook to run (the budget report by default).
    echo : callable, optional
        Called with a message at each step (the CLI prints them on stderr).
    progress_bar : bool
        Show papermill's per-cell progress bar (on a terminal).

    Returns
    -------
    Rendered

    Raises
    ------
    CapacityError
        Bad scenario, book or parameter (before anything runs), or a notebook that fails.
    """
    started = time.perf_counter()
    given = check_parameters(dict(parameters or {}))
    if not Path(notebook).is_file():
        raise ReportError("notebook not found", file=notebook)
    if Path(out_dir).exists() and not Path(out_dir).is_dir():
        raise ReportError("exists and is not a folder", file=out_dir)
    # Errors name the files as the user gave them; the kernel gets absolute paths.
    report = build(scenario, book, **given)
    scenario, notebook, out_dir = Path(scenario).resolve(), Path(notebook).resolve(), Path(out_dir).resolve()
    book_path = None if book is None else _book_parameter(book)
    stem = scenario.stem
    targets = {"html": out_dir / f"{stem}.html", "workbook": out_dir / f"{stem}.xlsx", "notebook": out_dir / f"{stem}.ipynb",
               "model": out_dir / f"{stem}-model.xlsx"}
    out_dir.mkdir(parents=True, exist_ok=True)
    notebook_parameters = {"scenario_path": str(scenario), "book_path": book_path,
                           **{k: v for k, v in given.items() if v is not None}}

    with contextlib.ExitStack() as stack:
        temporary = {key: stack.enter_context(atomic_path(path)) for key, path in targets.items()}
        # The workbooks need only the content built above: they are written while the kernel works.
        workbook = _Background(_write_workbook, report, temporary["workbook"])
        model = _Background(_write_model, report, temporary["model"])
        try:
            _say(echo, f"running {notebook.name} with papermill")
            executed, page = execute_and_convert(notebook, notebook_parameters, title=report.title,
                                                 progress_bar=progress_bar, echo=echo, content=report)
            temporary["html"].write_text(page, encoding="utf-8")
            _write_notebook(executed, temporary["notebook"])
        finally:
            workbook.wait()  # before the temporary files are removed on a failure
            model.wait()
        workbook.join()
        model.join()
    seconds = time.perf_counter() - started
    _say(echo, f"done in {seconds:.2f} s")
    return Rendered(targets["html"], targets["workbook"], targets["notebook"], seconds, targets["model"])


def _write_workbook(report: ReportContent, path: Path) -> None:
    from capacity.views.workbook import write_workbook

    write_workbook(report, path)


def _write_model(report: ReportContent, path: Path) -> None:
    from capacity.inputs.context import Context
    from capacity.views.excel import write_model

    # The plan already counts the book's customers and ARR, and the calendar places its dates: the model needs no
    # second read of it.
    write_model(Context(report.scenario), path=path, result=report.plan, calendar=report.book_calendar)


def _write_notebook(nb, path: Path) -> None:
    import nbformat

    with open(path, "w", encoding="utf-8") as handle:
        nbformat.write(nb, handle)


class _Background:
    """Run a function in a thread; ``join()`` re-raises its exception in the caller."""

    def __init__(self, function: Callable[..., None], *args: Any):
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(function, *args), daemon=True)
        self._thread.start()

    def _run(self, function: Callable[..., None], *args: Any) -> None:
        try:
            function(*args)
        except BaseException as exc:  # handed to the caller by join()
            self._error = exc

    def wait(self) -> None:
        self._thread.join()

    def join(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error


def execute_and_convert(
    notebook: str | Path,
    parameters: dict[str, Any],
    *,
    title: str | None = None,
    progress_bar: bool = False,
    echo: Callable[[str], None] | None = None,
    content: ReportContent | None = None,
):
    """Execute ``notebook`` with papermill and convert the result to an offline HTML page.

    The kernel works in a scratch folder that is removed afterwards; paths in
    ``parameters`` must be absolute. It is started first, so that it boots (and imports the
    notebook's ``metadata.capacity.preload`` modules) while papermill is being imported.
    ``content``, when given, is saved in the scratch folder and its path passed as the
    ``content_path`` parameter: the notebook shows it instead of building its own.

    Returns
    -------
    (nbformat.NotebookNode, str)
        The executed notebook and the HTML page.

    Raises
    ------
    ReportError
        When the kernel is missing or a cell fails (naming the cell and the error).
    """
    from jupyter_client.kernelspec import NoSuchKernel

    notebook = Path(notebook)
    preload = _preload_modules(notebook)
    with tempfile.TemporaryDirectory(prefix="capacity-report-") as scratch:
        if content is not None:
            parameters = {**parameters, "content_path": str(save_content(content, Path(scratch) / "content.pickle"))}
        manager = _kernel_manager()
        socket = Path(scratch) / "kernel"
        if len(str(socket)) < _MAX_IPC_PATH:
            # Over local sockets the kernel needs no free port and logs no "running over TCP" warning.
            manager.transport, manager.ip = "ipc", str(socket)
        # The kernel shares our stderr; its log lines ("KeyboardInterrupt caught" on a normal
        # shutdown) are noise on the one-line-per-step output. Cell errors still come back.
        arguments = ["--IPKernelApp.log_level=CRITICAL"]
        if preload:
            # The kernel boots and imports what the notebook declares while we import papermill:
            # two processes on two cores instead of one after the other.
            arguments.append(f"--IPKernelApp.exec_lines=import {', '.join(preload)}")
        try:
            manager.start_kernel(extra_arguments=arguments, cwd=scratch)
        except NoSuchKernel:
            raise ReportError(f"no Jupyter kernel named {KERNEL_NAME!r}: install ipykernel in this Python "
                              "(make venv)", file=notebook) from None
        try:
            import papermill

            try:
                executed = papermill.execute_notebook(
                    str(notebook), None, parameters=parameters, kernel_name=KERNEL_NAME, km=manager,
                    progress_bar=progress_bar, log_output=False,
                )
            except papermill.PapermillExecutionError as exc:
                raise ReportError(f"cell {exc.exec_count} failed: {exc.ename}: {_first_line(exc.evalue)}",
                                  file=notebook) from None
        finally:
            # nbclient shuts down only kernels it started itself.
            manager.shutdown_kernel(now=True)
    _say(echo, "converting to HTML with nbconvert")
    if title:
        executed.metadata["title"] = title
    return executed, to_html(executed)


def _kernel_manager():
    """A manager of this Python's own ``python3`` kernel (ipykernel under ``sys.executable``).

    Kernels registered under that name elsewhere (a user's or the system's Jupyter folders)
    are not consulted: the notebook must import the same ``capacity`` that built the content
    it is handed, whichever environment ``capacity report`` runs from.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    return KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[]))


def _preload_modules(notebook: Path) -> list[str]:
    """Modules the notebook asks to have imported while the pipeline starts up.

    Declared in the notebook's metadata as ``{"capacity": {"preload": ["capacity.views.sections"]}}``:
    module names only, so nothing but an import runs before the notebook's own cells.
    """
    import json

    try:
        declared = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {}).get("capacity", {}).get("preload", [])
    except (OSError, ValueError, AttributeError):
        return []  # papermill reports an unreadable notebook with its own message
    if not isinstance(declared, list) or not all(isinstance(m, str) and _MODULE.match(m) for m in declared):
        raise ReportError("metadata.capacity.preload must be a list of module names", file=notebook)
    return declared


_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _first_line(text: str) -> str:
    lines = [line for line in str(text).splitlines() if line.strip()]
    return lines[0] if lines else "(no message)"


def to_html(nb) -> str:
    """An executed notebook as one offline HTML page: outputs only, plotly.js inlined if charted."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
    )
    charts = _has_plotly(nb)
    body, _ = exporter.from_notebook_node(nb, resources={"plotly_js_marker": _PLOTLY_MARKER} if charts else {})
    if not charts:
        return body
    from plotly.offline import get_plotlyjs

    if body.count(_PLOTLY_MARKER) != 1:
        raise ReportError("the HTML template lost the plotly.js marker", file=TEMPLATES / TEMPLATE_NAME / "index.html.j2")
    head, tail = body.split(_PLOTLY_MARKER)
    return f'{head}<script type="text/javascript">{get_plotlyjs()}</script>{tail}'


# Where plotly.js goes in the page head: a comment survives nbconvert's re-serialization as written.
_PLOTLY_MARKER = "<!-- capacity report: plotly.js -->"


def _has_plotly(nb) -> bool:
    for cell in nb.cells:
        for output in cell.get("outputs", ()):
            if "plotly-graph-div" in str(output.get("data", {}).get("text/html", "")):
                return True
    return False


def echo_to_stderr(message: str) -> None:
    """The CLI's step messages."""
    print(f"report: {message}", file=sys.stderr, flush=True)



def _book_parameter(book):
    """The book as the notebook's parameter: an absolute path, or a database book as a dict."""
    from capacity.inputs.sources import DatabaseBook, is_database_book

    if is_database_book(book):
        return DatabaseBook.of(book).model_dump(exclude_none=True)
    return str(Path(book).resolve())
