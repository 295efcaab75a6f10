"""The strict full-mode book build and what it wrote: pages, maths, citations, buttons, notices.

``book_build()`` is tests/fullbook.py's build: ``jupyter-book build -W -n --keep-going --all`` in
full mode, once per test run, into ``_build/tested`` from an empty execution cache, so the pages
checked here are the published book's, with every claim check enforced. While chapters are
still being written, the build uses the table of contents trimmed to the files that exist, and
``test_every_toc_entry_has_a_file`` fails, naming the missing ones. tests/test_browser.py drives
a browser over the same build.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import cnnbook_book  # the book's Sphinx extension (_ext, on pytest's path)
import fullbook
import nbformat
import pytest
import yaml
from conftest import ROOT, run_dir
from fullbook import EXECUTION_CACHE, BookBuild, source_of, toc_entries, trimmed_toc

REMOVED_OUTPUT_TAGS = {"remove-output", "remove_output", "remove-cell", "remove_cell"}


# --- the table of contents ----------------------------------------------------------------------


def built_docnames() -> list[str]:
    """The pages of the book as it stands: every toc entry whose source file exists."""
    return [d for d in toc_entries() if source_of(d) is not None]


def repository() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]


def colab_link(docname: str) -> str:
    """Where a notebook page's Colab button must point: the same notebook on GitHub."""
    repo = repository()
    owner_name = repo["url"].removeprefix("https://github.com/").strip("/")
    branch = repo.get("branch", "main")
    return f"https://colab.research.google.com/github/{owner_name}/blob/{branch}/{docname}.ipynb"


def page_path(docname: str) -> Path:
    """The page of this session's build (tests/test_book.py's ``book`` fixture)."""
    return book_build().html / (docname + ".html")


# --- the build ----------------------------------------------------------------------------------


@functools.cache
def book_build() -> BookBuild:
    """The strict full-mode build, made once per test run (pytest-xdist workers share it)."""
    return fullbook.build(run_dir())


@pytest.fixture(scope="session")
def book() -> BookBuild:
    build = book_build()
    if not (build.html / "index.html").is_file():
        pytest.fail(f"the book build wrote no index.html:\n{build.log[-6000:]}")
    return build


def test_strict_build_succeeds_without_warnings(book):
    assert book.returncode == 0 and not book.warnings, (
        f"strict build failed (exit {book.returncode}) after {book.seconds:.0f} s; "
        "warnings:\n" + "\n".join(book.warnings[:40]) + "\n--- log tail ---\n" + book.log[-4000:]
    )


def test_every_toc_entry_has_a_file():
    missing = [d for d in toc_entries() if source_of(d) is None]
    assert not missing, f"_toc.yml names {len(missing)} pages that do not exist yet: {missing}"


def test_every_page_of_the_book_was_written(book):
    absent = [d for d in built_docnames() if not page_path(d).is_file()]
    assert not absent, f"no HTML for {absent}"


# --- reading the HTML ---------------------------------------------------------------------------


