"""Chapter 'Batch normalisation': the layer equals Keras's, the modes, momentum, its effect."""

import re

import pytest

CHAPTER = "chapters/case-studies/batch-normalization.ipynb"
CLAIMS = (
    "the small CNN with batch normalisation is more accurate on the validation photos than "
    "without it",
    "the network with momentum 0.9 is more accurate in inference mode than the same network "
    "with Keras's default 0.99",
    "recomputing the statistics after training repairs the momentum-0.99 network's inference "
    "accuracy",
)
EQUAL = re.compile(
    r"largest difference of outputs and moving statistics: ([\d.e+-]+) \(tolerance 1e-05\)"
)
GRADIENTS = re.compile(r"largest relative difference of gradients: ([\d.e+-]+) \(tolerance 1e-04\)")
WRONG = re.compile(
    r"^(UnbiasedVariance|InvertedMomentum), (.+?): largest difference ([\d.e+-]+) "
    r"\(([a-z ()]+)\), caught: (True|False)$",
    re.M,
)
TRAVELLED = re.compile(
    r"after +(\d+) steps: predicted ([\d.]+), measured mean ([\d.]+), variance ([\d.]+)"
)
SIGNAL = re.compile(
    r"^(no BN|BN, momentum 0.99) +std after stages 1-3: ([\d.]+), ([\d.]+), ([\d.]+); "
    r"logits ([\d.]+); first kernel's gradient ([\d.]+)$",
    re.M,
)
VARIANCE = re.compile(
    r"^BN, momentum (0.99|0.9), seed (\d): first layer's moving variance ([\d.]+), "
    r"recomputed ([\d.]+) \(ratio ([\d.]+); ([\d.]+) x 1 \+ ([\d.]+) x recomputed = ([\d.]+)\)$",
    re.M,
)
AFTER = re.compile(
    r"validation accuracy: inference mode ([\d.]+), training mode ([\d.]+), "
    r"recomputed statistics ([\d.]+)"
)
SAME_TRAINING = re.compile(r"any seed, any epoch: ([\d.e+-]+)")


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def check_equality(run):
    run.assert_printed("BatchNorm equals keras.layers.BatchNormalization: True")
    assert float(EQUAL.search(run.text).group(1)) < 1e-5
    assert float(GRADIENTS.search(run.text).group(1)) < 1e-4
    wrong = WRONG.findall(run.text)
    assert [(name, case) for name, case, *_ in wrong] == [
        (name, case)
        for name in ("UnbiasedVariance", "InvertedMomentum")
        for case in ("feature maps, momentum 0.9", "4 examples x 10 features, momentum 0.9")
    ]
    for name, _, value, quantity, caught in wrong:
        assert caught == "True" and float(value) > 1e-3
        if name == "InvertedMomentum":  # invisible in training mode
            assert quantity in ("moving mean", "moving variance", "inference output")


def test_the_layer_from_scratch_equals_keras_and_wrong_layers_are_caught(run):
    check_equality(run)
    run.assert_printed("def batch_statistics(self, x):", "def moving_average(self, moving")


def test_training_and_inference_mode_examples(run):
    for name in ("example A", "example B"):
        assert re.search(rf"{name}: input .*; training mode \[0\. 0\. 0\.\]\.\.\.;", run.text)
    match = re.search(r"largest \|y - x / sqrt\(1 \+ epsilon\)\| = ([\d.e+-]+)", run.text)
    assert float(match.group(1)) < 1e-5
    alone = re.search(
        r"one photo alone, training mode: per-channel mean \[([^\]]*)\], std \[([^\]]*)\]",
        run.text,
    )
    assert [abs(float(v)) for v in alone.group(1).split()] == [0.0, 0.0, 0.0]
    assert [float(v) for v in alone.group(2).split()] == [1.0, 1.0, 1.0]
    changes = dict(
        re.findall(
            r"or with 8-14, (inference|training) mode: its output changes by up to "
            r"([\d.]+)",
            run.text,
        )
    )
    assert float(changes["inference"]) == 0 and float(changes["training"]) > 0.01


def test_momentum_arithmetic_and_the_measured_fractions(run):
    run.assert_printed(
        "momentum 0.99: half of the way after 69 steps, 99% after 459 steps",
        "momentum 0.9: half of the way after 7 steps, 99% after 44 steps",
    )
    rows = TRAVELLED.findall(run.text)
    assert [int(n) for n, *_ in rows] == [10, 50] * 2
    for (steps, predicted, mean, variance), momentum in zip(
        rows, (0.99, 0.99, 0.9, 0.9), strict=True
    ):
        assert float(predicted) == pytest.approx(1 - momentum ** int(steps), abs=6e-4)
        assert float(mean) == pytest.approx(float(predicted), abs=0.03)
        assert float(variance) == pytest.approx(float(predicted), abs=0.05)
    # smoke mode: 64 training photos, 1 epoch of 2 steps
    run.assert_printed("one training run: 1 epochs x 2 steps = 2 updates")
    run.assert_printed("momentum 0.99: 0.020 of the way travelled, 0.98 of the initial")


