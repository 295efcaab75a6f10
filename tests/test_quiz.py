"""Self-check questions (cnnbook.quiz, cnnbook.quizzes): built right, one module per chapter of
Parts I-III, numbers computed by the book's functions, offline and accessible HTML, and every
notebook with a quiz showing its own."""

from __future__ import annotations

import json
import math
import re

import nbformat
import pytest
import yaml
from conftest import ROOT

from cnnbook import quiz
from cnnbook.costs import (
    bottleneck_cost,
    conv_output_size,
    conv_params,
    dense_params,
    pointwise_mults,
    same_padding,
    separable_cost,
)
from tools import add_quiz_cells

PARTS = ("Part I: Foundations", "Part II: Case studies", "Part III: Practice")


def chapters_of_parts_one_to_three() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [
        stem(entry["file"])
        for part in toc["parts"]
        if part["caption"] in PARTS
        for entry in part["chapters"]
    ]


def stem(docname: str) -> str:
    """A docname's last part: ``chapters/foundations/pooling`` -> ``pooling``."""
    return docname.rsplit("/", 1)[-1]


CHAPTERS = chapters_of_parts_one_to_three()


# --- the builders -------------------------------------------------------------------------------


def test_multiple_choice_marks_the_correct_answer_and_says_right_or_wrong():
    q = quiz.multiple_choice("Which?", {"a": "yes", "b": "no", "c": "no"}, correct="a")
    assert q["type"] == "multiple_choice"
    by_answer = {a["answer"]: a for a in q["answers"]}
    assert sorted(by_answer) == ["a", "b", "c"]
    assert by_answer["a"]["correct"] and by_answer["a"]["feedback"] == "Correct. yes"
    assert not by_answer["b"]["correct"] and by_answer["b"]["feedback"] == "Not quite. no"
    many = quiz.multiple_choice("Which two?", {"a": "y", "b": "y", "c": "n"}, correct=["a", "b"])
    assert many["type"] == "many_choice"
    kept = quiz.multiple_choice("Order?", [("z", "f"), ("a", "f")], correct="a", keep_order=True)
    assert [a["answer"] for a in kept["answers"]] == ["z", "a"]


def test_answers_are_mixed_the_same_way_every_time():
    answers = {f"answer {i}": "why" for i in range(6)}
    first = quiz.multiple_choice("Same order?", answers, correct="answer 0")
    assert first == quiz.multiple_choice("Same order?", answers, correct="answer 0")
    assert [a["answer"] for a in first["answers"]] != list(answers)  # mixed (for this text)


def test_text_is_escaped_and_backticks_are_code():
    q = quiz.multiple_choice("Is `a < b`?", {"x & y": "f", "z": "f"}, correct="z")
    assert q["question"] == "Is <code>a &lt; b</code>?"
    assert {a["answer"] for a in q["answers"]} == {"x &amp; y", "z"}


@pytest.mark.parametrize(
    ("answers", "correct", "message"),
    [
        ({"a": "f", "b": "f"}, [], "no answer is marked correct"),
        ({"a": "f", "b": "f"}, "c", "not among the answers"),
        ({"a": "f", "b": "f"}, ["a", "b"], "every answer is marked correct"),
        ({"a": "f"}, "a", "at least 2 answers"),
        ([("a", "f"), ("A ", "f")], "a", "appears twice"),
        ({"a": "f", "b": ""}, "a", "non-empty string"),
        ({"a": "costs $5", "b": "f"}, "b", "contains '\\$'"),
        ({"a": "f", "b": "f"}, ["a", "a"], "marked correct twice"),
    ],
)
def test_multiple_choice_refuses_a_broken_question(answers, correct, message):
    with pytest.raises(quiz.QuizError, match=message):
        quiz.multiple_choice("Which?", answers, correct=correct)


def test_numeric_accepts_the_value_or_its_tolerance_and_explains_mistakes():
    exact = quiz.numeric("How many?", 280, explanation="because", mistakes={270: "biases"})
    assert exact["type"] == "numeric"
    right, mistake, default = exact["answers"]
    assert right == {"type": "value", "value": 280, "correct": True, "feedback": "Correct. because"}
    assert mistake["value"] == 270 and not mistake["correct"]
    assert mistake["feedback"] == "Not quite. biases"
    assert default["type"] == "default" and default["feedback"].startswith("Not quite.")
    near = quiz.numeric("About?", 1.92, tolerance=0.01, explanation="e")
    low, high = near["answers"][0]["range"]
    assert low == pytest.approx(1.91) and 1.93 < high < 1.93 + 1e-9  # 1.93 itself is accepted