class _Collector(HTMLParser):
    """Tags with their attributes, and the text outside <script>/<style>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


@functools.cache
def parsed(path: Path) -> _Collector:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def classes(attrs: dict[str, str]) -> set[str]:
    return set(attrs.get("class", "").split())


def html_pages(build: BookBuild) -> list[Path]:
    return sorted(build.html.rglob("*.html"))


def notebook_docnames() -> list[str]:
    return [d for d in built_docnames() if source_of(d).suffix == ".ipynb"]


CELL_START = re.compile(r'<div class="cell[ "]')


def cells_with_several_output_boxes(page_html: str) -> list[int]:
    """The cells (counted from 0) whose printed text is split over more than one output box.

    myst-nb renders each stream output as its own ``div.output.stream``; ``nb_merge_streams``
    joins a cell's prints into one, as a reader expects of one cell's output.
    """
    cells = CELL_START.split(page_html)[1:]
    return [i for i, cell in enumerate(cells) if cell.count('class="output stream') > 1]


def test_a_cell_split_over_several_output_boxes_is_found():
    box = '<div class="output stream highlight-myst-ansi notranslate"><pre>a</pre></div>'
    page = f'<div class="cell docutils container">{box}</div><div class="cell tag_x">{box}{box}'
    assert cells_with_several_output_boxes(page) == [1]


def test_each_cell_prints_into_one_output_box(book):
    for page in html_pages(book):
        split = cells_with_several_output_boxes(page.read_text(encoding="utf-8"))
        assert not split, f"{page.relative_to(book.html)}: cells {split} print into several boxes"


def test_no_page_shows_a_folder_of_the_machine_that_built_it(book):
    """Outputs name folders as a reader can use them ($CNNBOOK_DATA_DIR/..., data/...)."""
    folders = {str(ROOT), str(ROOT.resolve()), str(ROOT.resolve().parent / "shared")}
    folders |= {
        os.environ[v] for v in ("CNNBOOK_DATA_DIR", "CNNBOOK_WEIGHTS_DIR") if v in os.environ
    }
    for page in html_pages(book):
        text = page.read_text(encoding="utf-8")
        shown = sorted(f for f in folders if f and f in text)
        assert not shown, f"{page.relative_to(book.html)} shows {shown}"


# --- offline: nothing from the network, maths from the vendored MathJax -------------------------


def test_every_page_names_the_books_icon(book):
    """Without one, a browser asks the server for /favicon.ico and logs a 404."""
    for docname in built_docnames():
        icons = [
            a["href"]
            for t, a in parsed(page_path(docname)).tags
            if t == "link" and "icon" in a.get("rel", "").split()
        ]
        assert len(icons) == 1, f"{docname}: icons {icons}"
        assert (page_path(docname).parent / icons[0]).resolve().is_file(), icons[0]


def test_no_page_loads_scripts_styles_or_images_from_the_network(book):
    remote = []
    for path in html_pages(book):
        for tag, attrs in parsed(path).tags:
            url = attrs.get("src", "") if tag in ("script", "img", "iframe") else ""
            if tag == "link" and {"stylesheet", "preload", "icon"} & set(
                attrs.get("rel", "").split()
            ):
                url = attrs.get("href", "")
            if re.match(r"(https?:)?//", url):
                remote.append(f"{path.relative_to(book.html)}: <{tag}> {url}")
    assert not remote, "pages load from the network:\n" + "\n".join(remote[:20])


def test_maths_is_typeset_by_the_vendored_mathjax(book):
    assert (book.html / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert (book.html / "_static" / "mathjax" / "LICENSE").is_file()
    pages_with_maths = 0
    for path in html_pages(book):
        tags = parsed(path).tags
        if not any("math" in classes(a) for t, a in tags if t in ("span", "div")):
            continue
        pages_with_maths += 1
        scripts = [a["src"] for t, a in tags if t == "script" and "src" in a]
        mathjax = [s for s in scripts if "mathjax" in s.lower() or "tex-" in s]
        assert mathjax, f"{path.name} has maths but loads no MathJax"
        for src in mathjax:
            assert (path.parent / src.split("?")[0]).resolve().is_file(), f"{path.name}: {src}"
    # The landing page states the output-size formula, so the book always has maths.
    assert pages_with_maths >= 1


# --- citations ----------------------------------------------------------------------------------


def bib_keys() -> list[str]:
    return re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(), re.MULTILINE)


def test_bibliography_lists_every_entry_once(book):
    page = page_path("chapters/appendices/references")
    entries = [a for t, a in parsed(page).tags if "citation" in classes(a) and t == "div"]
    assert len(entries) == len(bib_keys()) == len(set(bib_keys()))
    text = " ".join(parsed(page).text)
    for author in ("LeCun", "Krizhevsky", "Simonyan", "Szegedy", "Sandler", "Tan", "Mavi"):
        assert author in text


def test_every_citation_links_to_its_bibliography_entry(book):
    references = page_path("chapters/appendices/references")
    ids = {a["id"] for _, a in parsed(references).tags if "id" in a}
    citations = 0
    for path in html_pages(book):
        for tag, attrs in parsed(path).tags:
            href = attrs.get("href", "")
            if tag == "a" and "references.html#" in href:
                target = (path.parent / href.split("#")[0]).resolve()
                assert target == references.resolve(), f"{path.name}: {href}"
                assert href.split("#")[1] in ids, f"{path.name}: {href} has no target"
                citations += 1
        text = " ".join(parsed(path).text)
        assert "{cite" not in text, f"{path.name} shows an unrendered citation role"
    assert citations >= 5  # the landing page alone cites the case-study papers


# --- notebook pages: Colab, download, GPU notice, outputs ---------------------------------------


def test_each_notebook_page_opens_the_same_notebook_in_colab(book):
    for docname in notebook_docnames():
        tags = parsed(page_path(docname)).tags
        colab = {a["href"] for t, a in tags if t == "a" and "colab.research" in a.get("href", "")}
        assert colab == {colab_link(docname)}, docname


def test_each_notebook_page_offers_its_ipynb_for_download(book):
    for docname in notebook_docnames():
        path = page_path(docname)
        downloads = [
            a["href"]
            for t, a in parsed(path).tags
            if t == "a" and "btn-download-source-button" in classes(a)
        ]
        assert any(h.endswith(f"_sources/{docname}.ipynb") for h in downloads), docname
        copy = (path.parent / downloads[0]).resolve()
        assert json.loads(copy.read_text())["cells"], f"{copy} is not a notebook"


def test_gpu_notice_exactly_on_the_notebooks_that_ask_for_a_gpu(book):
    for docname in built_docnames():
        metadata = cnnbook_book.notebook_metadata(source_of(docname))
        tags = parsed(page_path(docname)).tags
        notices = [a for _, a in tags if cnnbook_book.GPU_NOTICE_CLASS in classes(a)]
        assert len(notices) == int(cnnbook_book.wants_gpu(metadata)), docname


def executed_notebook(docname: str) -> dict:
    """The notebook with the outputs the build showed, from the build's execution cache."""
    try:
        return json.loads(json.dumps(fullbook.executed_notebook(docname)))
    except KeyError:
        pytest.fail(f"{docname}: no executed copy in {EXECUTION_CACHE} (did the build run it?)")


