"""The built book in a real browser: Debian's Chromium driven by Playwright, over loopback.

Every page of the smoke build (tests/test_book.py builds it once per session) is opened from a
local HTTP server with every request to another host blocked, and must load without console
errors or failed requests, with every internal link and image resolving, code outputs and
figures shown, maths typeset by the vendored MathJax, a Colab button that opens the same
notebook, the GPU notice where the notebook asks for a GPU, and solutions folded until their
toggle is clicked. The search page must find "residual". Screenshots go to
artifacts/screenshots/ (CI keeps artifacts/).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import ROOT
from test_book import (
    book,  # noqa: F401  (the session's strict smoke build, a fixture)
    built_docnames,
    cnnbook_book,
    colab_link,
    expected_outputs,
    parsed,
    source_of,
)

CHROMIUM = os.environ.get("CNNBOOK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PAGES = built_docnames() + ["genindex", "search"]
TIMEOUT_MS = 30_000

# All browser tests on one pytest-xdist worker: one Chromium per run.
pytestmark = pytest.mark.xdist_group("browser")


# --- a loopback server and a browser ------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site(book):  # noqa: F811
    """The build's html folder served on 127.0.0.1; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(book.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file():
        message = f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """One page load and everything that went wrong during it."""

    page: object
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(browser, site):
    """``open_page("chapters/x.html")`` loads a page, recording errors and blocked requests."""
    contexts = []

    def _open(path: str) -> Visit:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        visit = Visit(page)

        def route(route):
            if route.request.url.startswith(site):
                route.continue_()
            else:  # the book must work offline: nothing may come from elsewhere
                visit.external_requests.append(route.request.url)
                route.abort()

        context.route("**/*", route)
        page.on(
            "console",
            lambda m: visit.console_errors.append(m.text) if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: visit.console_errors.append(f"uncaught: {e}"))
        page.on(
            "requestfailed",
            lambda r: (
                visit.failed_requests.append(f"{r.url} ({r.failure})")
                if r.url.startswith(site)
                else None
            ),
        )
        page.on(
            "response",
            lambda r: (
                visit.failed_requests.append(f"{r.url} (HTTP {r.status})")
                if r.status >= 400
                else None
            ),
        )
        page.goto(site + path, wait_until="load", timeout=TIMEOUT_MS)
        page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
        return visit

    yield _open
    for context in contexts:
        context.close()


# --- checks -------------------------------------------------------------------------------------


def local_target(url: str, site: str, html: Path) -> tuple[Path, str]:
    """The file a same-site URL names, and its fragment."""
    parts = urlsplit(url)
    path = unquote(parts.path).lstrip("/")
    target = html / path
    if path == "" or path.endswith("/"):
        target = target / "index.html"
    return target, unquote(parts.fragment)


def ids_in(path: Path) -> set[str]:
    return {a[k] for _, a in parsed(path).tags for k in ("id", "name") if k in a}


def broken_links(visit: Visit, site: str, html: Path) -> list[str]:
    hrefs = visit.page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    broken = []
    for href in sorted(set(hrefs)):
        if not href.startswith(site):
            continue
        target, fragment = local_target(href, site, html)
        if not target.is_file():
            broken.append(f"{href} (no file)")
        elif fragment and target.suffix == ".html" and fragment not in ids_in(target):
            broken.append(f"{href} (no #{fragment})")
    return broken


IMAGES_JS = """async () => Promise.all([...document.images].map(async img => {
    img.loading = "eager";
    try { await img.decode(); } catch (e) {}
    return {src: img.currentSrc || img.src, width: img.naturalWidth,
            output: !!img.closest(".cell_output")};
}))"""

MATHS_JS = """async () => {
    const maths = document.querySelectorAll("span.math, div.math").length;
    if (!maths) return {maths, typeset: 0, errors: 0, mathjax: !!window.MathJax};
    if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
        return {maths, typeset: 0, errors: 0, mathjax: false};
    }
    await MathJax.startup.promise;
    return {maths, mathjax: true,
            typeset: document.querySelectorAll("mjx-container").length,
            errors: document.querySelectorAll("mjx-merror").length};
}"""


