"""MkDocs hook: serve MathJax from the built site, so formulas render with no network.

MathJax comes from the Python package django-static-mathjax (in the `dev`
extra), which ships MathJax 3's browser files and depends on nothing else
(the Django in its name is only its intended user). At build time this hook
adds the files the pages need to the site, under javascripts/mathjax/:
the tex-mml-chtml component that mkdocs.yml loads, its web fonts, and the parts
it may load later (TeX extensions, the menu, accessibility). Nothing is
committed to the repository and nothing is fetched from a CDN.
"""

from __future__ import annotations

from pathlib import Path

import mathjax  # the django-static-mathjax package
from mkdocs.structure.files import File, Files

SOURCE = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
TARGET = "javascripts/mathjax"
NEEDED = ["tex-mml-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions", "ui", "a11y"]


def on_files(files: Files, config) -> Files:
    for part in NEEDED:
        source = SOURCE / part
        paths = [source] if source.is_file() else sorted(p for p in source.rglob("*")
                                                          if p.is_file())
        for path in paths:
            uri = f"{TARGET}/{path.relative_to(SOURCE).as_posix()}"
            files.append(File.generated(config, uri, abs_src_path=str(path)))
    return files