def expected_outputs(docname: str) -> tuple[int, int]:
    """(cells with a visible output, image outputs) of the notebook as the build executed it."""
    nb = executed_notebook(docname)
    cells = images = 0
    for cell in nb["cells"]:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell["cell_type"] != "code" or tags & REMOVED_OUTPUT_TAGS:
            continue
        shown = [
            o for o in cell.get("outputs", []) if not (o.get("name") == "stderr")
        ]  # stderr is removed from the book (_config.yml)
        cells += bool(shown)
        images += sum(
            1
            for o in shown
            if {"image/png", "image/jpeg", "image/svg+xml"} & set(o.get("data", {}))
        )
    return cells, images


def test_notebook_pages_show_every_output_and_figure(book):
    for docname in notebook_docnames():
        cells, images = expected_outputs(docname)
        tags = parsed(page_path(docname)).tags
        outputs = sum(1 for t, a in tags if t == "div" and "cell_output" in classes(a))
        # Images inside output areas (myst-nb writes them under _images/).
        shown = sum(1 for t, a in tags if t == "img" and "_images/" in a.get("src", ""))
        assert outputs >= cells, f"{docname}: {outputs} output areas for {cells} cells"
        assert shown >= images, f"{docname}: {shown} images for {images} figures"


def test_the_full_book_shows_no_log_line_no_epoch_lines_and_no_figure_without_alt(book):
    from tools.nbconventions import output_problems

    found = {
        docname: problems
        for docname in notebook_docnames()
        if (problems := output_problems(nbformat.from_dict(executed_notebook(docname))))
    }
    assert not found, found


