"""Batch normalisation written out, and the checks that it is Keras's layer.

:class:`BatchNorm` follows Ioffe and Szegedy (2015), "Batch Normalization: Accelerating Deep
Network Training by Reducing Internal Covariate Shift" (ICML; arXiv:1502.03167), Algorithm 1,
with the conventions of ``keras.layers.BatchNormalization``: statistics over every axis but
the last (the channels), the *biased* batch variance both for normalising and for the moving
average, and moving statistics updated as ``moving = momentum * moving + (1 - momentum) *
batch``. (The paper's inference statistics average the batches' variances with the unbiased
factor m / (m - 1); PyTorch's running variance does too, and PyTorch's ``momentum`` is the
weight of the *new* batch, 1 minus Keras's.)

:func:`differences_from_keras` runs this layer and Keras's side by side on the same inputs
and weights and returns the largest absolute difference of every quantity, so a chapter and
its tests can show them equal, and show that a wrong variant is caught.
:func:`fraction_travelled` is the share of the way from their initial values to steady batch
statistics that the moving statistics cover in a number of steps.

Taught in *Batch normalisation*.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

KERAS_MOMENTUM = 0.99  # keras.layers.BatchNormalization's defaults
KERAS_EPSILON = 1e-3


class BatchNorm(keras.layers.Layer):
    """Batch normalisation over the last axis (Ioffe and Szegedy 2015, Algorithm 1).

    In training mode each channel is normalised with the mean and biased variance of the
    batch (over the batch and any spatial axes), ``y = gamma * (x - mean) / sqrt(var +
    epsilon) + beta``, and the moving mean and variance take one step towards them. In
    inference mode the moving statistics replace the batch's, so an example's output no longer
    depends on the rest of its batch. Weights in Keras's order: gamma, beta, moving mean,
    moving variance.
    """

    def __init__(self, momentum: float = KERAS_MOMENTUM, epsilon: float = KERAS_EPSILON, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"momentum must lie in [0, 1], got {momentum}")
        if epsilon <= 0:
            raise ValueError(f"epsilon must be positive, got {epsilon}")
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        channels = (int(input_shape[-1]),)
        self.gamma = self.add_weight(shape=channels, name="gamma", initializer="ones")
        self.beta = self.add_weight(shape=channels, name="beta", initializer="zeros")
        self.moving_mean = self.add_weight(
            shape=channels, name="moving_mean", initializer="zeros", trainable=False
        )
        self.moving_variance = self.add_weight(
            shape=channels, name="moving_variance", initializer="ones", trainable=False
        )

    def batch_statistics(self, x):
        """Mean and biased variance of each channel over the batch (and spatial) axes."""
        axes = tuple(range(len(x.shape) - 1))
        mean = ops.mean(x, axis=axes)
        variance = ops.mean(ops.square(x - mean), axis=axes)
        return mean, variance

    def moving_average(self, moving, batch):
        """One step of the exponential moving average: keep ``momentum`` of the old value."""
        return self.momentum * moving + (1.0 - self.momentum) * batch

    def call(self, x, training=None):
        if training:
            mean, variance = self.batch_statistics(x)
            self.moving_mean.assign(self.moving_average(self.moving_mean, mean))
            self.moving_variance.assign(self.moving_average(self.moving_variance, variance))
        else:
            mean, variance = self.moving_mean, self.moving_variance
        normalised = (x - mean) / ops.sqrt(variance + self.epsilon)
        return self.gamma * normalised + self.beta

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "epsilon": self.epsilon}


def fraction_travelled(momentum: float, steps) -> np.ndarray:
    """``1 - momentum**steps``: how far moving statistics have gone towards steady targets.

    After ``n`` updates towards a constant batch statistic ``s`` from the initial value ``m0``,
    the moving value is ``s + (m0 - s) * momentum**n``.
    """
    return 1.0 - float(momentum) ** np.asarray(steps, dtype=float)


def steps_to_travel(momentum: float, fraction: float) -> int:
    """The fewest updates after which the moving statistics have covered ``fraction``."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must lie strictly between 0 and 1, got {fraction}")
    if not 0.0 < momentum < 1.0:
        raise ValueError(f"momentum must lie strictly between 0 and 1, got {momentum}")
    n = int(np.ceil(np.log(1.0 - fraction) / np.log(momentum)))
    # guard against rounding at an exact boundary
    return n if fraction_travelled(momentum, n) >= fraction else n + 1


def _random_weights(channels: int, rng: np.random.Generator) -> list[np.ndarray]:
    """gamma, beta, moving mean, moving variance: anything but the initial values."""
    return [
        rng.uniform(0.5, 2.0, channels).astype("float32"),
        rng.normal(0.0, 1.0, channels).astype("float32"),
        rng.normal(0.0, 1.0, channels).astype("float32"),
        rng.uniform(0.5, 2.0, channels).astype("float32"),
    ]


