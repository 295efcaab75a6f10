"""Chapter 'Transfer learning': its invariants and measured figures, smoke and full mode."""

import re

import pytest

CHAPTER = "chapters/practice/transfer-learning.ipynb"
CLAIMS = (
    "faster per epoch than training it through the frozen base",
    "computing the features once pays for itself",
    "BatchNormalization's statistics from the batch",
    "ImageNet weights beat random weights",
    "fine-tuning the top block or the top 4 blocks moves validation accuracy",
    "the small ConvNet trained from scratch beats the pretrained base",
    "trained to convergence",
)
GRID_LINE = (
    r"n = +[\d,]+, seed \d \(\s*\d+ fine-tuning epochs\): head only [\d.]+, top block [\d.]+, "
    r"top 4 blocks [\d.]+, random weights, head only [\d.]+"
)


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
    demo = r"batches of +\d+: accuracy [\d.]+ with ImageNet statistics, [\d.]+ with batch"
    assert len(re.findall(demo, run.text)) == 2


def test_head_on_features_equals_full_model(run):
    match = re.search(r"head on features ([\d.]+), full model on images ([\d.]+)", run.text)
    assert match and match.group(1) == match.group(2)
    assert re.search(r"test accuracy of the full model: [\d.]+", run.text)


def test_speed_trick_is_measured_in_rounds(run):
    speedup = re.search(r"speed-up per epoch: (\d+)x \(geometric mean of (\d+) rounds", run.text)
    assert speedup and int(speedup.group(1)) >= 1 and int(speedup.group(2)) >= 2
    for way in ("through the frozen base", "on precomputed features", "computing the features"):
        assert re.search(rf"[\d,]+ images, {way}: median .* over \d+ runs", run.text), way
    assert re.search(r"precomputing pays for itself after [\d.]+ epochs", run.text)


def test_fine_tuning_depths_and_baselines_are_measured_per_seed(run):
    # smoke: one size x two seeds, one line each
    assert len(re.findall(GRID_LINE, run.text)) == 2
    assert re.search(r"pretrained vs random weights \(head only\) [+-][\d.]+", run.text)
    # the random baseline gets standardised features (raw ones vanish through the random net)
    assert re.search(r"random-weights features: standard deviation \S+ as computed", run.text)
    assert re.search(r"head only vs trained from scratch [+-][\d.]+", run.text)
    assert len(re.findall(r"seed \d: \d+ epochs .*training accuracy [\d.]+", run.text)) == 2
    assert re.search(r"from scratch, n = +[\d,]+: training +[\d.]+ ±", run.text)
    # the head's and the from-scratch network's learning curves, and the comparison
    assert run.images >= 3


def test_claims_are_printed_and_not_checked_in_smoke_mode(run):
    run.assert_claims(*CLAIMS, checked=False)


def test_full_mode_claims_hold(full_executed):
    run = full_executed(CHAPTER)
    run.assert_claims(*CLAIMS, checked=True)
    # three seeds at each of 50, 200 and all 1,444 training images
    grid = re.findall(GRID_LINE, run.text)
    assert len(grid) == 9
    for n in ("50", "200", "1,444"):
        assert len(re.findall(rf"n = +{n}, seed \d ", run.text)) == 3, n
    # the from-scratch baseline: three seeds, stopped early, fitted its training set
    scratch = re.findall(r"seed \d: (\d+) epochs .*training accuracy ([\d.]+)", run.text)
    assert len(scratch) == 3
    assert all(float(accuracy) > 0.9 for _, accuracy in scratch)
    speedup = re.search(r"speed-up per epoch: (\d+)x \(geometric mean of (\d+) rounds", run.text)
    assert int(speedup.group(2)) >= 5 and int(speedup.group(1)) > 5  # as the claim


OWN_PHOTOS_REPORT = (
    "Left out (would crash or mislabel training):",
    "0/cut_short.jpg: truncated JPEG",
    "1/saved_page.jpg: not an image at all",
    "1/sideways.jpg: the camera stored it on its side (EXIF orientation 6)",
    "2/huge.jpg: 6000x6000 pixels",
    "0/screenshot.jpg: PNG content with a .jpg extension",
    "2/notes.txt: a .txt file; Keras reads only",
    "class folders with no readable images: ['empty_class']",
    # load_splits on the same folder names each file it leaves out
    "Warning: left out 0/cut_short.jpg: truncated JPEG",
    "Warning: left out 1/saved_page.jpg: not an image at all",
)


def own_photos_section(run, per_class):
    # The report wraps at 80 characters: compare with the line breaks taken out.
    flat = " ".join(run.text.split())
    # each class keeps its photos plus the added good ones, minus the photo under two labels
    images = 3 * per_class + 2
    expected = f"3 classes, {images:,} images to read of {3 * per_class + 8:,} files"
    for snippet in (*OWN_PHOTOS_REPORT, expected):
        assert snippet in flat, f"the own-photos section did not print {snippet!r}"
    read = re.search(r"every batch decoded: (\d+) images read, (\d+) listed", run.text)
    assert read and int(read.group(1)) == int(read.group(2)) == images
    assert re.search(r"your photos: \d+ epochs? in [\d.]+ s: accuracy [\d.]+", run.text)
    assert re.search(r"test accuracy [\d.]+ on \d+ photos: one photo is worth", run.text)


def test_own_photos_are_checked_and_trained_on(run):
    own_photos_section(run, per_class=12)


def test_own_photos_in_full_mode(full_executed):
    own_photos_section(full_executed(CHAPTER), per_class=40)
