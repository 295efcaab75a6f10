"""Chapter 'Why ResNets work': the identity argument, shortcuts and stage tables it prints."""

import re

import pytest

CHAPTER = "chapters/case-studies/why-resnets-work.ipynb"


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def test_zeroed_block_is_the_identity_and_plain_block_is_zero(run):
    run.assert_printed(
        "residual block, last layer zeroed: max |a[l+2] - a[l]| = 0.0",
        "same block without the skip:       max |a[l+2]| = 0.0",
    )


def test_weight_decay_moves_the_residual_block_to_the_identity(run):
    run.assert_printed("decay factor per step: 1 - 0.1 x 0.0001 = 0.99999")
    distances = re.findall(r"residual ([\d.]+), plain ([\d.]+)", run.text)
    assert len(distances) >= 5
    residual = [float(r) for r, _ in distances]
    plain = [float(p) for _, p in distances]
    assert residual[-1] < 0.01 < residual[0]  # towards the identity
    assert plain[-1] > 0.1  # the plain block levels off far from its input


def test_shapes_of_same_convolutions_and_shortcuts(run):
    run.assert_printed(
        "-> can be added to a[l]",
        "zero padding W_s a[l] (fixed):",
        "0 parameters",
        "first 8 channels equal a[l][:, ::2, ::2, :]: True",
        "last 8 channels all zero: True",
    )
    # smoke mode: 8x8x8 activations; a 1x1 projection from 8 to 16 channels has 8 x 16 weights
    run.assert_printed("projection W_s a[l] (1x1 conv, stride 2): (4, 4, 16), kernel (1, 1, 8, 16)")


def test_stage_tables_and_keras_comparison(run):
    run.assert_printed(
        "conv5          7x7       3       512",
        "conv5          7x7       3     2,048",
        "conv4        14x14       6     1,024",
        "ResNet-34: 34 weighted layers, 21,814,696 parameters (21,797,672 trainable)",
        "ResNet-50: 50 weighted layers, 25,636,712 parameters",
        "keras.applications.ResNet50:   25,636,712 parameters",
        "equal",
        "same layers, same names, same weight shapes: True",
        "ResNet-50 at 64x64x3 with 6 classes: 23,600,006 parameters",
    )
    assert "DIFFERENT" not in run.text
    assert run.images >= 2


def test_batch_norm_undoes_a_shrunk_kernel_in_training_mode(run):
    moved = {
        (mode, what): float(value)
        for mode, what, value in re.findall(
            r"(fixed|batch) statistics: (kernel|gamma and beta) x 0\.5 brings the output "
            r"closer to the input by (-?[\d.]+)",
            run.text,
        )
    }
    assert len(moved) == 4
    assert moved["fixed", "kernel"] > 0.05 and moved["fixed", "gamma and beta"] > 0.05
    assert abs(moved["batch", "kernel"]) < 0.001  # batch normalisation undoes it
    assert moved["batch", "gamma and beta"] > 0.05
