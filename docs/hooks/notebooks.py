"""MkDocs hook for the notebook pages (rendered and executed by mkdocs-jupyter).

Two jobs:

* A notebook that needs real data names its datasets in its metadata,
  `{"tinygrad_edu": {"datasets": ["mnist"]}}` (folders under $TINYGRAD_EDU_DATA).
  When one is not there, the notebook is not executed: its page shows the code
  without outputs, under a note that says which data was missing. Every other
  notebook is executed, and an error in it fails the build.
* nbconvert's page template adds loaders that fetch MathJax 2 and Mermaid from a
  CDN. The site serves its own MathJax (offline_mathjax.py) and the notebooks
  have no Mermaid diagrams, so both loaders are taken out of the notebook pages:
  they load nothing from the network.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.notebooks")

SKIPPED: dict[str, list[str]] = {}
"""Notebook path (relative to docs/) -> the datasets it needs and that are missing."""

CDN_LOADERS = [
    re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.DOTALL),
    re.compile(r'<script type="module">\s*document\.addEventListener\("DOMContentLoaded", '
               r'async \(\) => \{\s*const diagrams = document\.querySelectorAll\("\.jp-Mermaid'
               r".*?<!-- End of mermaid configuration -->", re.DOTALL),
]


def missing_datasets(notebook: Path) -> list[str]:
    """The datasets the notebook declares that are not under $TINYGRAD_EDU_DATA."""
    metadata = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {})
    needed = metadata.get("tinygrad_edu", {}).get("datasets", [])
    root = os.environ.get("TINYGRAD_EDU_DATA")
    return [name for name in needed if not root or not (Path(root) / name).is_dir()]


def on_config(config):
    plugin = config.plugins["mkdocs-jupyter"]
    docs = Path(config.docs_dir)
    SKIPPED.clear()
    for notebook in sorted(docs.rglob("*.ipynb")):
        missing = missing_datasets(notebook)
        if missing:
            page = notebook.relative_to(docs).as_posix()
            SKIPPED[page] = missing
            plugin.config["execute_ignore"].append(page)
            log.info("not executing %s: the datasets %s are not in TINYGRAD_EDU_DATA",
                     page, missing)
    return config


def on_page_content(html: str, page, config, files) -> str:
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    for loader in CDN_LOADERS:
        html = loader.sub("", html)
    missing = SKIPPED.get(page.file.src_uri)
    if missing:
        note = (f"This page was built without the datasets {', '.join(missing)}, so it "
                "shows the notebook's code without its outputs. Set TINYGRAD_EDU_DATA "
                "(see Getting started) and build again, or run the notebook yourself.")
        html = (f'<div class="admonition note"><p class="admonition-title">Not run</p>'
                f"<p>{note}</p></div>\n{html}")
    return html
