"""One split everywhere: no chapter or assignment trains on the book's test photos.

*Why look at case studies?* promises one train/validation/test split of the sign-language
digits for the whole book (``cnnbook.data.load_splits``): a photo is in the same part in every
chapter, and no model is trained on a test photo. Three kinds of check hold the book to it:

1. every notebook that touches the photos loads them only through ``load_splits`` with the
   book's seed: no ``image_dataset_from_directory``, no ``validation_split``, no split of its
   own; a notebook that opens the photo files itself (to show one) trains nothing;
2. ``load_splits``' three parts are disjoint by file, cover every file, hold exactly the files
   they list, and are the same across calls, image sizes and class subsets (a subset's test
   photos are test photos of the whole set);
3. no ``fit`` in any notebook is given the test part: directly, or through a variable, a tuple,
   a loop, a lambda's default or a helper function's parameter.

The static checkers also run on deliberate violations, so a checker that let everything through
fails here.
"""

from __future__ import annotations

import ast
import collections
import hashlib
import re
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT

from cnnbook.data import load_splits, signs_classes

NOTEBOOKS = sorted(
    p
    for folder in ("chapters", "instructor")
    for p in (ROOT / folder).rglob("*.ipynb")
    if ".ipynb_checkpoints" not in p.parts and "_build" not in p.parts
)
REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "sign-language-digits"
needs_real_data = pytest.mark.skipif(
    not REAL.is_dir(), reason="needs ../shared/data (present in CI)"
)

# --- the static checks of notebook code --------------------------------------------------------

# A notebook touches the photos when it uses the book's data layer or names the data set.
TOUCHES_PHOTOS = re.compile(r"cnnbook\.data|load_splits|locate\(|sign-language-digits|image_dir")
# Ways to read or split an image folder other than load_splits: forbidden wherever the photos
# are touched (image_dataset_from_directory and keras.datasets everywhere).
FORBIDDEN_EVERYWHERE = {"image_dataset_from_directory"}
KERAS_DATASETS = re.compile(r"\bkeras\.datasets\b|from keras import datasets")
FORBIDDEN_WITH_PHOTOS = {
    "validation_split",
    "train_test_split",
    "split_dataset",
    "file_paths",
    "StratifiedShuffleSplit",
    "ShuffleSplit",
    "KFold",
    "StratifiedKFold",
}
TRAINING_CALLS = {"fit", "fit_transform", "partial_fit", "train_on_batch"}
# A variable named as test data: test, x_test, X_test, test_dataset (not TEST_FRACTION).
TEST_NAME = re.compile(r"(^|_)test($|_)")


def code_cells(path: Path) -> list[str]:
    """The code of each code cell as Python, IPython magics and shell lines made into calls.

    IPython's own transformer does it, so a continued ``!=`` line is not mistaken for a shell
    command (a regular expression on ``!`` at a line's start was).
    """
    from IPython.core.inputtransformer2 import TransformerManager

    nb = nbformat.read(path, as_version=4)
    transform = TransformerManager().transform_cell
    return [transform(cell.source) for cell in nb.cells if cell.cell_type == "code"]


def _identifiers(tree: ast.AST) -> set[str]:
    """Names, attributes, keyword arguments and imported names used in ``tree``."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            found.add(node.arg)
        elif isinstance(node, ast.alias):
            found.update(node.name.split("."))
    return found


def loading_problems(cells: list[str]) -> list[str]:
    """How a notebook's code (one string per cell) breaks the one-split rule; [] if it does not."""
    source = "\n".join(cells)
    tree = ast.parse(source)
    used = _identifiers(tree)
    problems = [f"uses {name}" for name in sorted(FORBIDDEN_EVERYWHERE & used)]
    if KERAS_DATASETS.search(source):
        problems.append("uses keras.datasets")
    if not TOUCHES_PHOTOS.search(source):
        return problems
    problems += [f"uses {name}" for name in sorted(FORBIDDEN_WITH_PHOTOS & used)]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called_name(node) == "load_splits":
            if any(k.arg == "seed" for k in node.keywords) or len(node.args) > 1:
                problems.append(f"load_splits with a seed of its own: {ast.unparse(node)}")
    if "image_dir" in used and TRAINING_CALLS & used:
        problems.append("opens the photo files itself (image_dir) and also trains a model")
    return problems


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


