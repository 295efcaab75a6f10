"""Chapter 'Data augmentation': its invariants and measured figures, from a smoke-mode run."""

import re

import numpy as np
import pytest

CHAPTER = "chapters/practice/data-augmentation.ipynb"
AUGMENTATIONS = (
    "mirror",
    "random crop",
    "rotation",
    "shear",
    "local warping",
    "colour shift",
    "PCA colour",
    "colour jitter",
)


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_every_augmentation_is_inactive_at_inference(run, name):
    run.assert_printed(f"{name:14s} training=False -> shape (160, 240, 3), unchanged: True")


def test_random_crop_does_not_crop_at_inference(run):
    # Keras 3.15 returns the input unchanged (the chapter warns about it); if a later Keras
    # centre-crops, the chapter's text must change with it.
    run.assert_printed("RandomCrop(48, 48) alone at inference on 64x64 input -> (1, 64, 64, 3)")


def _matrix(text, title):
    block = text.split(title, 1)[1]
    numbers = re.findall(r"-?\d+\.\d+", block)[:9]
    return np.array(numbers, dtype=float).reshape(3, 3)


def test_pca_colour_shifts_have_covariance_sigma_squared_c(run):
    run.assert_printed("component 1: eigenvalue", "of the colour variance")
    drawn = _matrix(run.text, "covariance of 20,000 drawn shifts:")
    expected = _matrix(run.text, "sigma^2 C:")
    assert np.allclose(drawn, expected, rtol=0.1, atol=0.5)


def test_pipeline_throughput_and_epoch_times_are_measured(run):
    for label in (
        "no augmentation",
        "augmentation, sequential map",
        "augmentation, parallel map + prefetch",
    ):
        assert re.search(rf"{re.escape(label)} +[\d,]+ images/s", run.text), label
    for label in (
        "augmentation inside the model",
        "augmentation in tf.data, sequential",
        "augmentation in tf.data, parallel + prefetch",
    ):
        assert re.search(
            rf"{re.escape(label)} +[\d.]+x the time of an epoch without augmentation", run.text
        ), label


def test_accuracy_with_and_without_augmentation_is_measured(run):
    assert re.search(r"strength 0\.0: validation accuracy [\d.]+", run.text)
    assert re.search(r"strength 1\.0: validation accuracy [\d.]+", run.text)
    assert re.search(r"without augmentation [\d.]+; best strength [\d.]+: [\d.]+ \([+-]", run.text)
    assert re.search(r"standard error of one run's accuracy on [\d,]+ validation images", run.text)
    # the photo grid, the sign-digit grid, accuracy against strength, two learning curves
    assert run.images >= 5