def test_every_figure_is_opaque_so_the_dark_theme_cannot_hide_its_text(book):
    """Black axis labels on a transparent figure vanish on the theme's dark background."""
    import numpy as np
    from PIL import Image

    checked = 0
    for docname in notebook_docnames():
        page = page_path(docname)
        for tag, attrs in parsed(page).tags:
            if tag != "img" or not attrs.get("src", "").endswith(".png"):
                continue
            if "_images/" not in attrs["src"]:
                continue
            image = Image.open((page.parent / attrs["src"]).resolve()).convert("RGBA")
            assert np.asarray(image)[..., 3].min() == 255, f"{docname}: {attrs['src']}"
            checked += 1
    assert checked, "no figure found to check"


def test_a_cell_prints_into_one_output_box(book):
    for docname in notebook_docnames():
        nb = executed_notebook(docname)
        printing = sum(
            1
            for cell in nb["cells"]
            if cell["cell_type"] == "code"
            and not set(cell.get("metadata", {}).get("tags", [])) & REMOVED_OUTPUT_TAGS
            and any(o.get("name") == "stdout" for o in cell.get("outputs", []))
        )
        tags = parsed(page_path(docname)).tags
        boxes = sum(1 for t, a in tags if t == "div" and {"output", "stream"} <= classes(a))
        assert boxes <= printing, f"{docname}: {boxes} print boxes for {printing} printing cells"


# Chapters whose prose draws lessons from experiments: each checks them (cnnbook.claims).
CHAPTERS_WITH_EXPERIMENTS = (
    "chapters/case-studies/batch-normalization",
    "chapters/case-studies/residual-networks",
    "chapters/practice/transfer-learning",
    "chapters/practice/data-augmentation",
    "chapters/practice/state-of-computer-vision",
)


def test_every_claim_of_the_full_book_was_checked_and_held(book):
    """And the claims with their evidence go to artifacts/claims-full.txt, to read a run by."""
    from conftest import ExecutedNotebook, _flatten

    from cnnbook.claims import HOLDS

    per_page, report = {}, []
    for docname in notebook_docnames():
        nb = fullbook.executed_notebook(docname)
        texts, images = _flatten(nb)
        run = ExecutedNotebook(ROOT / docname, nb, 0.0, texts, images)
        per_page[docname] = run.claims()
        if per_page[docname]:
            report += [f"## {docname}", *run.claim_reports(), ""]
    fullbook.ARTIFACTS.mkdir(exist_ok=True)
    (fullbook.ARTIFACTS / "claims-full.txt").write_text("\n".join(report))
    for docname in per_page:
        unchecked = [(s, v) for s, v in per_page[docname] if v != HOLDS]
        assert not unchecked, f"{docname}: claims not checked or not holding: {unchecked}"
    for docname in CHAPTERS_WITH_EXPERIMENTS:
        assert len(per_page.get(docname, [])) >= 2, f"{docname} checks too few claims"


def test_solutions_fold_away(book):
    for path in html_pages(book):
        for tag, attrs in parsed(path).tags:
            if tag == "div" and "solution" in classes(attrs) and "admonition" in classes(attrs):
                assert "dropdown" in classes(attrs), f"{path.name}: a solution is not a dropdown"


# --- the landing page ---------------------------------------------------------------------------


def test_landing_page_says_what_for_whom_how_and_cites_itself(book):
    text = " ".join(" ".join(parsed(book.html / "index.html").text).split())
    for phrase in (
        "Who it is for",
        "Prerequisites",
        "Three ways to use it",
        "Read it here",
        "Run any chapter in Colab",
        "Runtime → Change runtime type",
        "Do the graded assignments",
        "How to cite this book",
        "Part I, Foundations",
        "Part II, Case studies",
        "Part III, Practice",
        "Assignments",
        "Appendices",
    ):
        assert phrase in text, phrase
    version = cnnbook_book.book_version(ROOT / "src" / "cnnbook" / "__init__.py")
    assert f"Version {version}" in text and f"version {version}" in text
    assert repository()["url"] in text


def test_landing_page_lists_every_part_and_chapter(book):
    index = book.html / "index.html"
    hrefs = {a.get("href", "") for t, a in parsed(index).tags if t == "a"}
    text = " ".join(parsed(index).text)
    for part in trimmed_toc().get("parts", []):
        assert part["caption"] in text
    for docname in built_docnames()[1:]:
        assert f"{docname}.html" in hrefs, docname