class TestDataFlow:
    """Follows, statement by statement, which names may hold test data, and reports every
    training call (``fit`` and the like) given any of them."""

    __test__ = False  # not a pytest class

    def __init__(self):
        self.tainted: set[str] = set()
        self.functions: dict[str, ast.FunctionDef] = {}
        self.violations: list[str] = []
        self._calls_followed: set[tuple[str, frozenset[str]]] = set()
        self.training_calls = 0

    # expressions

    def refers_to_test(self, node: ast.AST | None, tainted: set[str]) -> bool:
        if node is None:
            return False
        called = {id(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}
        for sub in ast.walk(node):
            if isinstance(sub, ast.Attribute) and sub.attr == "test":
                return True
            if isinstance(sub, ast.Constant) and sub.value == "test":
                return True
            if isinstance(sub, ast.Name) and sub.id in tainted:
                return True
            # a variable named as test data (not a function such as train_test_split)
            if isinstance(sub, ast.Name) and id(sub) not in called and TEST_NAME.search(sub.id):
                return True
        return False

    def _local_taint(self, expression: ast.AST, tainted: set[str]) -> set[str]:
        """``tainted`` plus lambda parameters and comprehension variables bound to test data."""
        local = set(tainted)
        for _ in range(3):  # nested bindings settle in a few rounds
            for node in ast.walk(expression):
                if isinstance(node, ast.Lambda):
                    args = node.args
                    positional = [*args.posonlyargs, *args.args]
                    pairs = list(
                        zip(
                            positional[len(positional) - len(args.defaults) :],
                            args.defaults,
                            strict=True,
                        )
                    )
                    pairs += [
                        (a, d)
                        for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                        if d is not None
                    ]
                    for arg, default in pairs:
                        if self.refers_to_test(default, local):
                            local.add(arg.arg)
                elif isinstance(node, ast.comprehension):
                    if self.refers_to_test(node.iter, local):
                        local.update(name for name, _ in _target_names(node.target))
        return local

    def check(self, expression: ast.AST, tainted: set[str]) -> None:
        local = self._local_taint(expression, tainted)
        for node in ast.walk(expression):
            if not isinstance(node, ast.Call):
                continue
            arguments = [*node.args, *(k.value for k in node.keywords)]
            if _called_name(node) in TRAINING_CALLS and isinstance(node.func, ast.Attribute):
                self.training_calls += 1
                if any(self.refers_to_test(a, local) for a in arguments):
                    self.violations.append(f"line {node.lineno}: {ast.unparse(node)[:120]}")
            if isinstance(node.func, ast.Name) and node.func.id in self.functions:
                self._follow(self.functions[node.func.id], node, local)

    def _follow(self, function: ast.FunctionDef, call: ast.Call, tainted: set[str]) -> None:
        """Run ``function``'s body with the parameters that ``call`` gives test data."""
        args = function.args
        positional = [a.arg for a in [*args.posonlyargs, *args.args]]
        dirty = {
            name
            for name, value in zip(positional, call.args, strict=False)
            if self.refers_to_test(value, tainted)
        }
        dirty |= {k.arg for k in call.keywords if k.arg and self.refers_to_test(k.value, tainted)}
        if any(isinstance(a, ast.Starred) for a in call.args) and self.refers_to_test(
            call, tainted
        ):
            dirty |= set(positional)
        key = (function.name, frozenset(dirty))
        if not dirty or key in self._calls_followed:
            return
        self._calls_followed.add(key)
        inside = (set(tainted) - set(positional)) | dirty
        self.statements(function.body, inside)

    # statements

    def bind(self, target: ast.AST, value: ast.AST | None, tainted: set[str]) -> None:
        elements = (ast.Tuple, ast.List)
        value = _spread(value, target)
        if (
            isinstance(target, elements)
            and isinstance(value, elements)
            and len(target.elts) == len(value.elts)
            and not any(isinstance(e, ast.Starred) for e in (*target.elts, *value.elts))
        ):
            for t, v in zip(target.elts, value.elts, strict=True):
                self.bind(t, v, tainted)
            return
        dirty = self.refers_to_test(value, tainted)
        for name, whole in _target_names(target):
            if dirty:
                tainted.add(name)
            elif whole:
                tainted.discard(name)

    def statements(self, body: list[ast.stmt], tainted: set[str]) -> set[str]:
        for statement in body:
            self.statement(statement, tainted)
        return tainted

    def statement(self, node: ast.stmt, tainted: set[str]) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.functions[node.name] = node
            for default in [*node.args.defaults, *node.args.kw_defaults]:
                if default is not None:
                    self.check(default, tainted)
            params = {
                a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            }
            self.statements(node.body, set(tainted) - params)
        elif isinstance(node, ast.ClassDef):
            self.statements(node.body, set(tainted))
        elif isinstance(node, ast.Assign):
            self.check(node.value, tainted)
            for target in node.targets:
                self.bind(target, node.value, tainted)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            if node.value is not None:
                self.check(node.value, tainted)
                if isinstance(node, ast.AnnAssign) or self.refers_to_test(node.value, tainted):
                    self.bind(node.target, node.value, tainted)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.check(node.iter, tainted)
            dirty = self.refers_to_test(node.iter, tainted)
            for name, _ in _target_names(node.target):
                (tainted.add if dirty else tainted.discard)(name)
            for _ in range(2):  # a second pass sees what the first pass bound
                self.statements(node.body, tainted)
            self.statements(node.orelse, tainted)
        elif isinstance(node, (ast.If, ast.While)):
            self.check(node.test, tainted)
            one = self.statements(node.body, set(tainted))
            other = self.statements(node.orelse, set(tainted))
            tainted |= one | other
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                self.check(item.context_expr, tainted)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, item.context_expr, tainted)
            self.statements(node.body, tainted)
        elif isinstance(node, ast.Try):
            self.statements(node.body, tainted)
            for handler in node.handlers:
                self.statements(handler.body, tainted)
            self.statements(node.orelse, tainted)
            self.statements(node.finalbody, tainted)
        else:
            self.check(node, tainted)

    def cells(self, cells: list[str]) -> list[str]:
        """Violations in a notebook's cells, run in order in one namespace."""
        for index, source in enumerate(cells):
            before = len(self.violations)
            self.statements(ast.parse(source).body, self.tainted)
            self.violations[before:] = [f"cell {index}, {v}" for v in self.violations[before:]]
        return self.violations


