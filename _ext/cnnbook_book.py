"""The book's own Sphinx extension (loaded through ``sphinx.local_extensions`` in _config.yml).

Four jobs, none of which touches a chapter:

* **Offline maths.** ``mathjax_path`` in _config.yml names a file under ``_static/``; this
  extension copies the vendored MathJax (``tools/vendor_mathjax.py`` puts it in ``_vendor/``)
  into the build's ``_static`` folder, and warns (which fails the strict build) when it is
  missing, so that no page loads MathJax from a CDN.
* **A GPU notice** at the top of every notebook whose metadata says ``"accelerator": "GPU"``
  (the chapters that train), with the steps to get a GPU runtime in Colab and a link that
  opens that notebook there.
* **How to cite the book**: the ``cite-this-book`` directive writes a reference and a BibTeX
  entry from the book's title, authors, year, version and repository, so they never drift.
* **One copy of each inline script** on every page (a workaround for Sphinx 7.4 writing some
  twice, which the browser reports as a SyntaxError).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

GPU_NOTICE_CLASS = "cnnbook-gpu-notice"


# --- the book's version -------------------------------------------------------------------------


def book_version(path: Path) -> str:
    """``cnnbook.__version__``, read from the source without importing TensorFlow."""
    match = re.search(r'^__version__ = "([^"]+)"', path.read_text(encoding="utf-8"), re.MULTILINE)
    if not match:
        raise ValueError(f"{path} defines no __version__")
    return match.group(1)


def _set_version(app: Sphinx, config) -> None:
    version = book_version(Path(app.srcdir) / config.cnnbook_version_file)
    config.version = config.release = version
    # {{ book_version }} in MyST pages (with the "substitution" extension).
    substitutions = dict(getattr(config, "myst_substitutions", {}) or {})
    substitutions.setdefault("book_version", version)
    config.myst_substitutions = substitutions


# --- offline MathJax ----------------------------------------------------------------------------


def _vendored_mathjax(app: Sphinx) -> Path | None:
    """The vendored file that ``mathjax_path`` names, or None when MathJax comes from a URL."""
    path = app.config.mathjax_path
    if "://" in path or path.startswith("/"):
        return None
    return Path(app.srcdir) / app.config.cnnbook_vendor_dir / path


def _check_mathjax(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    target = _vendored_mathjax(app)
    if target is None:
        logger.warning(
            "mathjax_path is a URL (%s): the book would need network to show maths; "
            "vendor MathJax with tools/vendor_mathjax.py instead",
            app.config.mathjax_path,
        )
    elif not target.is_file():
        logger.warning(
            "MathJax is not vendored (%s is missing): run `.venv/bin/python "
            "tools/vendor_mathjax.py` (make book and make test do it)",
            target,
        )


def _copy_vendored(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source = Path(app.srcdir) / app.config.cnnbook_vendor_dir
    if source.is_dir():
        static = Path(app.outdir) / "_static"
        for child in source.iterdir():
            if child.is_dir():
                shutil.copytree(child, static / child.name, dirs_exist_ok=True)


# --- the GPU notice -----------------------------------------------------------------------------


def notebook_metadata(path: Path) -> dict:
    if path.suffix != ".ipynb" or not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8")).get("metadata", {})


def wants_gpu(metadata: dict) -> bool:
    """Colab's convention: ``"accelerator": "GPU"`` at the top of the notebook metadata."""
    return str(metadata.get("accelerator", "")).upper() == "GPU"


def colab_url(app: Sphinx, docname: str) -> str | None:
    """The same link as the theme's Colab button (sphinx-book-theme's launch.py)."""
    options = app.config.html_theme_options or {}
    base = (options.get("launch_buttons") or {}).get("colab_url", "").strip("/")
    repository = options.get("repository_url", "").strip("/")
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?", repository)
    if not base or not match:
        return None
    branch = options.get("repository_branch") or "main"
    folder = (options.get("path_to_docs") or "").strip("/")
    path = f"{folder}/{docname}.ipynb" if folder else f"{docname}.ipynb"
    return f"{base}/github/{match.group(1)}/{match.group(2)}/blob/{branch}/{path}"


def _text(*parts) -> list[nodes.Node]:
    """Strings become text, (kind, text) pairs become emphasis/strong/literal nodes."""
    kinds = {"em": nodes.emphasis, "strong": nodes.strong, "code": nodes.literal}
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(nodes.Text(part))
        else:
            kind, text = part
            out.append(kinds[kind](text, text))
    return out


