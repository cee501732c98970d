"""Sphinx configuration of capacity's documentation: ``make docs`` builds it into docs/_build/html.

Offline: no intersphinx, no remote images or fonts; the walkthroughs are rendered from their stored
outputs (myst-nb, never executed). Nitpicky: every reference to capacity's own objects must
resolve; names of other libraries (pandas, numpy, the standard library) cannot be resolved without
their inventories, which would need the network, and are left as plain text.
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
# The charts are stored as PNG (kaleido): they need no script in the page.
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
nitpicky = True
# Other libraries' and the standard library's objects have no inventory offline.
nitpick_ignore_regex = [
    (r"py:.*", r"(pandas|pd|numpy|np|pyarrow|pa|pydantic|plotly|go|ipywidgets|openpyxl|nbformat|pathlib|os|datetime"
               r"|collections|typing|argparse|subprocess|enum|dataclasses|decimal|re|io)(\..*)?"),
    (r"py:class", r"(str|int|float|bool|bytes|dict|list|tuple|set|frozenset|object|type|callable|Callable|Path"
                  r"|PathLike|Iterable|Iterator|Mapping|Sequence|Any|None|DataFrame|Series|ndarray|array-like)"),
    (r"py:(exc|class)", r"(ValueError|OSError|KeyError|TypeError|RuntimeError|Exception|BaseException)"),
    # capacity/inputs/book.py is being rewritten into a package of its own (capacity/inputs/book/); its
    # docstrings name these two unqualified. The rewrite resolves them; until then they are not broken links
    # anyone could follow, only names.
    (r"py:meth", r"SortedARR\.between"),
    (r"py:data", r"UNASSIGNED_VERTICAL"),
]

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
