"""Chapter 'Transfer learning': its invariants and measured figures, from a smoke-mode run."""

import re

import pytest

CHAPTER = "chapters/practice/transfer-learning.ipynb"


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def test_new_head_and_trainable_counts_at_each_depth(run):
    # head: 1,280 pooled channels x 10 classes + 10 biases
    run.assert_printed("trainable parameters: 12,810 (the head)")
    run.assert_printed("frozen parameters:    2,257,984 (the base)")
    # top block = block_16 + Conv_1 convolutions (879,040) + head; BatchNorm kept frozen
    run.assert_printed("head only     N =   0 layers unfrozen:    12,810 trainable parameters")
    run.assert_printed("top block     N =  11 layers unfrozen:   891,850 trainable parameters")
    run.assert_printed("top 4 blocks  N =  38 layers unfrozen: 1,676,170 trainable parameters")
    # everything: the base's 2,257,984 minus BatchNorm's 34,112 gammas/betas and 34,112 moving
    # statistics (all frozen), plus the head
    run.assert_printed("everything    N = 154 layers unfrozen: 2,202,570 trainable parameters")


def test_frozen_base_unchanged_and_batchnorm_behaviour(run):
    run.assert_printed("largest change of any base weight after training the head: 0.0e+00")
    run.assert_printed("frozen base, training mode vs inference mode: largest difference 0.0e+00")
    run.assert_printed(
        "unfrozen base with BatchNormalization kept frozen: largest difference 0.0e+00"
    )
    # the Keras 3 override: training=False inside the model does not protect an unfrozen base
    gap = re.search(r"called in training mode: ([\d.]+)", run.text)
    assert gap and float(gap.group(1)) > 0.1
    assert (
        len(re.findall(r"batches of +\d+: accuracy [\d.]+ with ImageNet statistics", run.text)) == 2
    )


def test_head_on_features_equals_full_model(run):
    match = re.search(r"head on features ([\d.]+), full model on images ([\d.]+)", run.text)
    assert match and match.group(1) == match.group(2)
    assert re.search(r"test accuracy of the full model: [\d.]+", run.text)


def test_speed_trick_is_measured(run):
    speedup = re.search(r"speed-up per epoch: (\d+)x", run.text)
    assert speedup and int(speedup.group(1)) >= 1
    assert re.search(r"one epoch of +[\d,]+ images through the frozen base: median", run.text)
    assert re.search(r"one epoch of +[\d,]+ images on precomputed features: +median", run.text)
    assert re.search(r"precomputing pays for itself after [\d.]+ epochs", run.text)


def test_fine_tuning_depths_and_value_of_pretraining_are_measured(run):
    line = (
        r"n = +[\d,]+ \(\s*\d+ fine-tuning epochs\): head only [\d.]+, top block [\d.]+, "
        r"top 4 blocks [\d.]+, everything [\d.]+, random weights, head only [\d.]+"
    )
    assert re.search(line, run.text)
    assert re.search(r"pretrained vs random weights \(head only\) [+-][\d.]+", run.text)
    # the random baseline gets standardised features (raw ones vanish through the random net)
    assert re.search(r"random-weights features: standard deviation \S+ as computed", run.text)
    assert re.search(
        r"fine-tuned everything vs trained from scratch, same epochs: [+-][\d.]+", run.text
    )
    assert re.search(r"random init, everything trained, \d+ epochs on [\d,]+ images", run.text)
    assert "BatchNormalization training:" in run.text
    assert run.images >= 2  # the head's learning curves and the fine-tuning comparison