def gpu_notice(url: str | None) -> nodes.admonition:
    notice = nodes.admonition(classes=["admonition", "tip", GPU_NOTICE_CLASS])
    notice += nodes.title("", "This chapter trains networks: run it on a GPU")
    open_it = (
        [nodes.Text("Open it in Colab ("), nodes.reference("", "this link", refuri=url)]
        + _text(" or the rocket button at the top of the page, then ", ("strong", "Colab"), ").")
        if url
        else _text("Open it in Colab with the rocket button at the top of the page.")
    )
    steps = nodes.enumerated_list(enumtype="arabic", prefix="", suffix=".")
    for paragraph in (
        open_it,
        _text(
            "In Colab's menu choose ",
            ("strong", "Runtime → Change runtime type"),
            " and check that a GPU is selected under ",
            ("em", "Hardware accelerator"),
            " (the notebook asks for one; a T4 is plenty), then press ",
            ("strong", "Save"),
            ".",
        ),
        _text(
            "Run the cells from the top. The first cell installs the book's helper package and "
            "prints whether TensorFlow found a GPU."
        ),
    ):
        steps += nodes.list_item("", nodes.paragraph("", "", *paragraph))
    notice += steps
    notice += nodes.paragraph(
        "",
        "",
        *_text(
            "It also runs on a CPU, only more slowly; the sizes it trains at are set in its ",
            ("code", "parameters"),
            " cell.",
        ),
    )
    return notice


def _add_gpu_notice(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    if not wants_gpu(notebook_metadata(Path(app.env.doc2path(docname)))):
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        logger.warning("notebook has no title: no place for its GPU notice", location=docname)
        return
    # Right under the chapter title, before the learning objectives.
    index = section.first_child_matching_class(nodes.title)
    section.insert(0 if index is None else index + 1, gpu_notice(colab_url(app, docname)))


# --- one copy of each inline script -----------------------------------------------------------


def _dedupe_scripts(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Sphinx 7.4 writes scripts that extensions add after the builder starts twice when they
    have a body but no file (sphinx-togglebutton's selector, sphinx-thebe's THEBE_JS_URL: the
    second ``const`` is a SyntaxError in the browser). Keep the first copy of each."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {})
        key = (getattr(script, "filename", str(script)) or "", sorted(attributes.items()))
        if repr(key) not in seen:
            seen.add(repr(key))
            unique.append(script)
    scripts[:] = unique


# --- accessible bibliography ----------------------------------------------------------------


def _bibliography_as_a_list(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """docutils writes each reference as ``role="doc-biblioentry"`` inside ``role="list"``;
    ARIA 1.2 deprecates that role, so a list with such children has no list items, which
    axe-core reports as a critical WCAG violation (aria-required-children). They are list
    items of the references list."""
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


# --- how to cite the book -----------------------------------------------------------------------


def bibtex_entry(title: str, author: str, year: str, version: str, url: str) -> str:
    return (
        "@misc{cnnbook,\n"
        f"  title        = {{{title}}},\n"
        f"  author       = {{{{{author}}}}},\n"
        f"  year         = {{{year}}},\n"
        f"  note         = {{Version {version}}},\n"
        f"  howpublished = {{\\url{{{url}}}}}\n"
        "}"
    )


class CiteThisBook(Directive):
    """A reference to the book and its BibTeX entry, from the book's own configuration."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        env = self.state.document.settings.env
        config = env.config
        title = config.html_title or config.project
        year = re.search(r"\d{4}", str(config.copyright))
        year = year.group(0) if year else ""
        url = (config.html_theme_options or {}).get("repository_url", "")
        reference = nodes.paragraph(
            "",
            "",
            nodes.Text(f"{config.author} ({year}). "),
            nodes.emphasis(title, title),
            nodes.Text(f", version {config.version}. "),
            # The URL in full (an inline child keeps the theme from shortening it to a logo).
            nodes.reference("", "", nodes.inline(url, url), refuri=url),
        )
        bibtex = bibtex_entry(title, config.author, year, config.version, url)
        block = nodes.literal_block(bibtex, bibtex, language="bibtex")
        return [reference, block]


def setup(app: Sphinx) -> dict:
    app.add_config_value("cnnbook_vendor_dir", "_vendor", "html")
    app.add_config_value("cnnbook_version_file", "src/cnnbook/__init__.py", "env")
    app.connect("config-inited", _set_version)
    app.connect("builder-inited", _check_mathjax)
    app.connect("doctree-read", _add_gpu_notice)
    app.connect("build-finished", _copy_vendored)
    app.connect("html-page-context", _dedupe_scripts, priority=900)  # after those that add
    app.connect("html-page-context", _bibliography_as_a_list)
    app.add_directive("cite-this-book", CiteThisBook)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
