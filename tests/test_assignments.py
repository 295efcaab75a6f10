"""The graded assignments, end to end in smoke mode.

For each instructor notebook under instructor/: otter assign builds the student notebook and the
autograder; graded with `otter run` (python -m tools.grading, what `make grade` runs) the
instructor's solutions score full marks and the untouched student notebook zero; every
deliberately broken solution under tests/broken_solutions/<name>/, and every realistic wrong
submission of a reviewer's in tests/reviewer_mistakes.py (other mistakes, each a patch of the
solution's cell), loses points on the question it names and only there; the cells the grader skips
(tagged otter_ignore) define nothing a test needs; the packaged public tests and the book page
are in step with the instructor notebook. For the first assignment, bad submissions (one that
raises, loops forever, prints nonsense, deletes files, is not a notebook at all) each lose only
their own points and the grading run finishes.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import io
import shutil
import symtable
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from reviewer_mistakes import MISTAKES, Mistake

from cnnbook.assignments import NAMES, install_tests, public_tests
from tools.assign import (
    OTTER_ONLY_TAG,
    autograder_zip,
    book_page,
    broken_question,
    broken_submissions,
    master,
    otter_assign,
    sync,
    with_mistake,
)
from tools.grading import grade, main
from tools.nbconventions import autograder_requirement, problems, with_requirements

ASSIGNMENTS = [name for name in NAMES if master(name).exists()]
BROKEN = ROOT / "tests" / "broken_solutions"
BROKEN_CASES = [
    pytest.param(name, path, id=f"{name}/{path.stem}")
    for name in ASSIGNMENTS
    for path in sorted((BROKEN / name).glob("*.py"))
]
# The tag of the cells otter run leaves out when it grades (otter.execute.preprocessor).
OTTER_IGNORE_TAG = "otter_ignore"
FIRST = "conv-step-by-step"
# Assignments whose broken solutions each name the question that must lose points
# (QUESTION = "..."); with the reference helpers in the tests, the others keep theirs.
NAMED = ("conv-step-by-step", "convnet-keras", "residual-networks", "transfer-learning-mobilenet")


def group(name: str):
    """Tests of one assignment share its build: keep them on one xdist worker."""
    return pytest.mark.xdist_group(f"assignment-{name}")


def per_assignment(names):
    return [pytest.param(n, marks=group(n), id=n) for n in names]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """``built(name)``: otter assign's output folder for ``name``, made once per worker."""
    root = tmp_path_factory.mktemp("assignments")
    done = {}

    def build(name: str) -> Path:
        if name not in done:
            otter_assign(name, root / name)
            done[name] = root
        return done[name]

    return build


def graded(tmp_path: Path, autograders: Path, submissions: dict[str, Path | str], **options):
    """Grade ``{student: notebook path or text}`` (students named zipped* hand in a zip).

    Returns ``{student: {question: (score, possible)}}`` and ``{student: note}``.
    """
    folder = tmp_path / "submissions"
    for student, source in submissions.items():
        (folder / student).mkdir(parents=True)
        target = folder / student / "submission.ipynb"
        if isinstance(source, Path):
            target.write_bytes(source.read_bytes())
        elif student.startswith("zipped"):  # what otter's export hands in
            with zipfile.ZipFile(target.with_suffix(".zip"), "w") as zf:
                zf.writestr(f"{FIRST}.ipynb", source)
        else:
            target.write_text(source)
    out = tmp_path / "grades.csv"
    options = {"jobs": 2, "cell_timeout": 60, "timeout": 600, **options}
    grade(folder, autograders, out, **options)
    scores, notes = {}, {}
    with open(out) as handle:
        for row in csv.DictReader(handle):
            scores.setdefault(row["student"], {})[row["question"]] = (
                float(row["score"]),
                float(row["possible"]),
            )
            if row["question"] == "total":
                notes[row["student"]] = row["note"]
    return scores, notes


def autograder_notebook(root: Path, name: str) -> nbformat.NotebookNode:
    return nbformat.read(root / name / "autograder" / f"{name}.ipynb", as_version=4)