def _spread(value: ast.AST | None, target: ast.AST) -> ast.AST | None:
    """``a, b = (f(v) for v in (x, y))`` as ``a, b = f(x), f(y)``, so that each name gets
    the taint of its own element; any other value is returned as it is."""
    if not (
        isinstance(target, (ast.Tuple, ast.List))
        and isinstance(value, (ast.GeneratorExp, ast.ListComp))
        and len(value.generators) == 1
    ):
        return value
    loop = value.generators[0]
    if not (
        isinstance(loop.target, ast.Name)
        and isinstance(loop.iter, (ast.Tuple, ast.List))
        and len(loop.iter.elts) == len(target.elts)
        and not loop.ifs
    ):
        return value

    class Substitute(ast.NodeTransformer):
        def __init__(self, element):
            self.element = element

        def visit_Name(self, node):
            return self.element if node.id == loop.target.id else node

    copies = [
        Substitute(element).visit(ast.parse(ast.unparse(value.elt), mode="eval").body)
        for element in loop.iter.elts
    ]
    return ast.Tuple(elts=copies, ctx=ast.Load())


def _target_names(target: ast.AST):
    """(name, whole) for each name an assignment target binds: whole is False for ``d[k] = ``
    or ``d.x = ``, which change part of what ``d`` holds."""
    if isinstance(target, ast.Name):
        yield target.id, True
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _target_names(element)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)
    elif isinstance(target, (ast.Subscript, ast.Attribute)):
        base = target.value
        while isinstance(base, (ast.Subscript, ast.Attribute)):
            base = base.value
        if isinstance(base, ast.Name):
            yield base.id, False


def fit_violations(*cells: str) -> list[str]:
    return TestDataFlow().cells(list(cells))


# --- the checkers catch deliberate violations ------------------------------------------------

