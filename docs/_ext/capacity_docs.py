"""Sphinx helpers for capacity's documentation.

- ``capacity-help``: the ``--help`` text of the command line (``capacity`` itself, or one command),
  taken from :func:`capacity.apps.cli.build_parser` when the docs are built, so the page can never
  disagree with the program.
- The walkthroughs live in ``notebooks/walkthroughs/`` (one copy, where nbval re-runs them); each
  build copies the notebooks and their README into ``docs/walkthroughs/`` (not committed), so that
  their links to each other stay inside the site; the README's copy lists them in its toctree.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive


def help_text(command: str | None) -> str:
    """``capacity [COMMAND] --help`` as printed on an 88-column terminal."""
    from capacity.apps.cli import build_parser

    columns = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "88"
    try:
        parser = build_parser()
        if command:
            (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
            parser = commands.choices[command]
        return parser.format_help()
    finally:
        if columns is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = columns


class CapacityHelp(Directive):
    """``.. capacity-help:: [COMMAND]``: the help of ``capacity`` or of one command, as a literal block."""

    optional_arguments = 1
    has_content = False

    def run(self):
        command = self.arguments[0] if self.arguments else None
        try:
            text = help_text(command)
        except (KeyError, ValueError):
            raise self.error(f"capacity has no command {command!r}") from None
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


def copy_walkthroughs(app, config) -> None:
    """Copy ``notebooks/walkthroughs/*.ipynb`` and its README into the site's ``walkthroughs/`` folder.

    A file whose bytes did not change is left alone, so Sphinx rebuilds only what changed.
    """
    source = Path(app.confdir).parent / "notebooks" / "walkthroughs"
    target = Path(app.srcdir) / "walkthroughs"
    target.mkdir(exist_ok=True)
    wanted = {p.name: p for p in [*sorted(source.glob("[0-9][0-9]-*.ipynb")), source / "README.md"]}
    for stale in target.iterdir():
        if stale.name not in wanted:
            stale.unlink()
    for name, path in wanted.items():
        data = path.read_bytes()
        if name == "README.md":  # the section's page: the notebooks as its children in the navigation
            notebooks = "\n".join(n.removesuffix(".ipynb") for n in wanted if n.endswith(".ipynb"))
            data += f"\n```{{toctree}}\n:hidden:\n\n{notebooks}\n```\n".encode()
        copy = target / name
        if not copy.is_file() or copy.read_bytes() != data:
            copy.write_bytes(data)


def setup(app):
    app.add_directive("capacity-help", CapacityHelp)
    app.connect("config-inited", copy_walkthroughs)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
