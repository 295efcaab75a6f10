"""Transfer learning helpers: a new head on a frozen base, precomputed features, fine-tuning depth.

The pattern (Keras's own transfer-learning guide follows it too):

1. take a pretrained network without its classifier (``include_top=False``) as the *base*;
2. freeze it (``base.trainable = False``) and call it with ``training=False``, so that its
   BatchNormalization layers keep using the statistics learned on ImageNet;
3. put a new *head* on it (global average pooling, dropout, a softmax for our classes) and train
   only the head;
4. with more data, unfreeze the top of the base (``unfreeze_top``) and fine-tune it with a small
   learning rate.

Because a frozen base in inference mode is a fixed function, its outputs can be computed once
(``extract_features``) and the head trained on them directly: the same model, far faster.

Taught in *Transfer learning*.
"""

from __future__ import annotations

import keras
import numpy as np

from cnnbook.data.pipelines import arrays_dataset


def mobilenet_v2_preprocess(images):
    """Pixels 0..255 -> -1..1, the input scaling MobileNetV2 was trained with."""
    return keras.applications.mobilenet_v2.preprocess_input(
        np.array(images, dtype="float32", copy=True)
    )


def dataset_arrays(dataset) -> tuple[np.ndarray, np.ndarray]:
    """All (images, labels) of a batched ``tf.data`` dataset, read in ONE pass.

    Reading images and labels in two passes is a classic bug: a dataset that reshuffles each
    iteration (like the book's training split) then pairs images with other images' labels.
    """
    images, labels = [], []
    for batch_images, batch_labels in dataset:
        images.append(np.asarray(batch_images))
        labels.append(np.asarray(batch_labels))
    return np.concatenate(images), np.concatenate(labels)


def new_head(
    feature_shape, classes: int, dropout: float = 0.2, name: str = "head", seed: int | None = None
) -> keras.Sequential:
    """The new classifier: global average pooling -> dropout -> softmax over ``classes``.

    ``feature_shape`` is the base's output shape without the batch axis, e.g. (5, 5, 1280).
    """
    return keras.Sequential(
        [
            keras.Input(tuple(feature_shape)),
            keras.layers.GlobalAveragePooling2D(name="pool"),
            keras.layers.Dropout(dropout, seed=seed, name="dropout"),
            # float32 output: a stable loss under mixed precision (cnnbook.acceleration)
            keras.layers.Dense(classes, activation="softmax", dtype="float32", name="predictions"),
        ],
        name=name,
    )


def classifier_on_base(
    base: keras.Model,
    head: keras.Model,
    *,
    rescale: bool = True,
    bn_inference: bool = True,
    name: str = "transfer_model",
) -> keras.Model:
    """Images (0..255) -> [rescaling to -1..1] -> ``base`` -> ``head``.

    ``bn_inference=True`` calls ``base(x, training=False)``, as Keras's transfer-learning guide
    does. It keeps BatchNormalization in inference mode for direct calls; inside ``fit`` (Keras
    3.15) the outer ``training=True`` overrides it as soon as the base is trainable, so freeze the
    BatchNormalization layers too (``unfreeze_top`` does by default). ``False`` leaves the mode to
    the caller (a randomly initialised base needs training mode to learn its statistics).
    """
    inputs = keras.Input(base.input_shape[1:], name="image")
    x = (
        keras.layers.Rescaling(1 / 127.5, offset=-1, name="to_minus1_1")(inputs)
        if rescale
        else inputs
    )
    x = base(x, training=False) if bn_inference else base(x)
    outputs = head(x)
    return keras.Model(inputs, outputs, name=name)


def extract_features(
    base: keras.Model, images, batch_size: int = 64, preprocess=mobilenet_v2_preprocess
) -> np.ndarray:
    """Run the frozen ``base`` once over ``images`` (0..255) and return its outputs."""
    x = preprocess(images) if preprocess is not None else images
    # a pipeline with autotuning off: predict returns when its last batch is done
    return base.predict(arrays_dataset(x, batch_size=batch_size, shuffle=False), verbose=0)


def unfreeze_top(
    base: keras.Model, n_layers: int | None, *, keep_batchnorm_frozen: bool = True
) -> keras.Model:
    """Make only the last ``n_layers`` layers of ``base`` trainable (None: all, 0: none).

    Layers are counted as Keras lists them (BatchNorm and activation layers count too);
    ``layers_from(base, name)`` gives the count that starts at a named layer.

    ``keep_batchnorm_frozen=True`` leaves every BatchNormalization layer frozen, which in Keras 3
    also keeps it in inference mode (its stored ImageNet statistics). This is the reliable way:
    in Keras 3.15 a ``training=False`` passed when calling the base inside a functional model is
    overridden by ``fit``'s ``training=True`` once the base is trainable.
    """
    layers = base.layers
    if n_layers is None:
        n_layers = len(layers)
    if not 0 <= n_layers <= len(layers):
        raise ValueError(f"n_layers must be between 0 and {len(layers)}, got {n_layers}")
    base.trainable = True
    for index, layer in enumerate(layers):
        unfrozen = index >= len(layers) - n_layers
        if keep_batchnorm_frozen and isinstance(layer, keras.layers.BatchNormalization):
            unfrozen = False
        layer.trainable = unfrozen
    return base


def layers_from(base: keras.Model, name: str) -> int:
    """How many layers of ``base`` there are from the layer called ``name`` to the output."""
    names = [layer.name for layer in base.layers]
    if name not in names:
        raise ValueError(f"{base.name} has no layer {name!r}")
    return len(names) - names.index(name)


def split_at(base: keras.Model, name: str) -> tuple[keras.Model, keras.Model]:
    """Cut a functional ``base`` after layer ``name``: (bottom, top), sharing the same layers.

    ``top(bottom(x))`` equals ``base(x)``. Only valid where the cut crosses the graph at that one
    tensor (no skip connection jumps over it), e.g. after a MobileNetV2 block's ``_add`` layer.
    Training ``top`` trains the base's own layers: the fine-tuned weights end up in ``base``.
    """
    cut = base.get_layer(name).output
    bottom = keras.Model(base.input, cut, name=f"{base.name}_to_{name}")
    top = keras.Model(cut, base.output, name=f"{base.name}_after_{name}")
    return bottom, top


def reset_optimizer(optimizer) -> None:
    """Zero an optimizer's state (step counter, moments), keeping its learning rate.

    Lets one compiled model be trained again from new starting weights without compiling anew:
    compiling a MobileNetV2 training step costs more than a dozen seconds on a small CPU.
    """
    for variable in optimizer.variables:
        if "learning_rate" not in variable.path:
            variable.assign(np.zeros(variable.shape, dtype=variable.dtype))


def restart(model: keras.Model, weights: list[np.ndarray]) -> keras.Model:
    """Set ``model``'s weights (from ``model.get_weights()`` earlier) and reset its optimizer."""
    model.set_weights(weights)
    if getattr(model, "optimizer", None) is not None:
        reset_optimizer(model.optimizer)
    return model