def _defines(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


def with_cell_replaced(nb, function: str, new_source: str):
    """A copy of ``nb`` in which the cell defining ``function`` becomes ``new_source``."""
    nb = nbformat.from_dict(nb)
    cell = next(c for c in nb.cells if c.cell_type == "code" and function in _defines(c.source))
    cell.source = new_source
    return nb


# --- the instructor's sources -----------------------------------------------------------------


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_instructor_notebook_follows_the_conventions(name):
    assert problems(master(name)) == []
    bootstrap = nbformat.read(master(name), as_version=4).cells[0].source
    assert '"cnnbook[grading] @' in bootstrap, "on Colab the bootstrap must install otter too"


def test_the_config_requirement_follows_the_book_version():
    config = (
        "# ASSIGNMENT CONFIG\nname: x\nrequirements:\n  - cnnbook @ old.zip\ninit_cell: false\n"
    )
    fixed = with_requirements(config, "grading")
    assert fixed.count("requirements:") == 1 and "old.zip" not in fixed
    assert f"  - {autograder_requirement('grading')}\ninit_cell: false" in fixed
    assert with_requirements(fixed, "grading") == fixed
    bare = with_requirements("# ASSIGNMENT CONFIG\nname: x\n", "grading")
    assert bare.startswith("# ASSIGNMENT CONFIG\nrequirements:\n  - cnnbook[grading] @ https://")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_autograder_zip_installs_the_package_a_grading_container_needs(name, built):
    """Gradescope builds its container from the zip's environment.yml: without cnnbook there,
    every submission's first cell fails (import cnnbook) and scores zero."""
    import yaml

    with zipfile.ZipFile(autograder_zip(built(name), name)) as zf:
        environment = yaml.safe_load(zf.read("environment.yml"))
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert autograder_requirement("grading") in pip
    assert any(p.startswith("otter-grader") for p in pip)


@pytest.mark.xdist_group("assignments-sync")
def test_packaged_public_tests_and_book_pages_are_in_step_with_the_instructor_notebooks():
    stale = sync(ASSIGNMENTS, check=True)
    assert not stale, f"run `python -m tools.assign sync`: out of step: {stale}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_book_page_shows_solutions_hidden_and_no_grader_markup(name):
    page = book_page(name)
    text = "\n".join(c.source for c in page.cells)
    markers = ("BEGIN SOLUTION", "# SOLUTION", "BEGIN QUESTION", "BEGIN TESTS", "grader.", "IGNORE")
    for marker in markers:
        assert marker not in text, f"{marker!r} leaks into the book page"
    assert not [c for c in page.cells if OTTER_ONLY_TAG in c.metadata.get("tags", [])]
    assert any("hide-input" in c.metadata.get("tags", []) for c in page.cells)


def test_install_tests_copies_the_public_tests(tmp_path):
    dest = install_tests(FIRST, tmp_path / "tests")
    assert sorted(p.name for p in dest.iterdir()) == [p.name for p in public_tests(FIRST)]
    for test in dest.iterdir():
        assert "hidden=True" not in test.read_text(), "hidden tests must stay in the autograder"
    with pytest.raises(ValueError, match="unknown assignment"):
        install_tests("no-such-assignment", tmp_path)


# --- grading ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", per_assignment(ASSIGNMENTS))
def test_instructor_solutions_score_full_marks_and_the_student_notebook_zero(name, built, tmp_path):
    root = built(name)
    student = root / name / "student" / f"{name}.ipynb"
    instructor = root / name / "autograder" / f"{name}.ipynb"
    scores, notes = graded(tmp_path, root, {"instructor": instructor, "student": student})
    total, possible = scores["instructor"]["total"]
    assert possible > 0
    assert total == possible, (scores["instructor"], notes["instructor"])
    assert scores["student"]["total"][0] == 0, scores["student"]


_SOLUTION_ENVIRONMENTS: dict[str, dict] = {}


def notebook_environment(nb: nbformat.NotebookNode) -> dict:
    """The variables left by running ``nb``'s code in this process.

    Like otter, a failing cell does not stop the run, and cells tagged otter_ignore are left
    out. The bootstrap's work is done by ``cnnbook.setup()``, and the grader's own cells are
    skipped.
    """
    env: dict = {"__name__": "__main__"}
    exec("import cnnbook\ncnnbook.setup(verbose=False)", env)  # seeds, offline weights
    for cell in [c for c in nb.cells if c.cell_type == "code"][1:]:
        tags = cell.metadata.get("tags", [])
        if OTTER_ONLY_TAG in tags or OTTER_IGNORE_TAG in tags or "grader." in cell.source:
            continue
        with contextlib.suppress(Exception), contextlib.redirect_stdout(io.StringIO()):
            exec(compile(cell.source, "<notebook>", "exec"), env)
    return env


def solution_environment(root: Path, name: str) -> dict:
    """The variables left by running the solution notebook, once per assignment."""
    if name not in _SOLUTION_ENVIRONMENTS:
        _SOLUTION_ENVIRONMENTS[name] = notebook_environment(autograder_notebook(root, name))
    return _SOLUTION_ENVIRONMENTS[name]


def score_in_process(
    root: Path, name: str, broken: Path | Mistake | None, by_question: bool = False
) -> tuple[float, float] | dict[str, tuple[float, float]]:
    """The autograder's tests (hidden ones included) on the solution with ``broken``'s
    definitions swapped in (a broken solution's file, or a reviewer's patch of the solution's
    cell); the solution's own variables are restored afterwards.

    The same tests as ``otter run``, without a kernel and a notebook run per broken solution.
    A mistake that is a whole exercise cell (a broken solution's, or a reviewer's patched cell)
    runs in its place, after the cells before it only (run after the solution's cell, it would
    find the solution's state).
    Returns (score, possible), or with ``by_question`` {question: (score, possible)}.
    """
    from otter.test_files.exception_test import ExceptionTestFile

    solution = autograder_notebook(root, name)
    code, env = None, None
    if isinstance(broken, Mistake):
        mistaken = broken.applied(solution)
        if broken.cell is not None:
            env = notebook_environment(mistaken)
        else:
            code = next(
                c.source
                for c, s in zip(mistaken.cells, solution.cells, strict=True)
                if c.source != s.source
            )
    elif broken is not None:
        code = broken.read_text()
        if not _defines(code):
            env, code = notebook_environment(with_mistake(solution, broken)), None
    env = env if env is not None else solution_environment(root, name)
    folder = root / name / "hidden-tests"
    with zipfile.ZipFile(autograder_zip(root, name)) as zf:
        zf.extractall(folder, [m for m in zf.namelist() if m.startswith("tests/")])
    saved = dict(env)
    scores = {}
    try:
        if code is not None:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(code, str(getattr(broken, "name", broken)), "exec"), env)
        for test in sorted((folder / "tests").glob("*.py")):
            test_file = ExceptionTestFile.from_file(str(test))
            with contextlib.redirect_stdout(io.StringIO()):
                test_file.run(env)
            scores[test_file.name] = (test_file.score, test_file.possible)
            messages = [r.message for r in test_file.test_case_results if not r.passed]
            _FAILURES[(name, broken, test_file.name)] = messages
    finally:  # the same dict object: the solution's functions look their helpers up in it
        env.clear()
        env.update(saved)
    if by_question:
        return scores
    return sum(s for s, _ in scores.values()), sum(p for _, p in scores.values())