def differences_from_keras(
    batches,
    *,
    momentum: float = KERAS_MOMENTUM,
    epsilon: float = KERAS_EPSILON,
    layer_class=BatchNorm,
    seed: int = 0,
) -> dict[str, float]:
    """Largest absolute difference between ``layer_class`` and Keras's layer, per quantity.

    Both layers get the same random gamma, beta and moving statistics, then the same
    ``batches`` (float arrays with the channels last) one training step each. Returned:
    ``"training output"`` (over all the steps), ``"gradients (relative)"`` (of a random
    projection of the training output with respect to the input, gamma and beta, over all the
    steps, each divided by the largest of Keras's gradient),
    ``"moving mean"`` and ``"moving variance"`` (after the last step) and ``"inference
    output"`` (on the first batch, after the updates).
    """
    import tensorflow as tf

    batches = [np.asarray(b, dtype="float32") for b in batches]
    if not batches:
        raise ValueError("differences_from_keras needs at least one batch")
    shape = batches[0].shape
    rng = np.random.default_rng(seed)
    weights = _random_weights(shape[-1], rng)
    ours = layer_class(momentum=momentum, epsilon=epsilon)
    theirs = keras.layers.BatchNormalization(momentum=momentum, epsilon=epsilon)
    for layer in (ours, theirs):
        layer.build(shape)
        layer.set_weights(weights)
    found = dict.fromkeys(
        (
            "training output",
            "gradients (relative)",
            "moving mean",
            "moving variance",
            "inference output",
        ),
        0.0,
    )

    def largest(a, b) -> float:
        return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))

    for batch in batches:
        projection = tf.constant(rng.normal(size=batch.shape).astype("float32"))
        outputs, gradients = [], []
        for layer in (ours, theirs):
            x = tf.constant(batch)
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = layer(x, training=True)
                loss = tf.reduce_sum(y * projection)
            outputs.append(y)
            gradients.append(tape.gradient(loss, [x, layer.gamma.value, layer.beta.value]))
        found["training output"] = max(found["training output"], largest(*outputs))
        for g_ours, g_theirs in zip(*gradients, strict=True):
            scale = max(float(np.max(np.abs(np.asarray(g_theirs)))), 1e-12)
            found["gradients (relative)"] = max(
                found["gradients (relative)"], largest(g_ours, g_theirs) / scale
            )
    found["moving mean"] = largest(ours.moving_mean, theirs.moving_mean)
    found["moving variance"] = largest(ours.moving_variance, theirs.moving_variance)
    found["inference output"] = largest(
        ours(batches[0], training=False), theirs(batches[0], training=False)
    )
    return found


def batch_norm_layers(model) -> list:
    """Every batch normalisation layer of ``model`` (Keras's or :class:`BatchNorm`), nested too."""
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization | BatchNorm):
            found.append(layer)
        elif hasattr(layer, "layers"):
            found += batch_norm_layers(layer)
    return found


def _batches(arrays, batch_size: int):
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    n = len(arrays[0])
    for start in range(0, n, batch_size):
        yield tuple(np.asarray(a[start : start + batch_size]) for a in arrays)


def accuracy_in_training_mode(model, images, labels, batch_size: int = 32) -> float:
    """Accuracy with every layer in training mode: batch statistics instead of moving ones.

    Each batch of ``batch_size`` images is normalised with its own statistics. The moving
    statistics that these calls update are put back afterwards, so the model is unchanged.
    """
    saved = [np.array(v) for v in model.non_trainable_variables]
    correct = 0
    for x, y in _batches((images, labels), batch_size):
        predicted = np.argmax(np.asarray(model(x, training=True)), axis=-1)
        correct += int(np.sum(predicted == y))
    for variable, value in zip(model.non_trainable_variables, saved, strict=True):
        variable.assign(value)
    return correct / len(labels)


def recompute_statistics(model, images, batch_size: int = 32) -> int:
    """Replace the moving statistics by averages of the batch statistics over ``images``.

    Ioffe and Szegedy (2015), Algorithm 2: once training is over, the inference statistics of
    each layer are the mean over training batches of the batch means and variances, computed
    with the trained weights. (The paper scales the variance by m / (m - 1), m the number of
    values per channel in a batch; Keras's moving variance is biased, and so is this one.)
    The weights do not change: only forward passes in training mode, with the momentum of
    update k set to (k - 1) / k, which makes the moving value the running mean. Layers that
    are frozen (``trainable=False``) stay in inference mode in Keras and are left alone, and
    dropout runs in training mode during the passes. Returns the number of batches.
    """
    layers = batch_norm_layers(model)
    momenta = [layer.momentum for layer in layers]
    count = 0
    try:
        for count, (x,) in enumerate(_batches((images,), batch_size), start=1):
            for layer in layers:
                layer.momentum = (count - 1) / count
            model(x, training=True)
    finally:
        for layer, momentum in zip(layers, momenta, strict=True):
            layer.momentum = momentum
    return count