def page_problems(visit: Visit, docname: str, site: str, html: Path) -> list[str]:
    page = visit.page
    problems = [f"console: {m}" for m in visit.console_errors]
    problems += [f"request failed: {r}" for r in visit.failed_requests]
    problems += [f"network request (blocked): {r}" for r in visit.external_requests]
    problems += [f"broken link: {b}" for b in broken_links(visit, site, html)]

    images = page.evaluate(IMAGES_JS)
    problems += [f"image did not load: {i['src']}" for i in images if not i["width"]]

    maths = page.evaluate(MATHS_JS)
    if maths["maths"]:
        if not maths["mathjax"]:
            problems.append(f"{maths['maths']} maths elements but MathJax did not start")
        elif maths["typeset"] < maths["maths"]:
            problems.append(f"maths: {maths['typeset']} typeset of {maths['maths']}")
        if maths["errors"]:
            problems.append(f"maths: {maths['errors']} TeX errors")

    source = source_of(docname)
    colab = set(
        page.eval_on_selector_all(
            "a[href*='colab.research.google.com']", "els => els.map(e => e.href)"
        )
    )
    notice = page.locator(f".{cnnbook_book.GPU_NOTICE_CLASS}")
    if source is not None and source.suffix == ".ipynb":
        if colab != {colab_link(docname)}:
            problems.append(f"Colab links {colab}, expected {colab_link(docname)}")
        download = page.locator("a.btn-download-source-button")
        hrefs = [download.nth(i).get_attribute("href") for i in range(download.count())]
        if not any(h.endswith(f"_sources/{docname}.ipynb") for h in hrefs):
            problems.append(f"no .ipynb download button (found {hrefs})")
        cells, figures = expected_outputs(docname)
        outputs = page.locator(".cell_output").count()
        shown = sum(1 for i in images if i["output"] and i["width"])
        if outputs < cells:
            problems.append(f"{outputs} output areas shown for {cells} cells with output")
        if shown < figures:
            problems.append(f"{shown} figures shown, the notebook made {figures}")
        wants_gpu = cnnbook_book.wants_gpu(cnnbook_book.notebook_metadata(source))
        if wants_gpu and not (
            notice.count() == 1
            and notice.is_visible()
            and "Runtime → Change runtime type" in notice.inner_text()
        ):
            problems.append("the notebook asks for a GPU but the page shows no GPU notice")
        if not wants_gpu and notice.count():
            problems.append("GPU notice on a notebook that does not ask for a GPU")
    else:
        if colab:
            problems.append(f"Colab links on a page that is not a notebook: {colab}")
        if notice.count():
            problems.append("GPU notice on a page that is not a notebook")
    problems += solution_problems(page)
    problems += sideways_problems(page)
    problems += alt_text_problems(page)
    problems += accessibility_problems(page)
    return problems


# Code and output blocks wider than the column they sit in (they would scroll sideways),
# folded cells (the bootstrap's) opened first, as a reader may.
# Math display blocks are left out: MathJax lays them out itself.
SIDEWAYS_JS = """() => { document.querySelectorAll("details").forEach(d => { d.open = true; });
    return [...document.querySelectorAll(
        "div.cell_input pre, div.cell_output pre, div.highlight pre, div.cell_output table")]
    .filter(el => el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1)
    .map(el => {
        const lines = (el.innerText.trim() ? el.innerText : el.textContent).split("\\n");
        const widest = lines.reduce((a, b) => (b.length > a.length ? b : a), "");
        return {kind: el.closest(".cell_output") ? "output" : "code",
                overflow: el.scrollWidth - el.clientWidth,
                widest: widest.slice(0, 100), characters: widest.length};
    }); }"""


def sideways_problems(page) -> list[str]:
    """Each code or output block that scrolls sideways at this viewport, with its widest line."""
    return [
        f"{b['kind']} block scrolls sideways by {b['overflow']} px at 1280 px; widest line "
        f"({b['characters']} characters): {b['widest']!r}"
        for b in page.evaluate(SIDEWAYS_JS)
    ]


ALT_JS = """() => [...document.querySelectorAll("div.cell_output img, figure img, img.figure")]
    .map(img => ({src: img.getAttribute("src"), alt: (img.getAttribute("alt") || "").trim()}))"""


def alt_text_problems(page) -> list[str]:
    """Every figure says what it shows: an alt text that is not empty nor its own file name."""
    problems = []
    for image in page.evaluate(ALT_JS):
        name = image["src"].rsplit("/", 1)[-1]
        if not image["alt"] or name in image["alt"] or image["alt"].endswith((".png", ".svg")):
            problems.append(f"figure {name} has no alt text (alt={image['alt']!r})")
    return problems


# WCAG 2.1 level AA, as axe-core tags its rules; the impacts a page may not have.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("critical", "serious")


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 AA violations on the loaded page (axe-playwright-python's copy)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]},
    )
    return results.response["violations"]