_FAILURES: dict = {}


def assert_loses_points_on_its_question(name: str, broken: Path | Mistake, root: Path) -> None:
    """The solution with ``broken``'s mistake loses points on the question it names, and only
    there, with feedback that says in a sentence what was expected."""
    scores = score_in_process(root, name, broken, by_question=True)
    score = sum(s for s, _ in scores.values())
    possible = sum(p for _, p in scores.values())
    assert possible > 0
    if isinstance(broken, Mistake):
        question, why = broken.question, broken.why
    else:
        question, why = broken_question(broken), broken.read_text().splitlines()[0]
    assert score < possible, f"{broken.name} ({why}) got full marks"
    if name not in NAMED:  # not yet marked with the question it names
        return
    assert question in scores, f"{broken.name}: QUESTION = {question!r} is no graded question"
    lost = {q: s for q, (s, p) in scores.items() if s < p}
    assert set(lost) == {question}, f"{broken.name} should lose points on {question} only: {lost}"
    for message in _FAILURES[(name, broken, question)]:
        reason = message.splitlines()[-1]  # a mistake that raises is its own feedback
        if reason.startswith("AssertionError"):
            assert len(reason.split()) >= 6, (
                f"{broken.name}: the feedback should say in a sentence what was expected: {message}"
            )


@pytest.mark.parametrize(
    ("name", "broken"),
    [pytest.param(*p.values, marks=group(p.values[0]), id=p.id) for p in BROKEN_CASES],
)
def test_broken_solution_scores_less_than_full_marks(name, broken, built):
    """Each mistake loses points on the question it names, and only there."""
    assert_loses_points_on_its_question(name, broken, built(name))