LOADING_VIOLATIONS = {
    "keras reads the folder": (
        "import keras\nfrom cnnbook.data import locate\n"
        "d = keras.utils.image_dataset_from_directory(locate('sign-language-digits').image_dir)"
    ),
    "a private validation split": (
        "from cnnbook.data import locate\nimport keras\n"
        "t = keras.utils.image_dataset_from_directory(\n"
        "    locate('sign-language-digits').image_dir, validation_split=0.2, subset='training',"
        " seed=1)"
    ),
    "validation_split in fit": (
        "from cnnbook.data import load_splits\ns = load_splits(64)\n"
        "model.fit(x, y, validation_split=0.2)"
    ),
    "sklearn split of the photos": (
        "from sklearn.model_selection import train_test_split\n"
        "from cnnbook.data import load_splits\ns = load_splits(64)\n"
        "a, b = train_test_split(x, test_size=0.2)"
    ),
    "the split's seed changed": "from cnnbook.data import load_splits\ns = load_splits(64, seed=7)",
    "the files read and trained on": (
        "from cnnbook.data import locate\nsource = locate('sign-language-digits')\n"
        "photos = sorted(source.image_dir.rglob('*.JPG'))\nmodel.fit(arrays(photos), y)"
    ),
    "keras.datasets": "import keras\n(x, y), _ = keras.datasets.mnist.load_data()",
}


@pytest.mark.parametrize("source", LOADING_VIOLATIONS.values(), ids=LOADING_VIOLATIONS.keys())
def test_the_loading_check_catches_a_private_split(source):
    assert loading_problems([source])


def test_the_loading_check_passes_the_books_way():
    assert not loading_problems(
        [
            "from cnnbook.data import load_splits, locate, signs_classes",
            "splits = load_splits(64, classes=signs_classes(6), limit_train=100)",
            "model.fit(splits.train, validation_data=splits.validation)",
        ]
    )
    # Showing one photo from the folder is fine in a notebook that trains nothing.
    assert not loading_problems(
        ["from cnnbook.data import locate\nphoto = next(locate('x').image_dir.rglob('*'))"]
    )
    # Another data set may be split its own way (scikit-learn's 8x8 digits).
    assert not loading_problems(
        ["from sklearn.model_selection import train_test_split\na, b = train_test_split(x)"]
    )


FIT_VIOLATIONS = {
    "directly": ["model.fit(splits.test, epochs=1)"],
    "as validation data": ["model.fit(splits.train, validation_data=splits.test)"],
    "through a variable, cells later": ["held = splits.test", "x = 1", "model.fit(held)"],
    "through a tuple": [
        "train, validation, test = scaled(splits.train), scaled(splits.validation), "
        "scaled(splits.test)",
        "model.fit(test)",
    ],
    "after a transformation": [
        "mine = splits.train.concatenate(splits.test.map(f))",
        "model.fit(mine)",
    ],
    "as arrays": [
        "xs, ys = transfer.dataset_arrays(splits.test)",
        "model.fit(arrays_dataset(xs, ys))",
    ],
    "named as test data": ["model.fit(x_test, y_test)"],
    "through a generator over a tuple": [
        "x_val, x_test = (a[:9] for a in (x_val, splits.test))",
        "model.fit(x_test)",
    ],
    "from a call that returns both": [
        "a, b = make_parts(splits.test)",  # which one is test data? both, to be safe
        "model.fit(a)",
    ],
    "by key": ["parts = splits.__dict__\nmodel.fit(parts['test'])"],
    "through getattr": ["model.fit(getattr(splits, 'test'))"],
    "in a loop": ["for d in [splits.train, splits.test]:\n    model.fit(d)"],
    "in a comprehension": ["[model.fit(d) for d in (splits.test,)]"],
    "as a lambda's default": ["run = lambda d=splits.test: model.fit(d)\nrun()"],
    "through a helper's parameter": [
        "def train(model, data):\n    return model.fit(data, epochs=2)",
        "data = splits.train",
        "train(model, data=splits.test)",
    ],
    "through a helper's positional parameter": [
        "def train(data):\n    model.fit(data)",
        "train(scaled(splits.test))",
    ],
    "in a branch": ["if smoke:\n    d = splits.test\nelse:\n    d = splits.train\nmodel.fit(d)"],
    "sklearn fitted to test features": ["h = features(x_test)\nscaler.fit_transform(h)"],
    "in a with block": ["with strategy.scope():\n    model.fit(splits.test)"],
}


@pytest.mark.parametrize("cells", FIT_VIOLATIONS.values(), ids=FIT_VIOLATIONS.keys())
def test_the_fit_check_catches_training_on_the_test_part(cells):
    assert fit_violations(*cells)


