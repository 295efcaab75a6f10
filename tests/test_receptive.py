"""cnnbook.receptive: the recurrence, the Keras reader, and both against brute force.

The brute force is the gradient of one output position with respect to the input, on a copy
of the model with positive weights (cnnbook.receptive.influence_map): a pixel influences the
output exactly where that gradient is positive. Its first and last row and column must be the
calculator's region for that position, on models a wrong formula would get wrong.
"""

import keras
import numpy as np
import pytest
from keras import layers

from cnnbook.receptive import (
    INPUT,
    ReceptiveField,
    extent,
    influence_map,
    model_receptive_field,
    receptive_field,
    receptive_field_steps,
)


def chain(side, *stack, channels=2):
    """A functional model: input side x side x channels, then the given layers in order."""
    inputs = keras.Input((side, side, channels))
    x = inputs
    for layer in stack:
        x = layer(x)
    return keras.Model(inputs, x)


def conv(k, s=1, padding="valid", d=1, filters=2):
    return layers.Conv2D(filters, k, strides=s, padding=padding, dilation_rate=d)


def brute_force_matches(model, position=None, *, inside=True):
    """The calculator's region for ``position`` (centre) equals the gradient's extent."""
    field = model_receptive_field(model)
    _, height, width, _ = model.outputs[0].shape
    row, column = position or (height // 2, width // 2)
    influence = influence_map(model, (row, column))
    side = model.inputs[0].shape[1]
    for axis, i in ((0, row), (1, column)):
        first, last = field.region(i)
        if inside:  # the test is only as good as the field fits in the image
            assert 0 <= first and last < side, (first, last, side)
        assert extent(influence, axis) == (max(first, 0), min(last, side - 1))
    return field


# --- The plain recurrence -----------------------------------------------------------------------


def test_two_and_three_3x3_see_5x5_and_7x7():
    assert receptive_field([(3,)] * 2).size == receptive_field([(5,)]).size == 5
    assert receptive_field([(3, 1)] * 3).size == receptive_field([(7, 1)]).size == 7
    assert receptive_field([]) == INPUT == ReceptiveField(1, 1, 0)


def test_the_jump_multiplies_and_the_field_grows_by_it():
    steps = receptive_field_steps([(3, 2), (3, 2), (3, 1)])
    assert [(f.size, f.jump) for f in steps] == [(3, 2), (7, 4), (15, 4)]
    # VGG-16, stage by stage: (3x3 conv) x 2, 2, 3, 3, 3, each stage ending in a 2x2/2 pool
    vgg = []
    for convs in (2, 2, 3, 3, 3):
        vgg += [(3, 1, 1, 1)] * convs + [(2, 2)]
    field = receptive_field(vgg)
    assert (field.size, field.jump, field.first) == (212, 32, -90)  # Araujo et al. 2019: 212


def test_dilation_padding_start_and_regions():
    field = receptive_field([(3, 1, 2), (3, 1, 4)])
    assert (field.size, field.jump) == (1 + 4 + 8, 1)
    padded = receptive_field([(3, 1, 1, 1), (3, 2, 1, 1), (3, 1, 1, 1)])
    assert (padded.size, padded.jump, padded.first) == (9, 2, -4)
    assert padded.start == 0.0 and padded.last == 4 and padded.region(2) == (0, 8)


def test_bad_layers_are_sentences():
    with pytest.raises(ValueError, match="kernel must be a positive integer"):
        receptive_field([(0, 1)])
    with pytest.raises(ValueError, match="stride must be a positive integer"):
        receptive_field([(3, 1.5)])
    with pytest.raises(ValueError, match=r"\(kernel, stride, dilation, padding\)"):
        receptive_field([(3, 1, 1, 0, 9)])


# --- The brute force itself ---------------------------------------------------------------------


def test_influence_of_one_3x3_convolution_is_its_window():
    model = chain(7, conv(3))
    influence = influence_map(model, (2, 2))
    assert np.flatnonzero(influence.max(axis=1)).tolist() == [2, 3, 4]
    assert np.flatnonzero(influence.max(axis=0)).tolist() == [2, 3, 4]
    assert np.allclose(influence[2:5, 2:5], influence[3, 3])  # every tap weighs the same


def test_influence_sees_the_whole_window_of_a_max_pool():
    # The raw gradient of a max pool on an input of ones reaches one pixel per window; the
    # influence map replaces it by an average pool, so it sees all four.
    model = chain(4, layers.MaxPooling2D(2))
    assert int((influence_map(model, (0, 0)) > 0).sum()) == 4


# --- The calculator against the brute force ----------------------------------------------------


def test_stacked_3x3_convolutions():
    field = brute_force_matches(chain(15, conv(3), conv(3), conv(3)))
    assert (field.size, field.jump) == (7, 1)
    same = brute_force_matches(chain(15, *(conv(3, padding="same") for _ in range(3))))
    assert (same.size, same.first) == (7, -3)


def ignoring_the_jump(layer_list):
    """A wrong formula: every layer adds k - 1 input pixels, whatever came before."""
    return 1 + sum(k - 1 for k, *_ in layer_list)


def test_a_stride_2_stack_and_a_formula_without_the_jump_disagrees():
    model = chain(40, conv(3, 2), conv(3, 2), conv(3))
    field = brute_force_matches(model)
    assert (field.size, field.jump) == (15, 4)
    measured = extent(influence_map(model), 0)
    assert measured[1] - measured[0] + 1 == 15
    assert ignoring_the_jump([(3, 2), (3, 2), (3, 1)]) == 7 != 15


def test_same_padding_with_stride_2_on_even_and_odd_sides():
    # TensorFlow puts the odd pixel of 'same' padding after the image: the offset depends on
    # the side, and the calculator must place the field where the gradient is.
    for side in (32, 33):
        model = chain(side, conv(3, 2, "same"), conv(5, 2, "same"), conv(3, 1, "same"))
        field = brute_force_matches(model)
        assert (field.size, field.jump) == (3 + 4 * 2 + 2 * 4, 4)


def test_pooling_layers():
    model = chain(
        40,
        conv(3),
        layers.MaxPooling2D(2),
        conv(3),
        layers.AveragePooling2D(3, strides=2, padding="same"),
        conv(3),
    )
    field = brute_force_matches(model)
    assert (field.size, field.jump) == (3 + 1 + 2 * 2 + 2 * 2 + 2 * 4, 4)


def test_dilation():
    model = chain(31, conv(3, d=2), conv(3, d=4), conv(3, padding="same", d=3))
    field = brute_force_matches(model)
    assert field.size == 1 + 4 + 8 + 6


def test_padding_and_cropping_layers():
    model = chain(
        20,
        layers.ZeroPadding2D(((3, 0), (3, 0))),
        conv(3, 2),
        layers.Cropping2D(((1, 0), (1, 0))),
        conv(3),
    )
    field = brute_force_matches(model, (3, 3))
    assert (field.size, field.jump, field.first) == (7, 2, -3 + 2)


def test_depthwise_and_separable_convolutions():
    model = chain(
        30,
        layers.DepthwiseConv2D(3, strides=2),
        layers.SeparableConv2D(2, 5, dilation_rate=2),
        layers.BatchNormalization(),
        layers.ReLU(6.0),
    )
    field = brute_force_matches(model)
    assert (field.size, field.jump) == (3 + 8 * 2, 2)


def residual_model(side=32):
    """A stride-2 residual block: two 3x3 convolutions plus a strided 1x1 shortcut."""
    inputs = keras.Input((side, side, 2))
    x = layers.Conv2D(2, 3, padding="same")(inputs)
    y = layers.Conv2D(2, 3, strides=2, padding="same")(x)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(2, 3, padding="same")(y)
    shortcut = layers.Conv2D(2, 1, strides=2)(x)
    x = layers.Add()([y, shortcut])
    x = layers.Conv2D(2, 3, padding="same")(x)
    return keras.Model(inputs, x)


def test_a_residual_branch_takes_the_longest_path():
    field = brute_force_matches(residual_model())
    # input conv 3; longest path: +2 (3x3/2), +2*2 (3x3), then +2*2 (the last 3x3)
    assert (field.size, field.jump) == (3 + 2 + 4 + 4, 2)


def inception_like(side=32):
    """Four branches (1x1, 3x3, 5x5, 3x3 max pool + 1x1) concatenated, then a strided 3x3."""
    inputs = keras.Input((side, side, 2))
    branches = [
        layers.Conv2D(2, 1)(inputs),
        layers.Conv2D(2, 3, padding="same")(layers.Conv2D(2, 1)(inputs)),
        layers.Conv2D(2, 5, padding="same")(layers.Conv2D(2, 1)(inputs)),
        layers.Conv2D(2, 1)(layers.MaxPooling2D(3, strides=1, padding="same")(inputs)),
    ]
    x = layers.Concatenate()(branches)
    x = layers.Conv2D(2, 3, strides=2, padding="same")(x)
    return keras.Model(inputs, x)


def test_an_inception_like_module_takes_its_widest_branch():
    field = brute_force_matches(inception_like())
    assert (field.size, field.jump) == (5 + 2, 2)


def test_branches_whose_centres_differ_give_their_union():
    # A 'valid' 3x3 and a 3x3 shifted by two pixels of padding: the union, not the largest.
    inputs = keras.Input((20, 20, 2))
    a = layers.Conv2D(2, 3)(layers.Cropping2D(((0, 2), (0, 2)))(inputs))
    b = layers.Conv2D(2, 3)(layers.Cropping2D(((2, 0), (2, 0)))(inputs))
    model = keras.Model(inputs, layers.Add()([a, b]))
    field = brute_force_matches(model)
    assert (field.size, field.first) == (5, 0)


def test_a_squeeze_and_excitation_gate_sees_the_whole_input():
    inputs = keras.Input((24, 24, 2))
    x = layers.Conv2D(4, 3, padding="same")(inputs)
    gate = layers.GlobalAveragePooling2D(keepdims=True)(x)
    gate = layers.Conv2D(4, 1, activation="sigmoid")(layers.Conv2D(2, 1)(gate))
    model = keras.Model(inputs, layers.Conv2D(2, 3)(layers.Multiply()([x, gate])))
    field = model_receptive_field(model)
    assert (field.size, field.jump, field.whole_input) == (5, 1, True)
    assert (influence_map(model) > 0).all()  # every input pixel reaches the centre
    assert not model_receptive_field(chain(24, conv(3))).whole_input


def test_a_nested_model_is_read_through():
    inner = chain(40, conv(3, 2), conv(3))
    inputs = keras.Input((40, 40, 2))
    outer = keras.Model(inputs, conv(3)(inner(inputs)))
    assert model_receptive_field(outer) == ReceptiveField(3 + 4 + 4, 2, 0)


def test_the_books_small_networks_by_brute_force():
    from cnnbook.models import alexnet, lenet5

    field = brute_force_matches(lenet5(include_top=False))
    assert (field.size, field.jump) == (16, 4)
    # AlexNet's field (195) nearly spans its 227-pixel input: clipped at one side only.
    field = brute_force_matches(alexnet(include_top=False), inside=False)
    assert (field.size, field.jump, field.first) == (195, 32, -64)


def test_published_values_of_araujo_norris_and_sim():
    from cnnbook.models import mobilenet_v1, vgg16

    assert model_receptive_field(vgg16(include_top=False)).size == 212
    field = model_receptive_field(mobilenet_v1(include_top=False))
    assert (field.size, field.jump) == (315, 32)


# --- What it refuses, in sentences ---------------------------------------------------------------


def test_a_dense_layer_in_the_middle_is_refused_at_the_flatten():
    model = chain(
        8, conv(3), layers.Flatten(name="flat"), layers.Dense(72), layers.Reshape((6, 6, 2))
    )
    with pytest.raises(ValueError, match="'flat' \\(Flatten\\) turns the feature map into"):
        model_receptive_field(model)


def test_unknown_layers_are_named():
    model = chain(8, conv(3), layers.Lambda(lambda t: t * 2, name="double"))
    with pytest.raises(ValueError, match="'double' \\(Lambda\\) is not a layer the"):
        model_receptive_field(model)
    model = chain(8, layers.UpSampling2D(2, name="up"))
    with pytest.raises(ValueError, match="'up' \\(UpSampling2D\\)"):
        model_receptive_field(model)


def test_outputs_without_positions_are_refused():
    from cnnbook.models import lenet5

    with pytest.raises(ValueError, match="no height and width"):
        model_receptive_field(lenet5())  # ends in the classifier
    with pytest.raises(ValueError, match="no height and width"):
        model_receptive_field(lenet5(include_top=False, pooling="avg"))


def test_misaligned_merges_and_unknown_sizes_are_refused():
    inputs = keras.Input((8, 8, 2))
    a = layers.Conv2D(2, 5)(inputs)  # 4x4, jump 1
    b = layers.Conv2D(2, 1, strides=2)(inputs)  # 4x4, jump 2
    with pytest.raises(ValueError, match=r"different jumps \[1, 2\]"):
        model_receptive_field(keras.Model(inputs, layers.Add()([a, b])))
    inputs = keras.Input((None, None, 2))
    model = keras.Model(inputs, conv(3, 2, "same")(inputs))
    with pytest.raises(ValueError, match="unknown size: build the model with a fixed"):
        model_receptive_field(model)
    inputs = keras.Input((8, 8, 2))
    joined = layers.Concatenate(axis=1)([inputs, inputs])
    with pytest.raises(ValueError, match="not along the channels"):
        model_receptive_field(keras.Model(inputs, joined))


def test_rows_and_columns_may_differ():
    model = chain(12, layers.Conv2D(2, (1, 5)))
    with pytest.raises(ValueError, match="differs between rows"):
        model_receptive_field(model)
    assert model_receptive_field(model, axis=0).size == 1
    assert model_receptive_field(model, axis=1).size == 5
