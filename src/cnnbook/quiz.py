"""Self-check questions with instant feedback, shown by jupyterquiz in the book and in Colab.

A chapter ends its teaching with a few questions (``cnnbook.quizzes.<chapter>.questions()``)
and shows them with ``quiz.show("<chapter>")``. The questions are the dictionaries jupyterquiz
reads (Shea, *jupyterquiz*, https://github.com/jmshea/jupyterquiz), built and checked here:
``multiple_choice`` and ``numeric``. Numeric answers come from the book's own functions
(``cnnbook.costs``), never typed in.

``html(chapter)`` is one self-contained HTML output: the quiz's ``<div>``, its styles and one
inline ``<script>`` with jupyterquiz's own code. Unlike ``jupyterquiz.display_quiz`` it

- gives the quiz a fixed id and keeps the questions and answers in the order written (two runs
  of a chapter print the same output, as tests/test_reproducible.py requires);
- is one output, not an HTML and a Javascript output (one output box per cell);
- loads nothing from the network: jupyterquiz's fallback that fetches MathJax from a CDN is
  cut out and its MathJax calls are kept away from the page's MathJax (questions are plain
  text; ``$`` is refused);
- adds what WCAG 2.1 AA asks for and jupyterquiz lacks: an accessible name for the numeric
  input, a radio group named by its question, feedback announced by screen readers, a visible
  keyboard focus, and colours of sufficient contrast on a fixed background, so the quiz reads
  the same in the book's light and dark themes and in Colab;
- starts every feedback with "Correct." or "Not quite.", so colour is not the only cue.

Taught in every chapter of Parts I-III, under *Check yourself* (e.g. *A simple convolutional
network*).
"""

from __future__ import annotations

import hashlib
import html as html_escape
import importlib
import importlib.resources
import json
import math
import re
from collections.abc import Iterable, Mapping
from numbers import Real

CORRECT = "Correct."
WRONG = "Not quite."
JS_FILES = ("helpers.js", "multiple_choice.js", "numeric.js", "show_questions.js")

# Colours on the quiz's own background: each text/background pair has a contrast ratio of at
# least 4.5 (WCAG 2.1 AA, tests/test_quiz.py computes them).
BACKGROUND = "#f7f5fa"
TEXT = "#1a1a1a"
PALETTE = {
    "--jq-multiple-choice-bg": "#392061",
    "--jq-many-choice-bg": "#392061",
    "--jq-numeric-bg": "#392061",
    "--jq-mc-button-bg": "#fafafa",
    "--jq-mc-button-border": "#6b6b6b",
    "--jq-mc-button-inset-shadow": "#555555",
    "--jq-numeric-input-bg": "#ffffff",
    "--jq-numeric-input-label": TEXT,
    "--jq-numeric-input-shadow": "#999999",
    "--jq-string-bg": "#392061",
    "--jq-incorrect-color": "#a4161a",
    "--jq-correct-color": "#1e6b34",
    "--jq-text-color": "#fafafa",
    "--jq-link-color": "#c9d6ff",
}
# (text, background) pairs the quiz shows; tests/test_quiz.py checks their contrast.
COLOUR_PAIRS = {
    "question": ("#fafafa", "#392061"),
    "answer button": ("#333333", "#fafafa"),
    "chosen right answer": ("#fafafa", "#1e6b34"),
    "chosen wrong answer": ("#fafafa", "#a4161a"),
    "right feedback": ("#1e6b34", BACKGROUND),
    "wrong feedback": ("#a4161a", BACKGROUND),
    "input label": (TEXT, BACKGROUND),
    "typed answer": (TEXT, "#ffffff"),
}


class QuizError(ValueError):
    """A question that cannot be shown as written; the message says what to change."""


# --- building the questions ---------------------------------------------------------------------


def _text(value, what: str) -> str:
    """``value`` as quiz HTML: checked, escaped, `backticks` as code."""
    if not isinstance(value, str) or not value.strip():
        raise QuizError(f"{what} must be a non-empty string, got {value!r}")
    if "$" in value:
        raise QuizError(
            f"{what} contains '$', which jupyterquiz would read as maths; the quiz has no "
            f"maths typesetting, so write it in plain text: {value!r}"
        )
    escaped = html_escape.escape(" ".join(value.split()), quote=False)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


