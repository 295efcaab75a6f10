"""Chapter 'The case studies head to head': seven scaled families, one budget, several seeds."""

import re
import statistics
import subprocess
import sys

import keras
import numpy as np
import pytest

from bench import head_to_head as bench_head_to_head
from bench.sections import Options
from cnnbook import head_to_head
from cnnbook.inspection import keras_layer_mults

CHAPTER = "chapters/case-studies/head-to-head.ipynb"
NAMES = tuple(head_to_head.NETWORKS)
CLAIMS = (
    "each of the seven designs reaches a validation accuracy above 0.6 with every seed",
    "the VGG-style stack is more accurate on the validation photos than the "
    "MobileNetV2-style network",
)
NUMBER = r"[\d,]+"
ACCURACY = r"(\d\.\d{3})"
RUN = re.compile(
    rf"^({'|'.join(NAMES)}), seed (\d+): (\d+) epochs? in [\d.]+ s: accuracy [\d.]+ "
    r"\(validation ([\d.]+), best [\d.]+ at epoch \d+\)$",
    re.M,
)


def row_pattern(seeds: int) -> re.Pattern:
    """One row of the chapter's table: sizes, latency, one accuracy per seed, mean ± sd, time."""
    per_seed = " +".join([ACCURACY] * seeds)
    return re.compile(
        rf"^ *({'|'.join(NAMES)}) +({NUMBER}) +({NUMBER}) +(\d+\.\d\d) ms +{per_seed} +"
        rf"{ACCURACY} ± {ACCURACY} +(\d+) s$",
        re.M,
    )