# Opening a folded cell or a solution fades its body in (myst-nb and sphinx-togglebutton: 0.3 s
# of opacity); axe measures contrast through that opacity, so on a busy machine a half-faded
# comment failed color-contrast. Every animation that ends is let finish before axe runs.
ANIMATIONS_DONE_JS = """() => Promise.all(document.getAnimations()
    .filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
    .map(a => a.finished.catch(() => null)))"""


def accessibility_problems(page) -> list[str]:
    page.evaluate(ANIMATIONS_DONE_JS)
    return [
        f"axe {v['impact']}: {v['id']} ({v['help']}) on {len(v['nodes'])} elements, e.g. "
        f"{v['nodes'][0]['target']}"
        for v in axe_violations(page)
        if v["impact"] in FAILING_IMPACTS
    ]


def solution_problems(page) -> list[str]:
    """Each solution's body is hidden until its toggle button is clicked, then shown."""
    problems = []
    solutions = page.locator("div.solution.admonition")
    for i in range(solutions.count()):
        solution = solutions.nth(i)
        name = solution.get_attribute("id") or f"solution {i + 1}"
        body = solution.locator(":scope > :not(.admonition-title)")
        if body.count() == 0:
            problems.append(f"{name} is empty")
            continue
        if any(body.nth(j).is_visible() for j in range(body.count())):
            problems.append(f"{name} is visible before its toggle is clicked")
        button = solution.locator("button.toggle-button")
        if button.count() != 1:
            problems.append(f"{name} has {button.count()} toggle buttons")
            continue
        button.scroll_into_view_if_needed()
        button.click()
        try:
            body.first.wait_for(state="visible", timeout=5_000)
        except Exception:
            problems.append(f"{name} stays hidden after its toggle is clicked")
    return problems


# --- the tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("docname", PAGES)
def test_page_in_a_browser(docname, open_page, site, book):  # noqa: F811
    visit = open_page(f"{docname}.html")
    problems = page_problems(visit, docname, site, book.html)
    assert not problems, f"{docname}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("docname", PAGES)
