"""Sphinx configuration of capacity's documentation: ``make docs`` builds it into docs/_build/html.

Offline: no intersphinx, no remote images or fonts (MathJax, which typesets the walkthroughs' few
formulas in the browser, is the one script a page loads from a network); the walkthroughs are rendered
from their stored outputs (myst-nb, never executed; their charts are stored PNGs). Nitpicky: every reference to capacity's own objects must
resolve; names of other libraries (pandas, numpy, the standard library) are plain text, as their
inventories would need the network.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))

import capacity  # noqa: E402

project = "capacity"
author = "the capacity developers"
copyright = "the capacity developers"
version = release = capacity.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "capacity_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}  # .rst first: autosummary writes it
root_doc = "index"
exclude_patterns = ["_build", "**/.ipynb_checkpoints"]
templates_path = ["_templates"]

# -- MyST and the notebooks ----------------------------------------------------------------------
nb_execution_mode = "off"  # the walkthroughs' stored outputs, as nbval checks them
nb_merge_streams = True
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
# The walkthroughs write their formulas as $$ ... $$; the pages write money as $2.8M: a $ next to a space or
# a digit never opens or closes inline math.
myst_dmath_allow_space = False
myst_dmath_allow_digits = False
myst_heading_anchors = 3

# -- API reference --------------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True}
autodoc_typehints = "none"  # numpydoc's Parameters and Returns say the types, in words
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()
numpydoc_class_members_toctree = False

# -- warnings ---------------------------------------------------------------------------------------
# Every cross-reference must resolve. Types are not cross-referenced (autodoc_typehints and numpydoc's
# xref are off), so other libraries' names, which have no inventory offline, never need one.
nitpicky = True

# -- HTML -------------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "capacity"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "navbar_align": "left",
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_show_sourcelink = False
html_copy_source = False