def arranged(items: list, key: str) -> list:
    """``items`` in an order fixed by ``key`` (a sha256 of it): mixed, yet the same every run."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    ranks = {i: hashlib.sha256(digest + bytes([i])).digest() for i in range(len(items))}
    return [items[i] for i in sorted(ranks, key=ranks.get)]


def multiple_choice(
    question: str, answers: Mapping[str, str] | Iterable, correct, *, keep_order: bool = False
) -> dict:
    """A question with several answers, each with its feedback, one or more of them correct.

    ``answers`` maps each answer's text to the feedback shown when it is chosen (for a wrong
    answer: why it is wrong); it may also be a list of (answer, feedback) pairs. ``correct`` is
    one answer's text or a list of them. The answers are shown in an order fixed by the
    question's text (``arranged``), so the correct one is not always where it was written and
    two runs show the same page; ``keep_order=True`` keeps the order given (a scale, say).
    """
    q = _text(question, "the question")
    pairs = list(answers.items()) if isinstance(answers, Mapping) else list(answers)
    if len(pairs) < 2:
        raise QuizError(f"{question!r}: a multiple-choice question needs at least 2 answers")
    if any(not (isinstance(p, tuple | list) and len(p) == 2) for p in pairs):
        raise QuizError(f"{question!r}: answers must map each answer to its feedback")
    correct = [correct] if isinstance(correct, str) else list(correct)
    if not correct:
        raise QuizError(f"{question!r}: no answer is marked correct")
    texts = [a for a, _ in pairs]
    seen: dict[str, str] = {}
    for text in texts:
        key = " ".join(str(text).split()).casefold()
        if key in seen:
            raise QuizError(f"{question!r}: the answer {text!r} appears twice")
        seen[key] = text
    unknown = [c for c in correct if c not in texts]
    if unknown:
        raise QuizError(f"{question!r}: the correct answers {unknown} are not among the answers")
    if len(set(correct)) != len(correct):
        raise QuizError(f"{question!r}: an answer is marked correct twice")
    if len(correct) == len(texts):
        raise QuizError(f"{question!r}: every answer is marked correct, so nothing is asked")
    built = []
    for text, feedback in pairs:
        right = text in correct
        verdict = CORRECT if right else WRONG
        built.append(
            {
                "answer": _text(text, f"{question!r}: an answer"),
                "correct": right,
                "feedback": f"{verdict} {_text(feedback, f'the feedback on {text!r}')}",
            }
        )
    built = built if keep_order else arranged(built, question)
    kind = "multiple_choice" if len(correct) == 1 else "many_choice"
    return {"question": q, "type": kind, "answers": built}


def _finite(value, what: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise QuizError(f"{what} must be a finite number, got {value!r}")
    return int(value) if float(value).is_integer() else float(value)


def numeric(
    question: str,
    value,
    *,
    explanation: str,
    tolerance=0,
    mistakes: Mapping | None = None,
    hint: str = "Work it out step by step, as in the chapter, and try again.",
) -> dict:
    """A question answered with a number, typed in and checked on Enter.

    ``value`` is the answer, computed by the book's code; ``tolerance`` the largest accepted
    distance from it (0: exactly ``value``). ``explanation`` is shown with a right answer;
    ``mistakes`` maps the numbers of common slips (computed too) to what went wrong; any other
    number gets ``hint``.
    """
    q = _text(question, "the question")
    value = _finite(value, f"{question!r}: the answer")
    tolerance = _finite(tolerance, f"{question!r}: the tolerance")
    if tolerance < 0:
        raise QuizError(f"{question!r}: the tolerance must be >= 0, got {tolerance}")
    right = f"{CORRECT} {_text(explanation, f'{question!r}: the explanation')}"
    if tolerance == 0:
        answers = [{"type": "value", "value": value, "correct": True, "feedback": right}]
    else:
        # jupyterquiz accepts low <= x < high; nextafter keeps value + tolerance inside.
        high = math.nextafter(value + tolerance, math.inf)
        answers = [
            {
                "type": "range",
                "range": [value - tolerance, high],
                "correct": True,
                "feedback": right,
            }
        ]
    for wrong, why in (mistakes or {}).items():
        wrong = _finite(wrong, f"{question!r}: a mistake's number")
        if abs(wrong - value) <= tolerance:
            raise QuizError(
                f"{question!r}: the mistake {wrong} is within the tolerance of the answer {value}"
            )
        answers.append(
            {
                "type": "value",
                "value": wrong,
                "correct": False,
                "feedback": f"{WRONG} {_text(why, f'the feedback on {wrong}')}",
            }
        )
    answers.append({"type": "default", "feedback": f"{WRONG} {_text(hint, 'the hint')}"})
    return {"question": q, "type": "numeric", "answers": answers}


def checked(questions: list[dict], chapter: str = "the chapter") -> list[dict]:
    """``questions`` if it holds 3 to 5 questions made by the builders above."""
    if not isinstance(questions, list) or not 3 <= len(questions) <= 5:
        count = len(questions) if isinstance(questions, list) else questions
        raise QuizError(f"{chapter}: a chapter asks 3 to 5 questions, got {count}")
    for question in questions:
        if not isinstance(question, dict) or question.get("type") not in (
            "multiple_choice",
            "many_choice",
            "numeric",
        ):
            raise QuizError(f"{chapter}: {question!r} was not made by quiz.multiple_choice/numeric")
    texts = [q["question"] for q in questions]
    if len(set(texts)) != len(texts):
        raise QuizError(f"{chapter}: a question is asked twice")
    return questions


# --- the chapters' questions --------------------------------------------------------------------


def module_name(chapter: str) -> str:
    """``"simple-convnet"`` -> ``"cnnbook.quizzes.simple_convnet"``."""
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", chapter or ""):
        raise QuizError(f"a chapter is named by its file name without .ipynb, got {chapter!r}")
    return "cnnbook.quizzes." + chapter.replace("-", "_")


def questions_of(chapter: str) -> list[dict]:
    """The checked questions of one chapter (its file name, e.g. ``"simple-convnet"``)."""
    try:
        module = importlib.import_module(module_name(chapter))
    except ModuleNotFoundError as error:
        if error.name != module_name(chapter):
            raise
        raise QuizError(f"no questions for {chapter!r}: write {module_name(chapter)}") from None
    return checked(module.questions(), chapter)


# --- the HTML -----------------------------------------------------------------------------------

URL = re.compile(r"https?://[^\s'\"<>)]*")


def _javascript() -> str:
    """jupyterquiz's question code, with its network fallback (a MathJax CDN) cut out."""
    folder = importlib.resources.files("jupyterquiz").joinpath("js")
    code = "\n".join(folder.joinpath(name).read_text(encoding="utf-8") for name in JS_FILES)
    # The only URL in it loads MathJax from a CDN (unreachable anyway: MathJax is shadowed).
    return URL.sub("", code)