# --- the extension on its own: a tiny book with a GPU notebook ----------------------------------


def _notebook(title: str, metadata: dict) -> str:
    cell = {"cell_type": "markdown", "metadata": {}, "source": f"# {title}\n\nSome text."}
    return json.dumps({"cells": [cell], "metadata": metadata, "nbformat": 4, "nbformat_minor": 5})


def test_gpu_notice_extension_on_a_minimal_book(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    (src / "gpu.ipynb").write_text(_notebook("Trains", {"accelerator": "GPU"}))
    (src / "cpu.ipynb").write_text(_notebook("Does not train", {}))
    (src / "index.md").write_text("# Tiny\n\n```{toctree}\ngpu\ncpu\n```\n")
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['myst_nb', 'cnnbook_book']\n"
        "nb_execution_mode = 'off'\n"
        "html_theme = 'sphinx_book_theme'\n"
        "html_theme_options = {'repository_url': 'https://github.com/someone/somebook',\n"
        "    'repository_branch': 'trunk',\n"
        "    'launch_buttons': {'colab_url': 'https://colab.research.google.com'}}\n"
        f"cnnbook_vendor_dir = {str(ROOT / '_vendor')!r}\n"
        f"cnnbook_version_file = {str(ROOT / 'src' / 'cnnbook' / '__init__.py')!r}\n"
        "mathjax_path = 'mathjax/tex-chtml.js'\n"
    )
    _vendor_mathjax()  # the extension warns, failing -W, when it is missing
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-n", "-q", "-b", "html", str(src), str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    gpu = (out / "gpu.html").read_text()
    assert cnnbook_book.GPU_NOTICE_CLASS in gpu
    assert cnnbook_book.GPU_NOTICE_CLASS not in (out / "cpu.html").read_text()
    link = "https://colab.research.google.com/github/someone/somebook/blob/trunk/gpu.ipynb"
    assert f'href="{link}"' in gpu
    # Under the title, before the rest of the chapter.
    assert gpu.index("<h1>Trains") < gpu.index(cnnbook_book.GPU_NOTICE_CLASS)
    assert gpu.index(cnnbook_book.GPU_NOTICE_CLASS) < gpu.index("Some text.")
    text = re.sub(r"<[^>]+>", "", gpu)
    assert "Runtime → Change runtime type" in text and "Hardware accelerator" in text
    assert (out / "_static" / "mathjax" / "tex-chtml.js").is_file()


@functools.cache
def _vendor_mathjax() -> None:
    """tools/vendor_mathjax.py: a no-op when the pinned version is already in _vendor/."""
    subprocess.run([sys.executable, str(ROOT / "tools" / "vendor_mathjax.py")], check=True)


def test_missing_mathjax_fails_the_strict_build(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "index.md").write_text("# Maths\n\n$a^2 + b^2 = c^2$\n")
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['myst_parser', 'cnnbook_book']\n"
        "myst_enable_extensions = ['dollarmath']\n"
        f"cnnbook_vendor_dir = {str(tmp_path / 'nothing')!r}\n"
        f"cnnbook_version_file = {str(ROOT / 'src' / 'cnnbook' / '__init__.py')!r}\n"
        "mathjax_path = 'mathjax/tex-chtml.js'\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(src), str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "MathJax is not vendored" in result.stderr


def test_benchmark_tables_are_tables_on_the_page(book):
    """The Performance appendix displays markdown tables: the page has them as HTML tables."""
    from cnnbook import benchmarks

    expected = 0
    for results in benchmarks.load_results(ROOT / "bench" / "results").values():
        report = benchmarks.report(results)
        expected += sum(1 for line in report.splitlines() if line.startswith("|---|"))
    page = parsed(page_path("chapters/appendices/performance"))
    assert sum(1 for tag, _ in page.tags if tag == "table") >= expected > 0
    assert "|---|" not in " ".join(page.text), "a table was shown as raw markdown"