def test_the_fit_check_passes_training_on_the_training_part():
    assert not fit_violations(
        "train, validation, test = scaled(splits.train), scaled(splits.validation), "
        "scaled(splits.test)",
        "history = model.fit(train, validation_data=validation, epochs=3)",
        "loss, accuracy = model.evaluate(test, verbose=0)",
        "d = splits.test\nd = splits.train\nmodel.fit(d)",  # rebound before fit
        "def train(data):\n    model.fit(data)\ntrain(splits.train)\nmodel.evaluate(splits.test)",
        "for d in [splits.train]:\n    model.fit(d)",
        "clf.fit(h_train[:n], y_train[:n]).score(h_test, y_test)",  # scored on test, not fit
        "run = lambda m=model, d=dataset: m.fit(d, epochs=1)",
        "x_val, x_test = (a[:9] for a in (x_val, x_test))\nmodel.fit(x_val)",
        "x_rest, x_test, y_rest, y_test = train_test_split(x, y, test_size=0.2)",
        "x_train, x_val = train_test_split(x_rest, test_size=0.2)\nmodel.fit(x_train)",
    )


# --- every notebook of the book --------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_loads_the_photos_only_through_the_books_split(path):
    assert loading_problems(code_cells(path)) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_never_trains_on_the_test_part(path):
    assert fit_violations(*code_cells(path)) == []


def test_the_checks_see_the_notebooks_that_load_and_train():
    """The two checks above mean something: they ran over the notebooks that use the split."""
    loaders = {
        p.relative_to(ROOT).as_posix()
        for p in NOTEBOOKS
        if "load_splits(" in "\n".join(code_cells(p))
    }
    assert "instructor/transfer-learning-mobilenet/transfer-learning-mobilenet.ipynb" in loaders
    assert "chapters/assignments/transfer-learning-mobilenet.ipynb" in loaders
    assert len(loaders) >= 8, loaders
    training = 0
    for path in NOTEBOOKS:
        flow = TestDataFlow()
        flow.cells(code_cells(path))
        training += flow.training_calls
    assert training >= 20, f"only {training} training calls found in the notebooks"


# --- load_splits: the one split ----------------------------------------------------------------


def _fingerprints(dataset) -> collections.Counter:
    return collections.Counter(
        hashlib.sha1(image.numpy().tobytes()).hexdigest() for batch, _ in dataset for image in batch
    )


def _labels(dataset) -> collections.Counter:
    return collections.Counter(int(y) for _, batch in dataset for y in batch.numpy())


def _decoded(files: list[str], size: int) -> collections.Counter:
    """Fingerprints of ``files`` read and resized as Keras's image_dataset_from_directory does."""
    import tensorflow as tf

    prints = collections.Counter()
    for path in files:
        image = tf.image.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
        image = tf.image.resize(image, (size, size), method="bilinear")
        prints[hashlib.sha1(image.numpy().tobytes()).hexdigest()] += 1
    return prints


SIZE = 16
PARTS = ("train", "validation", "test")


@pytest.fixture(scope="module")
def ten():
    return load_splits(SIZE, batch_size=512)


@pytest.fixture(scope="module")
def six():
    return load_splits(SIZE, classes=signs_classes(6), batch_size=512)


@needs_real_data
def test_the_three_parts_are_disjoint_and_cover_every_file(ten):
    every = {str(p) for p in ten.source.image_dir.rglob("*") if p.is_file()}
    parts = [set(ten.files[part]) for part in PARTS]
    assert [len(p) for p in parts] == [ten.sizes[part] for part in PARTS]
    assert [len(p) for p in parts] == [len(ten.files[part]) for part in PARTS], "duplicates"
    assert not parts[0] & parts[1] and not parts[0] & parts[2] and not parts[1] & parts[2]
    assert set.union(*parts) == every
    for part, share in zip(PARTS, (0.70, 0.15, 0.15), strict=True):
        assert abs(ten.sizes[part] / len(every) - share) < 0.01, (part, ten.sizes)


@needs_real_data
def test_each_part_holds_exactly_the_photos_it_lists(ten):
    """Read the listed files ourselves: the datasets hold those images, with their labels."""
    for part in ("validation", "test"):
        dataset = getattr(ten, part)
        assert _fingerprints(dataset) == _decoded(ten.files[part], SIZE), part
    for part in PARTS:
        listed = collections.Counter(
            ten.class_names.index(Path(f).parent.name) for f in ten.files[part]
        )
        assert _labels(getattr(ten, part)) == listed, part
    train = _fingerprints(ten.train)
    assert not train.keys() & _decoded(ten.files["test"], SIZE).keys()


