"""The graded assignments: generate them from the instructor notebooks (grading them is
``tools.grading``).

    python -m tools.assign build [--out DIR] [--no-run-tests] [NAME ...]
        otter assign each instructor notebook instructor/<name>/<name>.ipynb into
        DIR/<name>/student (the notebook to hand out, with its public tests) and
        DIR/<name>/autograder (<name>-autograder.zip, with the hidden tests);
        DIR defaults to _build/assignments
    python -m tools.assign sync [NAME ...]
        regenerate what the repository keeps in step with the instructor notebooks: the public
        tests packaged in src/cnnbook/assignments/<name>/tests and the book page
        chapters/assignments/<name>.ipynb
    python -m tools.assign check [NAME ...]
        exit 1 if `sync` would change anything
    python -m tools.assign broken [--autograders DIR] [--out DIR] [NAME ...]
        write submissions to grade: for each deliberately broken solution
        tests/broken_solutions/<name>/<case>.py, the solution notebook with that mistake
        (DIR/<name>.<case>/<name>.ipynb), and the solution itself and the blank student
        notebook (<name>.solution, <name>.blank); DIR defaults to _build/broken. Then
        `make grade SUBMISSIONS=_build/broken` (or `make broken`) shows what each mistake costs.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from cnnbook.assignments import NAMES
from tools.nbconventions import formatted

ROOT = Path(__file__).resolve().parents[1]
MASTERS = ROOT / "instructor"
PACKAGED = ROOT / "src" / "cnnbook" / "assignments"
CHAPTERS = ROOT / "chapters" / "assignments"
BROKEN = ROOT / "tests" / "broken_solutions"
BIN = Path(sys.executable).parent
OTTER = str(BIN / "otter") if (BIN / "otter").exists() else "otter"

# Cells only the graded notebook needs (grader set-up, export): left out of the book page.
OTTER_ONLY_TAG = "otter-only"
# Cells only the book page shows (a note on where the graded notebook comes from): their first
# line, "# IGNORE", makes otter assign leave them out of the student and autograder notebooks.
BOOK_ONLY_TAG = "book-only"
SOLUTION_LINE = re.compile(r"\s*# SOLUTION\s*$")
SOLUTION_BLOCK = re.compile(r"^\s*# (BEGIN|END) SOLUTION\s*$")


def master(name: str) -> Path:
    return MASTERS / name / f"{name}.ipynb"


# --- generation -------------------------------------------------------------------------------


def otter_assign(name: str, out: Path, run_tests: bool = False) -> Path:
    """Run otter assign for ``name`` into ``out``; return the autograder zip (stable name)."""
    if out.exists():
        shutil.rmtree(out)
    command = [OTTER, "assign", *([] if run_tests else ["--no-run-tests"]), master(name).name]
    env = {**os.environ, "CNNBOOK_SMOKE": os.environ.get("CNNBOOK_SMOKE", "1")}
    done = subprocess.run(
        [*command, str(out.resolve())],
        cwd=master(name).parent,
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode != 0:
        raise RuntimeError(f"otter assign {name} failed:\n{done.stdout}\n{done.stderr}")
    zips = sorted((out / "autograder").glob(f"{name}-autograder_*.zip"))
    if len(zips) != 1:
        raise RuntimeError(f"otter assign {name}: expected one autograder zip, found {zips}")
    stable = out / "autograder" / f"{name}-autograder.zip"
    zips[0].rename(stable)
    return stable


def autograder_zip(root: Path, name: str) -> Path:
    return root / name / "autograder" / f"{name}-autograder.zip"


def book_page(name: str) -> nbformat.NotebookNode:
    """The book's page for ``name``: the instructor notebook with solutions, without grader markup.

    Raw otter cells and test cells go, and so do cells tagged ``otter-only``; cells tagged
    ``book-only`` lose their "# IGNORE" line; solution cells keep their code (markers removed)
    and are tagged ``hide-input``, so the book shows a toggle.
    """
    nb = nbformat.read(master(name), as_version=4)
    cells, in_tests, in_solution = [], False, False
    for cell in nb.cells:
        text = cell.source.strip()
        if cell.cell_type == "raw":
            first = text.splitlines()[0] if text else ""
            in_tests = {"# BEGIN TESTS": True, "# END TESTS": False}.get(first, in_tests)
            in_solution = {"# BEGIN SOLUTION": True, "# END SOLUTION": False}.get(
                first, in_solution
            )
            continue
        if in_tests or OTTER_ONLY_TAG in cell.metadata.get("tags", []):
            continue
        if BOOK_ONLY_TAG in cell.metadata.get("tags", []):  # otter drops it: "# IGNORE" first
            cell.source = re.sub(r"^#\s*IGNORE\s*\n", "", cell.source, flags=re.IGNORECASE)
        if cell.cell_type == "code" and in_solution:
            lines = [SOLUTION_LINE.sub("", line) for line in cell.source.splitlines()]
            cell.source = "\n".join(line for line in lines if not SOLUTION_BLOCK.match(line))
            cell.metadata["tags"] = [*cell.metadata.get("tags", []), "hide-input"]
        cells.append(cell)
    nb.cells = cells
    return nb


def _cell_view(nb) -> list[tuple[str, str, tuple[str, ...], dict]]:
    """What the book page keeps of each cell: its type, source, tags and myst-nb options (a
    figure's alt text, ``"mystnb": {"image": {"alt": ...}}``, set on the instructor's cell)."""
    return [
        (c.cell_type, c.source, tuple(c.metadata.get("tags", [])), c.metadata.get("mystnb", {}))
        for c in nb.cells
    ]


def sync(names: list[str], check: bool = False) -> list[str]:
    """Regenerate (or, with ``check``, compare) the packaged public tests and the book pages."""
    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            out = Path(tmp) / name
            otter_assign(name, out)
            fresh = {p.name: p.read_text() for p in (out / "student" / "tests").glob("*.py")}
            packaged = PACKAGED / name / "tests"
            current = {p.name: p.read_text() for p in packaged.glob("*.py")}
            if fresh != current:
                stale.append(str(packaged.relative_to(ROOT)))
                if not check:
                    shutil.rmtree(packaged, ignore_errors=True)
                    packaged.mkdir(parents=True)
                    for file, text in fresh.items():
                        (packaged / file).write_text(text)
            page = CHAPTERS / f"{name}.ipynb"
            fresh_page = formatted(book_page(name))
            current_page = nbformat.read(page, as_version=4) if page.exists() else None
            if current_page is None or (current_page.metadata, _cell_view(current_page)) != (
                fresh_page.metadata,
                _cell_view(fresh_page),
            ):
                stale.append(str(page.relative_to(ROOT)))
                if not check:
                    page.parent.mkdir(parents=True, exist_ok=True)
                    nbformat.write(fresh_page, page)
    return stale


# --- broken solutions as submissions ---------------------------------------------------------


def broken_question(case: Path) -> str | None:
    """The question a broken solution names: its ``QUESTION = "..."`` line (None if absent)."""
    found = re.search(r'^QUESTION = "([^"]+)"', case.read_text(), re.MULTILINE)
    return found.group(1) if found else None


def _defined_functions(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def _assigned_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    } - {"QUESTION"}


def with_mistake(solution: nbformat.NotebookNode, case: Path) -> nbformat.NotebookNode:
    """The solution notebook with the mistake of ``case`` in it.

    A case that defines functions: they are appended to the cell that defines the same
    function, so they run where a student's answer would (before that question's
    ``grader.check``). A case that defines none is a whole exercise cell written wrong: it
    replaces the solution's cell that assigns the same names.
    """
    nb = nbformat.from_dict(solution)
    code = case.read_text()
    functions = _defined_functions(code)
    if not functions:
        names = _assigned_names(code)
        cell = next(
            (c for c in nb.cells if c.cell_type == "code" and names & _assigned_names(c.source)),
            None,
        )
        if cell is None:
            raise SystemExit(f"{case}: no cell of the solution assigns any of {sorted(names)}")
        cell.source = f"# A deliberate mistake ({case.name}):\n{code}"
        return nb
    for function in sorted(functions):
        cell = next(
            c
            for c in nb.cells
            if c.cell_type == "code" and function in _defined_functions(c.source)
        )
        cell.source = f"{cell.source}\n\n\n# A deliberate mistake ({case.name}):\n{code}"
    return nb


def broken_submissions(autograders: Path, out: Path, names: list[str]) -> list[Path]:
    """Write the broken solutions, the solution and the blank notebook of ``names`` as
    submissions under ``out`` (one student folder each); return the notebooks written."""
    written = []
    for name in names:
        built = autograders / name
        solution_path = built / "autograder" / f"{name}.ipynb"
        if not solution_path.exists():
            raise SystemExit(f"no autograder for {name} in {autograders}: make assignments")
        solution = nbformat.read(solution_path, as_version=4)
        cases = {
            "solution": solution,
            "blank": nbformat.read(built / "student" / f"{name}.ipynb", as_version=4),
        }
        for case in sorted((BROKEN / name).glob("*.py")):
            cases[case.stem] = with_mistake(solution, case)
        for case, nb in cases.items():
            target = out / f"{name}.{case}" / f"{name}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, target)
            written.append(target)
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build")
    build.add_argument("names", nargs="*", default=list(NAMES))
    build.add_argument("--out", type=Path, default=ROOT / "_build" / "assignments")
    build.add_argument("--no-run-tests", action="store_true")
    for command in ("sync", "check"):
        commands.add_parser(command).add_argument("names", nargs="*", default=list(NAMES))
    broken = commands.add_parser("broken")
    broken.add_argument("names", nargs="*", default=list(NAMES))
    broken.add_argument("--autograders", type=Path, default=ROOT / "_build" / "assignments")
    broken.add_argument("--out", type=Path, default=ROOT / "_build" / "broken")
    args = parser.parse_args(argv)

    names = [n for n in getattr(args, "names", []) if master(n).exists()]
    if args.command == "build":
        for name in names:
            zip_path = otter_assign(name, args.out / name, run_tests=not args.no_run_tests)
            print(f"{name}: {args.out / name / 'student' / (name + '.ipynb')} and {zip_path}")
        return 0
    if args.command == "broken":
        written = broken_submissions(args.autograders.resolve(), args.out.resolve(), names)
        print(f"{len(written)} submissions in {args.out}: make grade SUBMISSIONS={args.out}")
        return 0
    if args.command in ("sync", "check"):
        stale = sync(names, check=args.command == "check")
        for path in stale:
            print(f"{'out of step' if args.command == 'check' else 'rewrote'}: {path}")
        return 1 if stale and args.command == "check" else 0
    raise AssertionError(args.command)  # argparse admits only the commands above


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