@pytest.mark.parametrize("name", per_assignment(ASSIGNMENTS))
def test_reviewer_mistakes_lose_points_on_their_question_only(name, built):
    """Each of a reviewer's realistic wrong submissions (a hard-coded input shape, a stride
    left at its default, a cache of the padded input, a second softmax in the loss...) scores
    less than full marks, on the question it names only: the hidden tests compare behaviour
    with the reference, not layer lists. One test per assignment, so that its cases share one
    build and one run of the solution (pytest-xdist's loadgroup does not keep the
    parametrized cases of an assignment on one worker here)."""
    failures = []
    for mistake in MISTAKES[name]:
        try:
            assert_loses_points_on_its_question(name, mistake, built(name))
        except AssertionError as error:
            failures.append(f"{mistake.name}: {error}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_reviewer_set_differs_from_the_broken_set(name):
    cases = MISTAKES.get(name, [])
    assert len(cases) >= 4, f"{name}: at least four realistic wrong submissions"
    assert len({c.name for c in cases}) == len(cases), f"{name}: two mistakes share a name"
    broken = {p.stem for p in (BROKEN / name).glob("*.py")}
    for case in cases:
        assert case.name not in broken, f"{case.name} is already a broken solution"


def _test_arguments(source: str) -> set[str]:
    """The names the test functions in ``source`` take: what the notebook must define."""
    return {
        arg.arg
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
        for arg in node.args.args
    }


def _cell_names(source: str) -> set[str]:
    """The names a cell binds at its top level (assignments, definitions, imports)."""
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.For | ast.With):
            targets = getattr(node, "targets", None) or [
                getattr(node, "target", None),
                *[item.optional_vars for item in getattr(node, "items", [])],
            ]
            for target in targets:
                if target is not None:
                    names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def _global_names_used(source: str) -> set[str]:
    """The notebook-level names that ``source`` reads: at its top level, or as globals inside
    its functions (their local variables are not the notebook's)."""

    def walk(table) -> set[str]:
        names = {
            symbol.get_name()
            for symbol in table.get_symbols()
            if symbol.is_referenced() and (table.get_type() == "module" or symbol.is_global())
        }
        return names.union(*(walk(child) for child in table.get_children()))

    return walk(symtable.symtable(source, "<cell>", "exec"))


@pytest.mark.parametrize("name", per_assignment(ASSIGNMENTS))
def test_the_cells_the_grader_skips_define_nothing_a_test_needs(name, built):
    """otter run leaves out the cells tagged otter_ignore (training that no test needs): none
    of them may define a name that a test, public or hidden, takes, or that a cell the grader
    runs uses (an import a solution needs, say) without defining it itself."""
    root = built(name)
    with zipfile.ZipFile(autograder_zip(root, name)) as zf:
        tested = set().union(
            *(
                _test_arguments(zf.read(m).decode())
                for m in zf.namelist()
                if m.startswith("tests/") and m.endswith(".py")
            )
        )
    assert tested, f"{name}: no test arguments found"
    code = [c for c in autograder_notebook(root, name).cells if c.cell_type == "code"]
    skipped = [c for c in code if OTTER_IGNORE_TAG in c.metadata.get("tags", [])]
    kept = [c for c in code if OTTER_IGNORE_TAG not in c.metadata.get("tags", [])]
    used = set().union(*(_global_names_used(c.source) for c in kept))
    defined = set().union(*(_cell_names(c.source) for c in kept))
    for cell in skipped:
        clash = _cell_names(cell.source) & tested
        assert not clash, f"{name}: a cell tagged {OTTER_IGNORE_TAG} defines {clash}, tested"
        missing = (_cell_names(cell.source) & used) - defined
        assert not missing, f"{name}: only a cell tagged {OTTER_IGNORE_TAG} defines {missing}"
    if name == "residual-networks":  # the whole network's training: no test needs it
        assert any(".fit(" in c.source for c in skipped), "the training cell should be skipped"


@pytest.mark.parametrize("name", per_assignment(ASSIGNMENTS))
def test_in_process_scoring_gives_the_instructor_solutions_full_marks(name, built):
    """The check that makes the broken-solution test mean something."""
    score, possible = score_in_process(built(name), name, None)
    assert possible > 0 and score == possible


@pytest.mark.parametrize("name", NAMED)
def test_every_broken_solution_names_its_question(name):
    for case in sorted((BROKEN / name).glob("*.py")):
        assert broken_question(case), f'{case.name}: add QUESTION = "<question>"'


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_at_least_five_broken_solutions(name):
    assert len(list((BROKEN / name).glob("*.py"))) >= 5