def integer(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.fixture(scope="module")
def sizes():
    return {name: head_to_head.describe(head_to_head.build(name)) for name in NAMES}


# --- the module --------------------------------------------------------------------------------


def layer_types(model) -> list[str]:
    return [type(layer).__name__ for layer in model.layers]


def test_lenet_has_lenet5s_layers_and_is_counted_by_hand(sizes):
    # C1: 6 5x5x3 filters on 28x28, C3: 16 5x5x6 on 10x10, no conv biases, BN (4 per channel),
    # dense 400-120-84-10
    params = 6 * 75 + 4 * 6 + 16 * 150 + 4 * 16 + 401 * 120 + 121 * 84 + 85 * 10
    assert sizes["LeNet-5"]["parameters"] == params == 62_072
    mults = 28 * 28 * 6 * 75 + 10 * 10 * 16 * 150 + 400 * 120 + 120 * 84 + 84 * 10
    assert sizes["LeNet-5"]["multiplications"] == mults == 651_720
    convs = [x for x in head_to_head.build("LeNet-5").layers if isinstance(x, keras.layers.Conv2D)]
    assert [(c.filters, c.kernel_size, c.padding) for c in convs] == [
        (6, (5, 5), "valid"),
        (16, (5, 5), "valid"),
    ]


def test_each_network_keeps_its_familys_design():
    models = {name: head_to_head.build(name) for name in NAMES}
    alex = [layer for layer in models["AlexNet"].layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(alex) == 5 and alex[0].kernel_size == (11, 11) and alex[0].strides == (4, 4)
    vgg = models["VGG"]
    assert {c.kernel_size for c in vgg.layers if isinstance(c, keras.layers.Conv2D)} == {(3, 3)}
    assert layer_types(models["ResNet"]).count("Add") == 6
    concats = [
        layer for layer in models["Inception"].layers if isinstance(layer, keras.layers.Concatenate)
    ]
    assert len(concats) == 3 and all(len(c.input) == 4 for c in concats)
    kernels = {
        c.kernel_size for c in models["Inception"].layers if isinstance(c, keras.layers.Conv2D)
    }
    assert {(1, 1), (3, 3), (5, 5)} <= kernels
    mobile = layer_types(models["MobileNetV2"])
    assert "DepthwiseConv2D" in mobile and "Add" in mobile and "Multiply" not in mobile
    efficient = layer_types(models["EfficientNet"])
    assert "DepthwiseConv2D" in efficient and efficient.count("Multiply") == 5  # SE per block


def test_the_inception_module_has_the_books_branches_with_batch_normalisation():
    from cnnbook.models.inception import inception_module as books_module

    def convs(module):
        inputs = keras.Input((16, 16, 32))
        model = keras.Model(inputs, module(inputs, 8, 8, 16, 2, 4, 4, name="m"))
        return model, [
            (layer.name, layer.filters, layer.kernel_size)
            for layer in model.layers
            if isinstance(layer, keras.layers.Conv2D)
        ]

    ours, our_convs = convs(head_to_head.inception_module)
    books, book_convs = convs(books_module)
    assert our_convs == book_convs and ours.output.shape == books.output.shape
    assert layer_types(ours).count("BatchNormalization") == len(our_convs) == 6


def test_every_convolution_of_every_design_is_batch_normalised():
    for name in NAMES:
        model = head_to_head.build(name)
        fed = {
            layer.input._keras_history[0].name
            for layer in model.layers
            if isinstance(layer, keras.layers.BatchNormalization)
        }
        # squeeze-and-excitation's 1x1 convolutions act on a pooled 1x1 map: not normalised
        on_maps = {
            layer.name
            for layer in model.layers
            if isinstance(layer, keras.layers.Conv2D | keras.layers.DepthwiseConv2D)
            and layer.output.shape[1] > 1
        }
        assert on_maps and fed == on_maps, name


def test_no_design_has_dropout_unless_asked_for():
    for name in NAMES:
        assert "Dropout" not in layer_types(head_to_head.build(name)), name
    assert layer_types(head_to_head.alexnet(dropout=0.5)).count("Dropout") == 2
    assert layer_types(head_to_head.inception(dropout=0.4)).count("Dropout") == 1
    assert layer_types(head_to_head.efficientnet(dropout=0.2)).count("Dropout") == 1


@pytest.mark.parametrize("builder", ["lenet", "alexnet", "vgg", "inception"])
def test_without_batch_normalisation_each_convolution_has_its_bias_and_relu(builder):
    normalised = getattr(head_to_head, builder)()
    plain = getattr(head_to_head, builder)(batch_norm=False)
    assert "BatchNormalization" not in layer_types(plain)
    convs = [layer for layer in plain.layers if isinstance(layer, keras.layers.Conv2D)]
    assert convs and all(c.use_bias and c.activation.__name__ == "relu" for c in convs)
    same = [layer for layer in normalised.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [(c.filters, c.kernel_size, c.strides) for c in same] == [
        (c.filters, c.kernel_size, c.strides) for c in convs
    ]


def test_every_batch_normalisation_has_the_same_momentum():
    for name in NAMES:
        bns = [
            layer
            for layer in head_to_head.build(name).layers
            if isinstance(layer, keras.layers.BatchNormalization)
        ]
        assert bns and {bn.momentum for bn in bns} == {head_to_head.BN_MOMENTUM}, name


def test_parameters_are_comparable_and_outputs_are_probabilities(sizes):
    counts = [sizes[name]["parameters"] for name in NAMES]
    assert max(counts) / min(counts) < 10
    images = np.random.default_rng(0).uniform(size=(2, 32, 32, 3)).astype("float32")
    for name in NAMES:
        out = np.asarray(head_to_head.build(name, classes=7)(images))
        assert out.shape == (2, 7) and np.allclose(out.sum(axis=1), 1, atol=1e-5), name


def test_multiplications_sum_the_weight_layers_and_see_inside_nested_models():
    model = head_to_head.build("MobileNetV2")
    assert head_to_head.multiplications(model) == sum(keras_layer_mults(x) for x in model.layers)
    dense = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    outer = keras.Sequential([keras.Input((4,)), dense, keras.layers.Dense(2)])
    assert head_to_head.multiplications(outer) == 4 * 3 + 3 * 2


def test_latency_is_per_image_over_the_requested_repeats():
    model = head_to_head.build("LeNet-5")
    one = head_to_head.latency(model, batch=1, repeats=4, number=2, warmup=1)
    assert len(one.seconds) == 4 and 0 < one.low <= one.median <= one.high
    batched = head_to_head.latency(model, batch=16, repeats=3, number=2, warmup=1)
    # per image: a batch of 16 does not take 16 times as long as one image
    assert batched.median < 16 * one.median


@pytest.mark.parametrize("argument", [{"batch": 0}, {"repeats": 0}, {"number": 1.5}])
def test_latency_refuses_bad_counts(argument):
    with pytest.raises(ValueError, match="must be a whole number of at least 1"):
        head_to_head.latency(head_to_head.build("LeNet-5"), **argument)


def test_an_unknown_network_is_refused():
    with pytest.raises(ValueError, match="network must be one of"):
        head_to_head.build("DenseNet")


def test_the_module_loads_no_tensorflow():
    """benchmarks imports the renderer; `python -m bench` reads its table before setup()."""
    code = (
        "import sys, cnnbook.head_to_head; "
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, "
        "sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras'))[:5]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- the benchmark and its renderer ------------------------------------------------------------


@pytest.fixture(scope="module")
def bench_section():
    options = Options(smoke=True, repeats=2, chapter_repeats=2, commit="abc1234")
    return bench_head_to_head.measure(options, {})


def test_the_benchmark_times_every_network_at_each_batch(bench_section, sizes):
    rows = bench_section["rows"]
    batches = bench_head_to_head.SMOKE_BATCHES
    assert [(r["network"], r["batch"]) for r in rows] == [(n, b) for n in NAMES for b in batches]
    for row in rows:
        assert len(row["seconds_per_image"]) == 2
        assert row["median"] == statistics.median(row["seconds_per_image"]) > 0
        assert row["parameters"] == sizes[row["network"]]["parameters"]
        assert row["multiplications"] == sizes[row["network"]]["multiplications"]
    assert bench_section["device"] in ("CPU", "GPU") and bench_section["input"] == 32


def test_the_renderer_shows_one_row_per_network(bench_section, sizes):
    section = bench_section | {"recorded": "2025-01-01T00:00:00+00:00", "commit": "abc1234"}
    lines = head_to_head.render_head_to_head(section, {"cpu": "test CPU"})
    assert lines[0].startswith("*Recorded 2025-01-01") and "abc1234" in lines[0]
    header = next(line for line in lines if line.startswith("| network"))
    assert "batch 1: ms per image" in header and "batch 4: ms per image" in header
    body = [line for line in lines if line.startswith("| ") and line != header]
    assert [line.split(" | ")[0].removeprefix("| ") for line in body] == list(NAMES)
    for line, name in zip(body, NAMES, strict=True):
        cells = line.strip("| ").split(" | ")
        assert cells[1] == f"{sizes[name]['parameters']:,}"
        assert cells[2] == f"{sizes[name]['multiplications']:,}"
        assert all(re.fullmatch(r"\d+\.\d{3} \(\d+%\)", cell) for cell in cells[4:]), line


def test_the_renderer_marks_a_batch_a_network_lacks():
    row = {"parameters": 1, "multiplications": 2, "layers": 3, "seconds_per_image": [1e-3]}
    section = {
        "input": 32,
        "rows": [
            row | {"network": "A", "batch": 1, "median": 1e-3},
            row | {"network": "A", "batch": 32, "median": 1e-4},
            row | {"network": "B", "batch": 1, "median": 2e-3},
        ],
    }
    lines = head_to_head.render_head_to_head(section, {})
    assert any(line.startswith("| B | 1 | 2 | 3 | 2.000 (0%) | - |") for line in lines)


# --- the chapter -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def check_table(run, sizes, seeds, epochs):
    runs = RUN.findall(run.text)
    assert [(n, int(s)) for n, s, *_ in runs] == [(n, s) for n in NAMES for s in seeds]
    assert {int(e) for _, _, e, _ in runs} == {epochs}
    rows = row_pattern(len(seeds)).findall(run.text)
    assert [row[0] for row in rows] == list(NAMES), "one row per network, in order"
    for name, params, mults, latency, *accuracies, mean, sd, _ in rows:
        assert integer(params) == sizes[name]["parameters"], name
        assert integer(mults) == sizes[name]["multiplications"], name
        assert float(latency) > 0
        values = [float(v) for n, _, _, v in runs if n == name]
        assert [float(a) for a in accuracies] == pytest.approx(values, abs=0.0006), name
        assert float(mean) == pytest.approx(statistics.mean(values), abs=0.0006), name
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        assert float(sd) == pytest.approx(spread, abs=0.0006), name
    run.assert_printed(f"validation accuracy over {len(seeds)} seeds, {epochs} epochs each")
    header = " +".join(f"seed {s}" for s in seeds)
    assert re.search(rf"latency +{header} +mean ± sd +training per seed", run.text)


def test_design_table_prints_what_the_module_builds(run, sizes):
    for name in NAMES:
        row = re.search(
            rf"^ *{name} +{re.escape(head_to_head.DESIGNS[name])} +(.*)$", run.text, re.M
        )
        assert row, name
        params, layers, mults, count = (integer(v) for v in row.group(1).split())
        assert (params, layers, mults, count) == tuple(sizes[name].values()), name


def test_alexnets_dense_input_is_printed(run):
    flat = head_to_head.build("AlexNet").get_layer("flatten").output.shape[-1]
    run.assert_printed(f"reads 6 x 6 x 256 = 9,216 features at 224x224 pixels; ours reads {flat}")


def test_the_table_has_every_network_with_the_modules_counts(run, sizes):
    check_table(run, sizes, seeds=(0,), epochs=1)
    run.assert_printed("validation photos", "budget per network and seed: 1 epochs x")
    assert run.images >= 3


def test_latency_is_printed_for_every_network_and_the_benchmark_is_shown_or_awaited(run):
    for name in NAMES:
        assert re.search(rf"^{re.escape(name)} +one image: median .* over 2 runs", run.text, re.M)
    from cnnbook import benchmarks

    if "head_to_head" not in benchmarks.SECTIONS:
        run.assert_printed("no machine has recorded this yet (make bench BENCH=head-to-head)")


def test_the_test_part_is_read_once_for_the_network_chosen_on_validation(run):
    assert run.text.count("test accuracy") == 1
    best = re.search(rf"highest mean validation accuracy: ({'|'.join(NAMES)})", run.text)[1]
    run.assert_printed(f"chosen on validation: {best}; test accuracy of the chosen network: ")
    others = [n for n in NAMES if n != best]
    for other in others:
        assert re.search(rf"^{best} minus {re.escape(other)} *: ", run.text, re.M), other


def test_claims_are_printed_and_not_checked_in_smoke_mode(run):
    run.assert_claims(*CLAIMS, checked=False)


def test_the_quiz_is_shown(run):
    from cnnbook import quiz

    assert len(quiz.questions_of("head-to-head")) == 5
    assert f'id="{quiz.quiz_id("head-to-head")}"' in run.text  # its HTML output


def test_full_mode_trains_every_network_over_three_seeds_and_its_claims_hold(full_executed, sizes):
    run = full_executed(CHAPTER)
    check_table(run, sizes, seeds=(0, 1, 2), epochs=8)
    run.assert_claims(*CLAIMS, checked=True)
    run.assert_printed("paired by seed, n = 3", "train 1,444, validation 309, test 309 images")
    lowest = float(re.search(r"lowest accuracy of any seed: \w[\w-]*, ([\d.]+)", run.text)[1])
    assert lowest > 0.6, "ten classes: chance is 0.1"
    test_accuracy = float(re.search(r"test accuracy of the chosen network: ([\d.]+)", run.text)[1])
    assert test_accuracy > 0.6
