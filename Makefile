# Two commands from a fresh clone: `make book` and `make test`. See README.md.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.cnnbook-installed
# Offline sources beside the checkout (documented in README.md): used when present.
SHARED ?= $(abspath ../shared)
ifneq ($(wildcard $(SHARED)/data/sign-language-digits),)
export CNNBOOK_DATA_DIR ?= $(SHARED)/data
endif
ifneq ($(wildcard $(SHARED)/weights),)
export CNNBOOK_WEIGHTS_DIR ?= $(SHARED)/weights
endif
export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONUNBUFFERED := 1

.PHONY: book test bench lint format lock clean help assignments grade broken

help:
	@echo "make book   - set up, execute every chapter, write _build/html/index.html"
	@echo "make test   - set up, run the whole test suite (lint, units, notebooks, strict build)"
	@echo "make format - strip outputs and format notebooks and code"
	@echo "make assignments - student notebooks + autograders into _build/assignments/"
	@echo "make grade SUBMISSIONS=<folder> - grade every submission there, scores in _build/grades.csv"
	@echo "make broken - the project's deliberately wrong solutions graded: what each mistake costs"
	@echo "make bench  - benchmarks into bench/results/ (BENCH='kernels models ...' to pick)"

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $@

# Full mode unless CNNBOOK_SMOKE=1; strict, so a failing notebook fails the build.
# The execution cache keys on code cells only, so a smoke build gets its own output folder and
# can never hand its shrunken outputs to a full build.
ifeq ($(CNNBOOK_SMOKE),1)
BOOK_OUT := _build/smoke
else
BOOK_OUT := .
endif

book: $(STAMP)
	$(BIN)/python -m tools.vendor_mathjax
	$(BIN)/jupyter-book build -W -n --keep-going --path-output $(BOOK_OUT) .
	@echo "Open $(BOOK_OUT)/_build/html/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest

# Benchmarks (bench/__init__.py lists the sections); the performance appendix renders them.
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH)

# Graded assignments (otter-grader): instructor/<name>/<name>.ipynb -> _build/assignments/<name>/
# student/ (hand out) and autograder/<name>-autograder.zip (hidden tests). See tools/assign.py.
assignments: $(STAMP)
	$(BIN)/python -m tools.assign build

# Grades every notebook or otter zip under SUBMISSIONS with `otter run` (no Docker), each in a
# bubblewrap sandbox (tools/sandbox.py); a student is the first folder under SUBMISSIONS. One CSV
# row per student and question. JOBS=N grades N at once; GRADE_OPTIONS passes other flags.
GRADES ?= _build/grades.csv
JOBS ?= 1
GRADE_OPTIONS ?=
grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=<folder> [JOBS=N]"; exit 2; }
	$(BIN)/python -m tools.grading "$(SUBMISSIONS)" --out "$(GRADES)" --jobs $(JOBS) $(GRADE_OPTIONS)

# The project's deliberately wrong solutions (tests/broken_solutions/), with the solution and
# the blank notebook, graded as submissions: each should lose points on the question it names.
# Smoke sizes (a few batches): what the tests catch does not depend on how long a model trains.
broken: assignments
	$(BIN)/python -m tools.assign broken --out _build/broken
	CNNBOOK_SMOKE=1 $(BIN)/python -m tools.grading _build/broken --out _build/broken-grades.csv

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/python -m tools.nbconventions format
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock: $(STAMP)
	{ echo "# Exact pins that 'make' and CI install (Python 3.11, CPU). Regenerate with 'make lock'."; \
	  echo "# GPU machines: swap tensorflow-cpu for tensorflow of the same version."; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v -i '^cnnbook' | sort -f; } > requirements.lock

clean:
	rm -rf _build