@pytest.mark.parametrize(
    ("value", "options", "message"),
    [
        (math.nan, {}, "finite number"),
        (math.inf, {}, "finite number"),
        (True, {}, "finite number"),
        ("5", {}, "finite number"),
        (5, {"tolerance": -1}, "tolerance must be >= 0"),
        (5, {"mistakes": {5: "same"}}, "within the tolerance"),
        (5, {"tolerance": 1, "mistakes": {6: "close"}}, "within the tolerance"),
        (5, {"mistakes": {math.nan: "x"}}, "finite number"),
        (5, {"explanation": " "}, "non-empty string"),
    ],
)
def test_numeric_refuses_a_broken_question(value, options, message):
    options = {"explanation": "why", **options}
    with pytest.raises(quiz.QuizError, match=message):
        quiz.numeric("How many?", value, **options)


def test_a_chapter_asks_three_to_five_distinct_questions():
    one = quiz.numeric("One?", 1, explanation="e")
    with pytest.raises(quiz.QuizError, match="3 to 5 questions, got 2"):
        quiz.checked([one, quiz.numeric("Two?", 2, explanation="e")])
    with pytest.raises(quiz.QuizError, match="asked twice"):
        quiz.checked([one, one, quiz.numeric("Two?", 2, explanation="e")])
    with pytest.raises(quiz.QuizError, match="was not made by"):
        quiz.checked([one, {"question": "x"}, quiz.numeric("Two?", 2, explanation="e")])
    with pytest.raises(quiz.QuizError, match="no questions for 'no-such-chapter'"):
        quiz.questions_of("no-such-chapter")


# --- the chapters' questions --------------------------------------------------------------------


def test_parts_one_to_three_are_all_listed():
    on_disk = {
        p.stem
        for part in ("foundations", "case-studies", "practice")
        for p in (ROOT / "chapters" / part).glob("*.ipynb")
    }
    assert set(CHAPTERS) == on_disk and {"simple-convnet", "mobilenet"} <= on_disk


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_has_three_to_five_questions(chapter):
    questions = quiz.questions_of(chapter)
    assert 3 <= len(questions) <= 5
    for question in questions:
        if question["type"] != "numeric":
            # Every answer explains itself; a wrong one says why it is wrong.
            assert all(len(a["feedback"]) > len("Not quite. ") + 10 for a in question["answers"])


def test_most_questions_are_multiple_choice_and_the_correct_answer_moves():
    questions = [q for chapter in CHAPTERS for q in quiz.questions_of(chapter)]
    choices = [q for q in questions if q["type"] != "numeric"]
    assert len(choices) > len(questions) / 2
    where = [[a["correct"] for a in q["answers"]].index(True) for q in choices]
    assert max(where.count(i) for i in set(where)) < 0.6 * len(where)


def answer(chapter: str, index: int) -> float:
    right = quiz.questions_of(chapter)[index]["answers"][0]
    assert right["correct"]
    return right["value"] if right["type"] == "value" else right["range"][0]


@pytest.mark.parametrize(
    ("chapter", "index", "expected"),
    [
        ("convolution-operation", 1, conv_output_size(8, 3)),
        ("padding-stride", 1, conv_output_size(16, 3, 1, 2)),
        ("padding-stride", 2, same_padding(5)),
        ("volumes-and-layers", 1, conv_params(5, 3, 16)),
        ("simple-convnet", 0, conv_output_size(37, 5, 0, 1)),
        ("simple-convnet", 1, conv_params(5, 10, 20)),
        ("pooling", 0, conv_output_size(13, 3, 0, 2)),
        ("full-convnet", 0, dense_params(400, 120)),
        ("full-convnet", 1, conv_params(5, 6, 16)),
        ("classic-networks", 0, conv_params(3, 3, 64)),
        ("classic-networks", 1, 2 * conv_params(3, 64, 64, bias=False)),
        ("why-resnets-work", 3, conv_params(1, 64, 128, bias=False)),
        ("one-by-one-convolutions", 2, pointwise_mults(28, 192, 32)),
        ("inception", 0, bottleneck_cost(28, 192, 5, 32, 16).bottleneck),
        ("mobilenet", 0, separable_cost(6, 3, 3, 5).separable),
        ("open-source-implementations", 1, dense_params(1280, 1000)),
        ("transfer-learning", 0, dense_params(1280, 10)),
    ],
)
def test_numeric_answers_are_the_books_computation(chapter, index, expected):
    assert answer(chapter, index) == expected


def test_numeric_answers_the_arithmetic_alone_gives():
    assert answer("padding-stride", 1) == 8  # floor(15 / 2) + 1
    assert answer("simple-convnet", 1) == 5_020
    assert answer("inception", 0) == 12_443_648
    assert answer("inception", 1) == 256  # module 3a: 64 + 128 + 32 + 32
    assert answer("mobilenet", 0) == 672
    assert answer("mobilenet", 1) == pytest.approx(8.7 - 0.1)  # 1 / (1/256 + 1/9) = 8.69
    assert answer("efficientnet", 0) == pytest.approx(1.92 - 0.01)  # 1.2 * 1.1² * 1.15²
    assert answer("state-of-computer-vision", 1) == 30