@needs_real_data
def test_the_split_is_the_same_across_calls_image_sizes_and_training_limits(ten):
    again = load_splits(SIZE, batch_size=512)
    bigger = load_splits(40, batch_size=64, limit_train=100)
    for other in (again, bigger):
        assert other.files == ten.files
        assert {p: other.sizes[p] for p in PARTS[1:]} == {p: ten.sizes[p] for p in PARTS[1:]}
    assert bigger.sizes["train"] == 100
    assert sum(len(y) for _, y in bigger.train) == 100
    assert _fingerprints(again.test) == _fingerprints(ten.test)


@needs_real_data
def test_a_class_subset_keeps_every_photo_in_its_part(ten, six):
    for part in PARTS:
        kept = [f for f in ten.files[part] if Path(f).parent.name in six.class_names]
        assert six.files[part] == kept, part
        assert six.sizes[part] == len(kept)
    for part in PARTS:  # the images themselves, not only the lists
        inside = _fingerprints(getattr(six, part))
        assert not inside - _fingerprints(getattr(ten, part)), part
        assert sum(inside.values()) == six.sizes[part]
    assert _labels(six.test) == collections.Counter(
        int(Path(f).parent.name) for f in six.files["test"]
    )


@needs_real_data
def test_a_class_subset_knows_its_length_so_keras_warns_nothing(six):
    import math
    import warnings

    import keras

    for part in PARTS:
        batches = math.ceil(six.sizes[part] / 512)
        assert int(getattr(six, part).cardinality()) == batches, part
    model = keras.Sequential(
        [keras.Input((SIZE, SIZE, 3)), keras.layers.Flatten(), keras.layers.Dense(6)]
    )
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(six.train, epochs=1, verbose=0, shuffle=False)
    assert not [str(w.message) for w in caught if "ran out of data" in str(w.message)]


@needs_real_data
def test_a_class_subset_is_labelled_in_the_order_given(ten):
    picked = load_splits(SIZE, classes=["9", "0"], batch_size=512)
    assert picked.class_names == ["9", "0"]
    for part in PARTS:
        names = [Path(f).parent.name for f in picked.files[part]]
        assert set(names) == {"9", "0"}
        expected = collections.Counter(0 if n == "9" else 1 for n in names)
        assert _labels(getattr(picked, part)) == expected, part
    assert set(picked.files["test"]) <= set(ten.files["test"])


@needs_real_data
def test_unknown_or_repeated_classes_are_refused():
    with pytest.raises(ValueError, match="classes must be distinct class folders"):
        load_splits(SIZE, classes=["0", "ten"])
    with pytest.raises(ValueError, match="classes must be distinct class folders"):
        load_splits(SIZE, classes=["1", "1"])


# --- the MobileNetV2 assignment on the book's split -------------------------------------------

MOBILENET_PAGE = "chapters/assignments/transfer-learning-mobilenet.ipynb"


def test_the_mobilenet_assignment_trains_chooses_and_tests_on_the_books_parts(executed):
    run = executed(MOBILENET_PAGE)
    run.assert_printed(
        "validation 309, test 309 images",
        "chosen on validation: the ",
        "test accuracy of the chosen model: ",
    )
    assert run.text.count("test accuracy") == 1, "the test part is evaluated once"


def test_full_mode_mobilenet_assignment_uses_the_whole_split(full_executed):
    run = full_executed(MOBILENET_PAGE)
    run.assert_printed("train 1,444, validation 309, test 309 images")
    assert run.text.count("test accuracy") == 1, "the test part is evaluated once"
    before, after = (
        float(re.search(rf"validation accuracy {when} fine-tuning: +([0-9.]+)", run.text)[1])
        for when in ("before", "after")
    )
    chosen = re.search(r"chosen on validation: the (fine-tuned|frozen-base) model", run.text)[1]
    assert chosen == ("fine-tuned" if after > before else "frozen-base")
    test_accuracy = float(re.search(r"test accuracy of the chosen model: ([0-9.]+)", run.text)[1])
    assert test_accuracy > 0.5, "ten classes: chance is 0.1"