def test_page_fits_a_phone(docname, browser, site):
    """On a 390 px phone screen the page itself never scrolls sideways (code blocks may)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(site + f"{docname}.html", wait_until="load", timeout=TIMEOUT_MS)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        view = page.evaluate("() => window.innerWidth")
    finally:
        context.close()
    assert width <= view, f"{docname}: the page is {width} px wide on a {view} px screen"


FADING_IN = """<!doctype html><html lang="en"><head><title>fading in</title><style>
@keyframes fade { from { opacity: 0; } to { opacity: 1; } }
details[open] > pre { animation: fade 1.5s linear; }
pre { color: #595959; background: #ffffff; }
</style></head><body><main><h1>A folded cell</h1><details><summary>Show code</summary>
<pre># a comment that is legible once it has faded in (contrast 7.0)</pre></details>
</main></body></html>"""


def test_axe_waits_for_a_folded_cell_to_fade_in(browser):
    """A block still fading in is half transparent: axe, run at once, calls it illegible.

    The fold of this page fades in over 1.5 s (the book's over 0.3 s, which a busy CI machine
    overran on two pages); accessibility_problems must judge the text as it ends up.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_content(FADING_IN)
        page.evaluate('() => document.querySelectorAll("details").forEach(d => { d.open = true; })')
        assert accessibility_problems(page) == []
    finally:
        context.close()


def test_solutions_open_on_click_somewhere(open_page):
    """At least one built page has a folded solution, so the check above is exercised."""
    pages = [d for d in built_docnames() if "solution" in (source_of(d).read_text())]
    assert pages, "no page of the book has a solution yet"
    visit = open_page(f"{pages[0]}.html")
    assert visit.page.locator("div.solution.dropdown button.toggle-button").count() >= 1
    assert solution_problems(visit.page) == []


def test_search_finds_residual(open_page, site):
    visit = open_page("search.html?q=residual")
    results = visit.page.locator("#search-results ul.search li")
    results.first.wait_for(state="visible", timeout=TIMEOUT_MS)
    hrefs = visit.page.eval_on_selector_all(
        "#search-results ul.search li a", "els => els.map(e => e.href)"
    )
    assert results.count() >= 1 and any(h.startswith(site) for h in hrefs)
    assert not visit.console_errors and not visit.failed_requests


def screenshot_targets() -> dict[str, str]:
    docs = built_docnames()
    chapters = [
        d
        for d in docs
        if d.startswith("chapters/")
        and "/assignments/" not in d
        and source_of(d).suffix == ".ipynb"
    ]
    # A chapter with figures (as the build executed it), and the first assignment.
    with_figures = [d for d in chapters if expected_outputs(d)[1]]
    assignments = [d for d in docs if d.startswith("chapters/assignments/")]
    assert with_figures and assignments, "the book has chapters with figures and assignments"
    return {"landing": docs[0], "chapter": with_figures[0], "assignment": assignments[0]}


@pytest.mark.parametrize("kind", ["landing", "chapter", "assignment"])
def test_screenshot(kind, open_page):
    docname = screenshot_targets()[kind]
    visit = open_page(f"{docname}.html")
    visit.page.evaluate(MATHS_JS)  # let MathJax finish before the picture
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{kind}.png"
    visit.page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000, f"{target} is suspiciously small"


# --- self-check questions (cnnbook.quiz) --------------------------------------------------------


def quiz_pages() -> list[str]:
    """The chapter pages whose notebook has a "Check yourself" section."""
    import nbformat

    from tools.add_quiz_cells import CHECK_YOURSELF

    def has_quiz(source: Path) -> bool:
        cells = nbformat.read(source, as_version=4).cells
        return any(c.cell_type == "markdown" and CHECK_YOURSELF.search(c.source) for c in cells)

    return [
        d
        for d in built_docnames()
        if (source := source_of(d)) is not None and source.suffix == ".ipynb" and has_quiz(source)
    ]


def test_every_chapter_of_parts_one_to_three_is_a_quiz_page():
    """Without it, an empty list of quiz pages would skip the quiz test instead of failing."""
    chapters = [
        d
        for d in built_docnames()
        if d.startswith(("chapters/foundations/", "chapters/case-studies/", "chapters/practice/"))
    ]
    assert len(chapters) >= 18 and quiz_pages() == chapters


def _shown(html_text: str) -> str:
    """Quiz HTML (a question's feedback) as the page shows it: tags dropped, one-spaced."""
    import html
    import re

    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", html_text)).split())


def quiz_problems(page, chapter: str) -> list[str]:
    """The quiz renders every question, and each right answer (and a wrong one) gets its
    feedback: clicked for multiple choice, typed and Enter for numbers."""
    from cnnbook import quiz

    questions = quiz.questions_of(chapter)
    root = page.locator(f'div[id="{quiz.quiz_id(chapter)}"]')
    if root.count() != 1:
        return [f"{root.count()} quiz containers for {chapter}"]
    wraps = root.locator(".Quiz")
    if wraps.count() != len(questions):
        return [f"the quiz shows {wraps.count()} of {len(questions)} questions"]
    problems = []
    wrong_tried = False
    for i, question in enumerate(questions):
        wrap, feedback = wraps.nth(i), wraps.nth(i).locator(".Feedback")
        right = next(a for a in question["answers"] if a.get("correct"))
        if question["type"] == "numeric":
            value = right["value"] if right["type"] == "value" else sum(right["range"]) / 2
            box = wrap.locator("input.Input-text")
            if box.get_attribute("aria-describedby") is None:
                problems.append(f"question {i + 1}: the input is not described by its question")
            box.click()
            box.type(f"{value:g}" if isinstance(value, float) else str(value))
            box.press("Enter")
        else:
            labels = wrap.locator("label.MCButton")
            labels.nth(question["answers"].index(right)).click()
        if _shown(feedback.inner_text()) != _shown(right["feedback"]):
            problems.append(f"question {i + 1}: feedback {feedback.inner_text()!r}")
        if question["type"] != "numeric" and not wrong_tried:
            wrong = next(a for a in question["answers"] if not a["correct"])
            wrap.locator("label.MCButton").nth(question["answers"].index(wrong)).click()
            if _shown(feedback.inner_text()) != _shown(wrong["feedback"]):
                problems.append(f"question {i + 1}: wrong answer gave {feedback.inner_text()!r}")
            wrong_tried = True
    return problems


@pytest.mark.parametrize("docname", quiz_pages())
def test_quiz_renders_and_answers_on_click(docname, open_page):
    visit = open_page(f"{docname}.html")
    problems = quiz_problems(visit.page, docname.rsplit("/", 1)[-1])
    problems += [f"console: {m}" for m in visit.console_errors]
    problems += [f"network request (blocked): {r}" for r in visit.external_requests]
    assert not problems, f"{docname}:\n  " + "\n  ".join(problems)