def test_every_chapter_with_numbers_asks_a_numeric_question():
    conceptual = {"why-case-studies", "residual-networks", "data-augmentation"}
    for chapter in set(CHAPTERS) - conceptual:
        kinds = {q["type"] for q in quiz.questions_of(chapter)}
        assert "numeric" in kinds, chapter


# --- the HTML -----------------------------------------------------------------------------------


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_quiz_html_loads_nothing_from_the_network_and_is_the_same_every_run(chapter):
    page = quiz.html(chapter)
    assert not re.search(r"https?:", page), re.findall(r"https?:\S+", page)
    assert not re.search(r"""(src|href)\s*=\s*["']//""", page)
    assert "<script src" not in page and "@import" not in page and "url(" not in page
    assert page == quiz.html(chapter)  # fixed id and order: nbval compares outputs
    assert page.count("<script>") == 1 and page.count('<div id="cnnbook-quiz-') == 1
    questions = json.loads(re.search(r"show_questions\((.*), root\);", page).group(1))
    assert questions == quiz.questions_of(chapter)


def test_jupyterquizs_own_code_does_load_mathjax_from_a_cdn():
    """What quiz._javascript cuts out is there to cut (so the test above can fail)."""
    import importlib.resources

    code = importlib.resources.files("jupyterquiz").joinpath("js", "show_questions.js")
    assert "cdn.jsdelivr.net" in code.read_text()
    assert "cdn.jsdelivr.net" not in quiz._javascript()


def test_show_displays_one_output_with_html_and_plain_text(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append((a, k)))
    quiz.show("pooling")
    assert len(shown) == 1
    (bundle,), options = shown[0]
    assert options == {"raw": True} and set(bundle) == {"text/html", "text/plain"}
    assert bundle["text/plain"].startswith("Check yourself: 5 questions")


def contrast(foreground: str, background: str) -> float:
    """WCAG 2.1's contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("pair", sorted(quiz.COLOUR_PAIRS))
def test_every_text_of_the_quiz_has_aa_contrast(pair):
    foreground, background = quiz.COLOUR_PAIRS[pair]
    assert contrast(foreground, background) >= 4.5, pair
    page = quiz.html("pooling")
    assert foreground in page and background in page


def test_the_accessibility_fixes_are_in_the_page():
    page = quiz.html("pooling")
    for fix in ('"aria-live", "polite"', "label.htmlFor = input.id", '"role", "radiogroup"'):
        assert fix in page


# --- the notebooks ------------------------------------------------------------------------------


def notebooks_with_a_quiz() -> list[str]:
    return [
        str(path.relative_to(ROOT))
        for path in sorted(ROOT.glob("chapters/**/*.ipynb"))
        if add_quiz_cells.has_quiz(nbformat.read(path, as_version=4))
    ]


def test_some_notebooks_have_a_quiz():
    assert "chapters/foundations/simple-convnet.ipynb" in notebooks_with_a_quiz()


@pytest.mark.parametrize("relpath", notebooks_with_a_quiz())
def test_a_notebook_with_check_yourself_shows_its_own_questions_before_the_summary(relpath):
    nb = nbformat.read(ROOT / relpath, as_version=4)
    chapter = stem(relpath.removesuffix(".ipynb"))
    calls = [
        (i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code" and "quiz.show(" in c.source
    ]
    assert len(calls) == 1, f"{relpath}: {len(calls)} cells call quiz.show"
    index, cell = calls[0]
    assert re.findall(r'quiz\.show\("([^"]+)"\)', cell.source) == [chapter]
    heading = [i for i, c in enumerate(nb.cells) if add_quiz_cells.CHECK_YOURSELF.search(c.source)]
    summary = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "markdown" and add_quiz_cells.SUMMARY.search(c.source)
    ]
    assert heading and summary and heading[0] < index < summary[0], relpath
    quiz.questions_of(chapter)  # and it has questions


def test_add_quiz_cells_inserts_once_and_splits_a_cell_holding_the_summary():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import cnnbook"),
        nbformat.v4.new_markdown_cell("Last prose.\n\n## Summary\n\n- done"),
        nbformat.v4.new_markdown_cell("## Exercises"),
    ]
    add_quiz_cells.with_quiz(nb, "pooling")
    add_quiz_cells.with_quiz(nb, "pooling")  # idempotent
    sources = [c.source for c in nb.cells]
    assert sources[1] == "Last prose."
    assert sources[2].startswith("## Check yourself")
    assert sources[3] == add_quiz_cells.quiz_source("pooling")
    assert nb.cells[3].metadata["tags"] == add_quiz_cells.TAGS
    assert sources[4] == "## Summary\n\n- done" and len(sources) == 6
    with pytest.raises(ValueError, match="no '## Summary' heading"):
        add_quiz_cells.with_quiz(nbformat.v4.new_notebook(), "pooling")
