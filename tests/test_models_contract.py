"""One builder contract for every builder in ``cnnbook.models`` (keras.applications' arguments).

The same keyword arguments in the same order with Keras's meanings, the same answer to the same
bad value, and ``include_top=False`` returning the feature map (pooled only when asked).
"""

import inspect

import keras
import pytest

from cnnbook.models import BUILDERS, efficientnet, plain_network, residual_network
from cnnbook.models.arguments import POOLINGS

CONTRACT = ["include_top", "input_shape", "pooling", "classes"]
ALL = {
    **BUILDERS,
    "efficientnet": efficientnet,
    "plain_network": plain_network,
    "residual_network": residual_network,
}
# Small inputs each network takes (LeNet-5 reads one channel; AlexNet needs 67 pixels).
SMALL = {"lenet5": (32, 32, 1), "alexnet": (67, 67, 3), "plain_network": (16, 16, 3)}
BUILT = ["lenet5", "alexnet", "vgg16", "googlenet", "resnet34", "resnet50", "mobilenet_v1"]
BUILT += ["mobilenet_v2", "efficientnet_b0", "plain_network"]


def _build(name, **kwargs):
    builder = ALL[name]
    shape = SMALL.get(name, (64, 64, 3))
    if name in ("plain_network", "residual_network"):
        return builder(8, input_shape=shape, **kwargs)
    return builder(input_shape=shape, **kwargs)


@pytest.mark.parametrize("name", sorted(ALL))
def test_keyword_only_arguments_in_keras_order(name):
    parameters = inspect.signature(ALL[name]).parameters
    contract = [p for p in parameters if p in CONTRACT]
    assert contract == CONTRACT, f"{name}: {list(parameters)}"
    for argument in CONTRACT:
        assert parameters[argument].kind is inspect.Parameter.KEYWORD_ONLY, (name, argument)
    assert parameters["include_top"].default is True
    assert parameters["pooling"].default is None


@pytest.mark.parametrize("name", sorted(ALL))
@pytest.mark.parametrize("classes", [0, -1, 2.0, True, "10"])
def test_every_builder_rejects_the_same_class_counts(name, classes):
    with pytest.raises(ValueError, match="classes must be a positive integer"):
        _build(name, classes=classes)


@pytest.mark.parametrize("name", sorted(ALL))
@pytest.mark.parametrize("shape", [(64, 64), (64, 64, 3, 1), (64.0, 64, 3), (True, 64, 3), "64"])
def test_every_builder_rejects_the_same_malformed_shapes(name, shape):
    builder = ALL[name]
    with pytest.raises(ValueError, match="input_shape must be"):
        if name in ("plain_network", "residual_network"):
            builder(8, input_shape=shape)
        else:
            builder(input_shape=shape)


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_builder_rejects_an_unknown_pooling(name):
    with pytest.raises(ValueError, match="pooling must be one of"):
        _build(name, include_top=False, pooling="mean")


@pytest.mark.parametrize("name", BUILT)
def test_without_the_top_the_feature_map_pooled_only_when_asked(name):
    feature_map = _build(name, include_top=False)
    assert len(feature_map.output.shape) == 4, f"{name}: {feature_map.output.shape}"
    channels = feature_map.output.shape[-1]
    for pooling in POOLINGS[1:]:
        pooled = _build(name, include_top=False, pooling=pooling)
        assert tuple(pooled.output.shape) == (None, channels), (name, pooling)
        # Pooling adds no weights: the same network under its feature map.
        assert pooled.count_params() == feature_map.count_params()
    keras.backend.clear_session()


@pytest.mark.parametrize("dropout", ["0.5", None, True, 1.0, -0.1])
def test_a_bad_rate_is_a_sentence_not_a_traceback(dropout):
    with pytest.raises(ValueError, match=r"dropout must be a rate in \[0, 1\)"):
        ALL["alexnet"](dropout=dropout)


@pytest.mark.parametrize("name", BUILT)
def test_with_the_top_one_softmax_output_per_class(name):
    kwargs = {"aux_classifiers": False} if name == "googlenet" else {}
    model = _build(name, classes=7, **kwargs)
    assert tuple(model.output.shape) == (None, 7), name
    keras.backend.clear_session()