ACCESSIBILITY_JS = """
root.querySelectorAll(".Quiz").forEach(function (wrap) {
  var question = wrap.querySelector("[id^=quizQn]");
  var answers = wrap.querySelector(".Answer");
  var feedback = wrap.querySelector(".Feedback");
  if (feedback) {
    feedback.setAttribute("role", "status");
    feedback.setAttribute("aria-live", "polite");
  }
  var input = wrap.querySelector("input.Input-text");
  if (input) {
    var label = wrap.querySelector("label.InpLabel");
    label.htmlFor = input.id;
    label.textContent = "Your answer (press Enter to check):";
    input.setAttribute("inputmode", "decimal");
    input.setAttribute("autocomplete", "off");
    if (question) input.setAttribute("aria-describedby", question.id);
  } else if (answers && question) {
    answers.setAttribute("role", "radiogroup");
    answers.setAttribute("aria-labelledby", question.id);
  }
});
root.dataset.rendered = "true";
"""


def _styles(quiz_id: str) -> str:
    css = importlib.resources.files("jupyterquiz").joinpath("styles.css").read_text("utf-8")
    palette = "".join(f"  {name}: {colour};\n" for name, colour in PALETTE.items())
    scope = f"#{quiz_id}"
    return (
        f"{css}\n{scope} {{\n{palette}  background: {BACKGROUND}; color: {TEXT};\n"
        "  padding: 0.25rem 0.75rem 0.75rem; border: 1px solid #6b6b6b;\n}\n"
        f"{scope} .Quiz {{ font-size: 1.05rem; line-height: 1.4; }}\n"
        f"{scope} .MCButton {{ color: #333333; font-size: 1rem; }}\n"
        f"{scope} .MCButton:focus-within {{ outline: 3px solid {TEXT}; outline-offset: 2px; }}\n"
        f"{scope} .sr-only {{ position: absolute; width: 1px; height: 1px; padding: 0;"
        " margin: -1px; overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap;"
        " border: 0; }\n"
        f"{scope} .Feedback {{ font-size: 1rem; padding: 0.25rem; }}\n"
        f"{scope} .InpLabel {{ font-size: 1rem; color: {TEXT}; }}\n"
        f"{scope} .Input-text {{ color: {TEXT}; background-color: #ffffff;"
        " border: 1px solid #6b6b6b; }\n"
        f"{scope} .Input-text:focus {{ outline: 3px solid {TEXT}; }}\n"
        # A chosen answer turns green or red (jupyterquiz's animation): light text on it.
        f"{scope} .correctButton, {scope} .incorrectButton,"
        f" {scope} .correctButton *, {scope} .incorrectButton * {{"
        f" color: {PALETTE['--jq-text-color']}; }}\n"
        f"{scope} .Quiz code {{ background-color: #e8e8e8; color: {TEXT}; }}\n"
    )