@group(FIRST)
def test_bad_submissions_lose_only_their_own_points(built, tmp_path):
    root = built(FIRST)
    good = autograder_notebook(root, FIRST)
    raises = with_cell_replaced(good, "conv_forward", 'raise RuntimeError("half-finished")')
    loops = with_cell_replaced(good, "pool_forward", "while True:  # never ends\n    pass")
    nonsense = nbformat.from_dict(good)
    nonsense.cells.insert(
        3,
        nbformat.v4.new_code_cell(
            "import sys\nfor i in range(2000):\n"
            "    print('Total Score: 999 / 10', chr(0), 'garbage' * 20)\n"
            "    print('\\x1b[2J nonsense', file=sys.stderr)"
        ),
    )
    deletes = nbformat.from_dict(good)
    deletes.cells.append(
        nbformat.v4.new_code_cell(
            "import pathlib, shutil\n"
            "shutil.rmtree('tests', ignore_errors=True)\n"
            "for p in pathlib.Path('.').iterdir():\n"
            "    p.unlink() if p.is_file() else shutil.rmtree(p, ignore_errors=True)"
        )
    )
    submissions = {
        "good": root / FIRST / "autograder" / f"{FIRST}.ipynb",
        "raises": nbformat.writes(raises),
        "loops": nbformat.writes(loops),
        "nonsense": nbformat.writes(nonsense),
        "deletes": nbformat.writes(deletes),
        "not-a-notebook": "this is not JSON {",
        "zipped": nbformat.writes(good),
    }
    scores, notes = graded(tmp_path, root, submissions, cell_timeout=20)
    full = scores["good"]["total"][1]
    assert scores["good"]["total"][0] == full, notes["good"]
    assert scores["zipped"]["total"][0] == full, notes["zipped"]
    assert scores["nonsense"]["total"][0] == full, "printing cannot change a score"
    assert scores["raises"]["conv_forward"][0] == 0
    assert scores["raises"]["total"][0] == full - scores["raises"]["conv_forward"][1]
    assert scores["loops"]["pool_forward"][0] == 0
    assert scores["loops"]["total"][0] == full - scores["loops"]["pool_forward"][1]
    assert "deletes" in scores and scores["deletes"]["total"][0] <= full
    assert scores["not-a-notebook"]["total"][0] == 0
    assert "not a readable notebook" in notes["not-a-notebook"]


@group(FIRST)
def test_a_submission_that_never_finishes_is_stopped_and_scores_zero(built, tmp_path):
    root = built(FIRST)
    stubborn = with_cell_replaced(
        autograder_notebook(root, FIRST),
        "zero_pad",
        "import time\nwhile True:  # swallows the grader's per-cell alarm too\n"
        "    try:\n        time.sleep(1)\n    except BaseException:\n        pass",
    )
    scores, notes = graded(tmp_path, root, {"stubborn": nbformat.writes(stubborn)}, timeout=15)
    assert scores["stubborn"]["total"][0] == 0
    assert "TimeoutError" in notes["stubborn"]


@group(FIRST)
def test_grading_takes_relative_paths_from_the_callers_folder(built, tmp_path, monkeypatch):
    """`python -m tools.grading SUBMISSIONS --autograders DIR` with relative paths, as
    instructors type them: the broken solutions written by `broken` lose points, the solution
    scores full marks, the blank zero."""
    root = built(FIRST)
    autograders = tmp_path / "instructor" / "autograders"
    autograders.mkdir(parents=True)
    (autograders / FIRST).symlink_to(root / FIRST)
    monkeypatch.chdir(tmp_path / "instructor")
    broken = BROKEN / FIRST / "conv_single_step_bias_forgotten.py"
    written = broken_submissions(Path("autograders"), Path("subs"), [FIRST])
    assert len(written) == 2 + len(list((BROKEN / FIRST).glob("*.py")))
    for path in Path("subs").iterdir():  # keep three: the solution, the blank, one mistake
        if path.name not in {f"{FIRST}.solution", f"{FIRST}.blank", f"{FIRST}.{broken.stem}"}:
            shutil.rmtree(path)
    argv = ["subs", "--autograders", "autograders", "--out", "grades.csv"]
    assert main([*argv, "--jobs", "2", "--cell-timeout", "60"]) == 0
    with open("grades.csv") as handle:
        rows = {(r["student"], r["question"]): r for r in csv.DictReader(handle)}
    solution, blank = rows[(f"{FIRST}.solution", "total")], rows[(f"{FIRST}.blank", "total")]
    assert float(solution["score"]) == float(solution["possible"]) > 0, solution
    assert float(blank["score"]) == 0, blank
    mistake = f"{FIRST}.{broken.stem}"
    for (student, question), row in rows.items():
        if student == mistake and question != "total":
            lost = float(row["score"]) < float(row["possible"])
            assert lost == (question == "conv_single_step"), row