def test_the_small_cnns_and_their_signal_at_initialisation(run):
    # independent count: 3x3 convolutions 3->16->32->64, a dense layer 64->10
    kernels = 9 * (3 * 16 + 16 * 32 + 32 * 64)
    plain = kernels + (16 + 32 + 64) + 64 * 10 + 10
    normalised = kernels + 4 * (16 + 32 + 64) + 64 * 10 + 10
    run.assert_printed(f"no BN              {plain:,} parameters")
    run.assert_printed(f"BN, momentum 0.99  {normalised:,} parameters")
    signal = {name: [float(v) for v in values] for name, *values in SIGNAL.findall(run.text)}
    assert set(signal) == {"no BN", "BN, momentum 0.99"}
    plain_stds, bn_stds = signal["no BN"][:3], signal["BN, momentum 0.99"][:3]
    assert plain_stds[0] > plain_stds[1] > plain_stds[2]  # the signal shrinks
    assert min(bn_stds) > 2 * max(plain_stds[1:])
    assert signal["BN, momentum 0.99"][-1] > 3 * signal["no BN"][-1]  # the gradient


def check_training(run, seeds):
    for name in ("no BN", "BN, momentum 0.99", "BN, momentum 0.9"):
        for seed in seeds:
            assert re.search(rf"^{name}, seed {seed}: \d+ epochs? in ", run.text, re.M)
    after = AFTER.findall(run.text)
    assert len(after) == 2 * len(seeds)
    for values in after:
        assert all(0 <= float(v) <= 1 for v in values)
    slow, fast = after[: len(seeds)], after[len(seeds) :]
    for (_, train_slow, again_slow), (_, train_fast, again_fast) in zip(slow, fast, strict=True):
        # identical training: training-mode and recomputed accuracies agree
        assert train_slow == train_fast and again_slow == again_fast
    assert float(SAME_TRAINING.search(run.text).group(1)) < 1e-4
    variances = VARIANCE.findall(run.text)
    assert [(p, int(s)) for p, s, *_ in variances] == [
        (p, s) for p in ("0.99", "0.9") for s in seeds
    ]
    for _, _, moving, recomputed, ratio, *_ in variances:
        # printed to 4 decimals: the ratio of the rounded values agrees to 2%
        assert float(ratio) == pytest.approx(float(moving) / float(recomputed), rel=0.02)
    return variances


def test_the_experiment_runs_every_setup_and_seed(run):
    check_training(run, seeds=(0, 1))
    run.assert_printed("validation accuracy after training, mean ± sd over seeds:")
    assert run.images >= 3


def test_claims_are_printed_and_not_checked_in_smoke_mode(run):
    run.assert_claims(*CLAIMS, checked=False)
    assert len(run.claims()) == len(CLAIMS)


def test_smoke_mode_is_fast(run):
    assert run.seconds < 90  # about 30 s alone on 2 cores; the suite runs kernels side by side


def test_batch_normalization_in_full_mode(full_executed):
    run = full_executed(CHAPTER)
    run.assert_claims(*CLAIMS, checked=True)
    check_equality(run)
    run.assert_printed("one training run: 5 epochs x 46 steps = 230 updates")
    run.assert_printed("momentum 0.99: 0.901 of the way travelled, 0.0991 of the initial")
    rows = TRAVELLED.findall(run.text)
    assert [int(n) for n, *_ in rows] == [10, 50, 100, 250, 500] * 2
    for _, predicted, mean, _ in rows:
        assert float(mean) == pytest.approx(float(predicted), abs=0.02)
    variances = check_training(run, seeds=(0, 1, 2))
    for momentum, _, moving, _, ratio, left, _, expected in variances:
        assert float(left) == pytest.approx(float(momentum) ** 230, abs=6e-4)
        # the formula predicts the first layer's moving variance from the recomputed one
        assert float(moving) == pytest.approx(float(expected), rel=0.05)
        if momentum == "0.99":
            assert float(ratio) > 2  # the initial variance 1 still weighs
        else:
            assert float(ratio) == pytest.approx(1, abs=0.05)
    run.assert_printed("paired by seed, n = 3")