def quiz_id(chapter: str) -> str:
    return "cnnbook-quiz-" + chapter


def html(chapter: str, questions: list[dict] | None = None) -> str:
    """One chapter's quiz as one HTML fragment with its styles and inline script."""
    questions = checked(questions if questions is not None else questions_of(chapter), chapter)
    ident = quiz_id(chapter)
    data = json.dumps(questions, ensure_ascii=False).replace("</", "<\\/")
    script = (
        "(function () {\n"
        "var MathJax;  // questions are plain text: keep jupyterquiz off the page's MathJax\n"
        f"{_javascript()}\n"
        f"var root = document.querySelector('div[id=\"{ident}\"]:not([data-rendered])');\n"
        "if (!root) return;\n"
        f"show_questions({data}, root);\n"
        f"{ACCESSIBILITY_JS}"
        "})();\n"
    )
    return (
        f'<div id="{ident}" class="cnnbook-quiz" data-shufflequestions="False" '
        'data-shuffleanswers="False" data-preserveresponses="false" '
        f'data-numquestions="{len(questions)}" data-maxwidth="700" '
        'style="border-radius: 10px; text-align: left" '
        f'role="group" aria-label="Check yourself: {len(questions)} questions"></div>\n'
        f"<style>\n{_styles(ident)}</style>\n"
        f"<script>\n{script}</script>\n"
    )


def plain_text(questions: list[dict]) -> str:
    """The questions without the interaction, for a reader that shows no HTML."""
    lines = [f"Check yourself: {len(questions)} questions (interactive in the book and Colab)."]
    for number, question in enumerate(questions, 1):
        lines.append(
            f"{number}. {html_escape.unescape(re.sub('<[^>]+>', '', question['question']))}"
        )
        for answer in question["answers"] if question["type"] != "numeric" else []:
            text = html_escape.unescape(re.sub("<[^>]+>", "", answer["answer"]))
            lines.append(f"   - {text}")
    return "\n".join(lines)


def show(chapter: str) -> None:
    """Display one chapter's questions (one HTML output with a plain-text fallback)."""
    from IPython.display import display

    questions = questions_of(chapter)
    bundle = {"text/html": html(chapter, questions), "text/plain": plain_text(questions)}
    display(bundle, raw=True)
