"""Data augmentation: the colour layers Keras lacks, a switchable pipeline, MixUp and friends.

Keras 3 ships most of the classic augmentations as preprocessing layers (``RandomFlip``,
``RandomCrop``, ``RandomRotation``, ``RandomShear``, ``RandomElasticTransform`` for local warping,
``RandomColorJitter``, ...). Two are missing and live here:

- ``RandomChannelShift``: add an independent random offset to each of R, G and B (the plain
  "colour shifting" of the course notes);
- ``PCAColorAugmentation``: AlexNet's colour augmentation (Krizhevsky et al., 2012, section 4.1),
  which shifts every pixel of an image along the principal components of the training set's
  RGB colours.

Both behave like the Keras layers: random only when ``training=True``, the input unchanged at
inference, usable inside a model or in a ``tf.data`` map (they derive from the base class of
Keras's own preprocessing layers, so each batch gets fresh random numbers there too). Give them
an integer ``seed``: in a ``tf.data`` map, Keras layers without one can repeat the same random
draws from batch to batch.

The modern augmentations come from Keras too, with two fixes and one pipeline:

- ``ExactCutMix``: Keras's ``CutMix`` (Yun et al., 2019) with the label weight set to the area
  actually pasted, as the paper does;
- ``FastRandAugment``: Keras's ``RandAugment`` (Cubuk et al., 2020) computing only the
  operations it draws;
- ``augmented_splits``: a training and a validation ``tf.data`` pipeline with one-hot labels,
  the training split alone augmented by one of ``METHODS`` (the classic pipeline, MixUp (Zhang
  et al., 2018), CutMix or RandAugment);
- ``predict_views`` and ``tta_accuracy``: test-time augmentation, the 10-crop of
  ``cnnbook.evaluation`` on reflection-padded images, averaged over the views chosen.

Taught in *Data augmentation*.
"""

from __future__ import annotations

import keras
import numpy as np

try:  # the base class of Keras's preprocessing layers (tf.data-aware random numbers)
    from keras.src.layers.preprocessing.data_layer import DataLayer as _Base
except ImportError:  # pragma: no cover - other Keras versions: a plain layer still works in models
    _Base = keras.layers.Layer


class _KerasOps:
    """``keras.ops`` laid out like a DataLayer's ``backend`` (for the plain-layer fallback)."""

    numpy = keras.ops
    random = keras.random
    cast = staticmethod(keras.ops.cast)
    shape = staticmethod(keras.ops.shape)
    convert_to_tensor = staticmethod(keras.ops.convert_to_tensor)


def _backend(layer):
    """The ops to use: TensorFlow's inside a ``tf.data`` map, the Keras backend's elsewhere."""
    return getattr(layer, "backend", _KerasOps)


def _seed(layer):
    if hasattr(layer, "_get_seed_generator"):
        return layer._get_seed_generator(layer.backend._backend)
    return layer.generator


def _check_rgb_shape(layer, shape) -> None:
    """Refuse what the layer cannot colour-shift: the (..., 1, 1, 3) shifts would broadcast a grey
    (..., 1) image to three channels, silently, and fail deep inside the backend on 4 channels.

    Called from ``call`` (eager and ``tf.data``) and ``compute_output_shape`` (a symbolic
    ``keras.Input``, where Keras does not run ``call``).
    """
    if getattr(shape, "rank", 0) is None:
        return  # unknown rank (a tf.data map that lost its shapes): nothing to check yet
    shape = tuple(shape)
    if len(shape) not in (3, 4) or shape[-1] not in (3, None):
        raise ValueError(
            f"{type(layer).__name__} expects RGB images with 3 channels in the last axis, "
            f"(H, W, 3) or (N, H, W, 3), got shape {shape}."
        )


def rgb_principal_components(images) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (descending) and eigenvectors (columns) of the RGB covariance of ``images``.

    ``images`` has shape (..., 3); every pixel of every image is one sample of three colour values.
    Anything else is refused with a sentence: ``reshape(-1, 3)`` would silently regroup the values
    of grey or RGBA images into false "pixels", and no pixels (or one) give a NaN covariance.
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 0 or images.shape[-1] != 3:
        raise ValueError(
            "rgb_principal_components expects RGB images with 3 channels in the last axis, "
            f"got shape {images.shape}."
        )
    pixels = images.reshape(-1, 3)
    if len(pixels) == 0:
        raise ValueError(
            f"rgb_principal_components got no images or pixels (shape {images.shape}); "
            "fit the colour statistics on the training images."
        )
    if len(pixels) < 2:
        raise ValueError(
            "rgb_principal_components needs at least 2 pixels to estimate a colour covariance, "
            f"got {len(pixels)} (shape {images.shape})."
        )
    bad = int(np.count_nonzero(~np.isfinite(pixels)))
    if bad:
        raise ValueError(
            f"rgb_principal_components got {bad} non-finite values (NaN or inf) in images of "
            f"shape {images.shape}; a colour covariance needs finite pixels."
        )
    covariance = np.cov(pixels, rowvar=False)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    order = np.argsort(eigenvalues)[::-1]
    return eigenvalues[order], eigenvectors[:, order]


@keras.saving.register_keras_serializable(package="cnnbook")
class PCAColorAugmentation(_Base):
    """AlexNet's "fancy PCA" colour augmentation (Krizhevsky et al., 2012).

    For each image, draw :math:`\\alpha_i \\sim N(0, \\sigma^2)`, i = 1, 2, 3, and add the same
    colour :math:`\\sum_i \\alpha_i \\sqrt{\\lambda_i}\\, p_i` to every pixel, where
    :math:`\\lambda_i, p_i` are the eigenvalues and eigenvectors of the 3x3 covariance of the
    training pixels' RGB values. Colours move most along the direction in which the training
    photos' colours already vary most (mostly brightness), and hardly at all across it.

    The paper writes the shift as :math:`\\alpha_i \\lambda_i`; an eigenvalue is a variance, so that
    form only means something for one pixel scale (popular ports use it with pixels in 0..1).
    We use the standard deviation :math:`\\sqrt{\\lambda_i}`, which gives the same behaviour for
    pixels in 0..1 or 0..255: the shifts then have covariance :math:`\\sigma^2 C`, a fraction
    :math:`\\sigma^2` of the pixel colours' own covariance :math:`C`.

    Args:
        eigenvalues: the three eigenvalues of the RGB covariance (any order matching vectors).
        eigenvectors: 3x3 array, one eigenvector per column.
        stddev: :math:`\\sigma`, the standard deviation of each :math:`\\alpha_i` (AlexNet: 0.1).
        value_range: clip results to this range (pixels in 0..255 by default); None: no clip.
        seed: integer seed of the random draws.
    """

    def __init__(
        self, eigenvalues, eigenvectors, stddev=0.1, value_range=(0, 255), seed=None, **kwargs
    ):
        super().__init__(**kwargs)
        eigenvalues = np.asarray(eigenvalues, dtype="float32")
        eigenvectors = np.asarray(eigenvectors, dtype="float32")
        # Said here, not as NumPy's "cannot reshape array of size 1 into shape (3,)".
        if eigenvalues.size != 3 or eigenvectors.size != 9:
            raise ValueError(
                "PCAColorAugmentation expects 3 eigenvalues and a 3x3 matrix of eigenvectors "
                f"(RGB colours), got shapes {eigenvalues.shape} and {eigenvectors.shape}."
            )
        eigenvalues = eigenvalues.reshape(3)
        eigenvectors = eigenvectors.reshape(3, 3)
        if not (np.isfinite(eigenvalues).all() and np.isfinite(eigenvectors).all()):
            raise ValueError(
                "PCAColorAugmentation got non-finite eigenvalues or eigenvectors "
                f"({eigenvalues}, {eigenvectors.tolist()}); fit them on finite RGB pixels."
            )
        if np.any(eigenvalues < -1e-6):
            raise ValueError(f"eigenvalues of a covariance cannot be negative, got {eigenvalues}")
        if stddev < 0:
            raise ValueError(f"stddev must be >= 0, got {stddev}")
        self.eigenvalues = eigenvalues
        self.eigenvectors = eigenvectors
        # Column i of the basis is sqrt(lambda_i) p_i: shift = basis @ alpha.
        self._basis = eigenvectors * np.sqrt(np.clip(eigenvalues, 0, None))[None, :]
        self.stddev = float(stddev)
        self.value_range = None if value_range is None else tuple(map(float, value_range))
        self.seed = seed
        self.generator = keras.random.SeedGenerator(seed)

    @classmethod
    def from_images(cls, images, stddev=0.1, value_range=(0, 255), seed=None, **kwargs):
        """Fit the principal components on ``images`` (N, H, W, 3), as AlexNet did on ImageNet."""
        eigenvalues, eigenvectors = rgb_principal_components(images)
        return cls(
            eigenvalues, eigenvectors, stddev=stddev, value_range=value_range, seed=seed, **kwargs
        )

    def random_shifts(self, batch_size: int):
        """The colour shifts (batch_size, 3) for ``batch_size`` images, in pixel units."""
        ops = _backend(self)
        # In the layer's compute dtype: float16 under mixed precision, like the images.
        alpha = ops.random.normal(
            (batch_size, 3), stddev=self.stddev, dtype=self.compute_dtype, seed=_seed(self)
        )
        basis = ops.convert_to_tensor(self._basis.T, dtype=self.compute_dtype)
        return ops.numpy.matmul(alpha, basis)

    def call(self, images, training=True):
        _check_rgb_shape(self, images.shape)  # at inference too: the same inputs in both modes
        if not training or self.stddev == 0:
            return images
        ops = _backend(self)
        images = ops.cast(images, self.compute_dtype)
        batched = len(images.shape) == 4
        batch = ops.shape(images)[0] if batched else 1
        shifts = self.random_shifts(batch)
        shifts = ops.numpy.reshape(shifts, (-1, 1, 1, 3) if batched else (1, 1, 3))
        out = images + shifts
        if self.value_range is not None:
            out = ops.numpy.clip(out, self.value_range[0], self.value_range[1])
        return out

    def compute_output_shape(self, input_shape):
        _check_rgb_shape(self, input_shape)
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "eigenvalues": self.eigenvalues.tolist(),
            "eigenvectors": self.eigenvectors.tolist(),
            "stddev": self.stddev,
            "value_range": self.value_range,
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package="cnnbook")
class RandomChannelShift(_Base):
    """Add one random offset per colour channel, the same for every pixel of an image.

    Each offset is uniform in ``[-factor, factor] * (high - low)`` of ``value_range``: with
    ``factor=0.1`` and pixels in 0..255, R, G and B each move by up to about 25 levels, like a
    change of light (more red and blue, less green: the photo turns purple).
    """

    def __init__(self, factor=0.1, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= factor <= 1:
            raise ValueError(f"factor must be in [0, 1], got {factor}")
        self.factor = float(factor)
        self.value_range = tuple(map(float, value_range))
        self.seed = seed
        self.generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=True):
        _check_rgb_shape(self, images.shape)
        if not training or self.factor == 0:
            return images
        ops = _backend(self)
        images = ops.cast(images, self.compute_dtype)
        batched = len(images.shape) == 4
        batch = ops.shape(images)[0] if batched else 1
        low, high = self.value_range
        amplitude = self.factor * (high - low)
        shifts = ops.random.uniform(
            (batch, 3),
            minval=-amplitude,
            maxval=amplitude,
            dtype=self.compute_dtype,  # float16 under mixed precision, like the images
            seed=_seed(self),
        )
        shifts = ops.numpy.reshape(shifts, (-1, 1, 1, 3) if batched else (1, 1, 3))
        return ops.numpy.clip(images + shifts, low, high)

    def compute_output_shape(self, input_shape):
        _check_rgb_shape(self, input_shape)
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "factor": self.factor,
            "value_range": self.value_range,
            "seed": self.seed,
        }


def augmentation(
    strength: float = 1.0,
    *,
    image_size: int | None = None,
    seed: int = 0,
    flip: bool = True,
    name: str = "augmentation",
) -> keras.Sequential:
    """A standard training-time augmentation whose every range scales with ``strength``.

    ``strength=1`` gives moderate defaults (mirror, up to +-18 degrees of rotation, up to 15%
    zoom in, 10% shift, +-20% brightness and contrast, +-5% per-channel colour shift);
    ``strength=0`` gives a model that returns its input unchanged, so "no augmentation" goes
    through the same code. Pixels are expected in 0..255. ``image_size`` fixes the input shape.
    """
    if strength < 0:
        raise ValueError(f"strength must be >= 0, got {strength}")
    layers = []
    if image_size is not None:
        layers.append(keras.Input((image_size, image_size, 3)))
    if strength > 0:
        s = float(strength)
        if flip:
            layers.append(keras.layers.RandomFlip("horizontal", seed=seed))
        layers += [
            keras.layers.RandomRotation(min(0.05 * s, 0.5), seed=seed + 1),
            keras.layers.RandomZoom((-min(0.15 * s, 0.9), 0.0), seed=seed + 2),
            keras.layers.RandomTranslation(min(0.1 * s, 1.0), min(0.1 * s, 1.0), seed=seed + 3),
            keras.layers.RandomBrightness(min(0.2 * s, 1.0), value_range=(0, 255), seed=seed + 4),
            keras.layers.RandomContrast(min(0.2 * s, 1.0), value_range=(0, 255), seed=seed + 5),
            RandomChannelShift(min(0.05 * s, 1.0), seed=seed + 6),
        ]
    else:
        layers.append(keras.layers.Identity())
    return keras.Sequential(layers, name=name)


# --- Modern augmentation: MixUp, CutMix, RandAugment, and test-time augmentation ---------------

METHODS = ("none", "classic", "mixup", "cutmix", "randaugment")
"""The training-set treatments ``augmented_splits`` knows, in the order the chapter shows them."""


@keras.saving.register_keras_serializable(package="cnnbook")
class ExactCutMix(keras.layers.CutMix):
    """CutMix (Yun et al., 2019) whose label weight is exactly the pasted area.

    Keras's ``CutMix`` pastes a rectangle of one image of the batch into another and mixes their
    (one-hot) labels, in a ``{"images": ..., "labels": ...}`` dict. It computes the label weight
    from the rectangle's real-valued corners but pastes only the pixels whose integer
    coordinates fall inside them, so on small images the two differ (by up to several percent of
    the image at 32x32). The paper's recipe adjusts the weight to the area actually pasted,
    ``lambda = 1 - (pasted pixels) / (H W)``; this layer does that, from the same mask that
    pastes the pixels. Everything else is Keras's layer: use ``factor=(1.0, 1.0)`` for the
    paper's ``lambda ~ Beta(1, 1)``, the uniform distribution (Keras's default ``factor=1.0``
    draws the Beta's parameter itself uniformly from 0..1, which mostly gives weights near 0
    or 1).
    """

    def transform_labels(self, labels, transformation, training=True):
        if training and transformation is not None:
            ops = self.backend
            mask = ops.cast(transformation["batch_masks"], labels.dtype)
            pasted = ops.numpy.mean(mask, axis=(1, 2, 3))  # the fraction of each image replaced
            transformation = {**transformation, "mix_weight": 1.0 - pasted}
        return super().transform_labels(labels, transformation, training=training)


@keras.saving.register_keras_serializable(package="cnnbook")
class FastRandAugment(keras.layers.RandAugment):
    """RandAugment (Cubuk et al., 2020) that computes only the operations it draws.

    RandAugment applies ``num_ops`` operations in a row, each drawn at random from a fixed list
    (Keras's has 11) and all at one magnitude ``factor``. Keras's layer computes all 11 for each
    of the ``num_ops`` steps and keeps the drawn one with ``where``, throwing ten results away.
    This layer picks the drawn one with ``switch`` (``tf.switch_case`` in a ``tf.data`` map), so
    only it runs. (On 32x32 images, image by image, the per-call overhead then dominates: it
    saved a quarter to a third of the CPU time, not ten elevenths.) The random draws and their
    results are those of Keras's layer; only the arithmetic that was thrown away is skipped.
    Like Keras's layer it draws the operations once per call: call it on one image at a time
    (``augmented_splits`` does) to give every image its own operations, as the paper does.
    """

    def transform_images(self, images, transformation, training=True):
        ops = self.backend
        images = ops.cast(images, self.compute_dtype)
        if not training:
            return images
        transforms = transformation["transforms"]
        names = list(transforms)

        def branch(name):
            layer = getattr(self, name)
            return lambda x: ops.cast(
                layer.transform_images(x, transforms[name]), self.compute_dtype
            )

        for i in range(self.num_ops):
            index = ops.cast(transformation["layer_idxes"][i], "int32")
            images = ops.core.switch(index, [branch(name) for name in names], images)
        return images


def mixing_layer(method: str, *, seed: int = 0, **options):
    """The Keras layer of one of ``METHODS`` (``None`` for ``"none"``), with the book's defaults.

    - ``"classic"``: ``augmentation(strength)`` (``options``: ``strength=1.0``), the chapter's
      pipeline of flips, rotations, zooms, shifts and colour changes;
    - ``"mixup"``: ``keras.layers.MixUp(alpha)`` (Zhang et al., 2018): each image of a batch is
      blended with another, ``lambda x_i + (1 - lambda) x_j``, and so are their one-hot labels,
      with ``lambda ~ Beta(alpha, alpha)``; ``alpha=0.2`` (the paper's ImageNet value);
    - ``"cutmix"``: ``ExactCutMix(factor=(1.0, 1.0))`` (Yun et al., 2019): a rectangle of
      another image is pasted in, and the labels are mixed by area;
    - ``"randaugment"``: ``FastRandAugment(num_ops, factor)``, Keras's ``RandAugment``
      (Cubuk et al., 2020) computing only the operations drawn:
      ``num_ops`` operations drawn at random from a fixed list (shear, shift, rotation,
      brightness, colour, contrast, sharpness, posterize, solarize, auto-contrast, equalise),
      all at one magnitude ``factor``; ``num_ops=2``, ``factor=0.1`` by default here.

    Pixels are expected in 0..255. MixUp, CutMix and RandAugment compute in float32 whatever
    the global precision policy: they run in ``tf.data``, outside the model, where a
    ``mixed_float16`` policy would only mix float16 images with float32 labels.
    """
    if method not in METHODS:
        raise ValueError(f"unknown augmentation method {method!r}; choose one of {METHODS}")
    allowed = {
        "none": set(),
        "classic": {"strength"},
        "mixup": {"alpha"},
        "cutmix": {"factor"},
        "randaugment": {"num_ops", "factor"},
    }[method]
    unknown = set(options) - allowed
    if unknown:
        raise ValueError(
            f"{method!r} takes the options {sorted(allowed) or 'none'}, got {sorted(unknown)}"
        )
    if method == "none":
        return None
    if method == "classic":
        return augmentation(options.get("strength", 1.0), seed=seed, name="classic")
    if method == "mixup":
        return keras.layers.MixUp(alpha=options.get("alpha", 0.2), seed=seed, dtype="float32")
    if method == "cutmix":
        return ExactCutMix(factor=options.get("factor", (1.0, 1.0)), seed=seed, dtype="float32")
    return FastRandAugment(
        value_range=(0, 255),
        num_ops=options.get("num_ops", 2),
        factor=options.get("factor", 0.1),
        seed=seed,
        dtype="float32",
    )


def _check_unbatched_pairs(dataset, what: str) -> None:
    """Refuse what ``augmented_splits`` cannot read: it wants (image, integer label) pairs."""
    spec = dataset.element_spec
    if not (isinstance(spec, tuple) and len(spec) == 2):
        raise ValueError(
            f"augmented_splits expects the {what} dataset to yield (image, label) pairs, "
            f"got elements {spec}."
        )
    image, label = spec
    if image.shape.rank != 3:
        raise ValueError(
            f"augmented_splits expects unbatched {what} images of shape (H, W, C) (it batches "
            f"them itself), got {image.shape}; call .unbatch() first."
        )
    if label.shape.rank != 0 or not label.dtype.is_integer:
        raise ValueError(
            f"augmented_splits expects one integer class label per {what} image (it one-hot "
            f"encodes them itself), got labels of shape {label.shape} and type {label.dtype.name}."
        )


def augmented_splits(
    train,
    validation,
    num_classes: int,
    method: str = "none",
    *,
    batch_size: int = 32,
    seed: int = 0,
    **options,
):
    """Training and validation pipelines with ``method`` applied to the training split only.

    ``train`` and ``validation`` are unbatched ``tf.data`` datasets of (image, integer label)
    pairs, pixels in 0..255 (start them from ``cnnbook.data.without_autotune``). Both come back
    batched with one-hot labels, ready for ``fit`` with ``categorical_crossentropy``: the
    training split shuffled afresh every epoch (by ``seed``) and augmented with
    ``mixing_layer(method, seed=seed, **options)``, the validation split in order and untouched.

    RandAugment (Cubuk et al., 2020) runs image by image, before batching: Keras's layer draws
    its operations once per call, so on a batch every image would get the same two. The
    classic pipeline, MixUp (Zhang et al., 2018) and CutMix (Yun et al., 2019) run on batches,
    MixUp and CutMix because they mix the images of a batch with each other.
    """
    import tensorflow as tf

    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be a whole number of at least 2, got {num_classes!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number of at least 1, got {batch_size!r}")
    _check_unbatched_pairs(train, "training")
    _check_unbatched_pairs(validation, "validation")
    layer = mixing_layer(method, seed=seed, **options)

    def one_hot(images, labels):
        return tf.cast(images, "float32"), tf.one_hot(labels, num_classes, dtype="float32")

    count = int(train.cardinality())
    buffer = count if count > 0 else 10_000
    train = train.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    if method == "randaugment":
        train = train.map(lambda x, y: (layer(tf.cast(x, "float32"), training=True), y))
    train = train.batch(batch_size).map(one_hot)
    if method == "classic":
        train = train.map(lambda x, y: (layer(x, training=True), y))
    elif method in ("mixup", "cutmix"):

        def mix(images, labels):
            out = layer({"images": images, "labels": labels}, training=True)
            return out["images"], out["labels"]

        train = train.map(mix)
    return train.prefetch(tf.data.AUTOTUNE), validation.batch(batch_size).map(one_hot)


TTA_VIEWS = {
    "single view": (0,),
    "flip": (0, 5),
    "shifts": (0, 1, 2, 3, 4),
    "10-crop": tuple(range(10)),
}
"""Test-time augmentations as indices into ``predict_views``'s ten views
(``cnnbook.evaluation.CROP_NAMES``): 0 is the image itself, 1-4 its four diagonal shifts, 5-9
the mirror images of the five."""


def predict_views(model, images, pad: int = 4, batch_size: int = 256) -> np.ndarray:
    """``model``'s probabilities for the 10-crop views of ``images``: shape (10, N, classes).

    Test-time augmentation for a model whose input is the whole image: each image is padded by
    ``pad`` pixels on every side (by reflection, like the training augmentation's shifts) and
    ``cnnbook.evaluation.ten_crop`` takes the 10 crops of the original size, the centre (the
    image itself), the four corners (the image shifted by ``pad`` pixels diagonally) and their
    mirror images. That is the 10-crop testing of AlexNet (Krizhevsky et al., 2012) and VGG,
    taught in *The state of computer vision*, for images the network sees whole. Average over
    the views you want (``TTA_VIEWS``) and take the arg-max.
    """
    from cnnbook import evaluation
    from cnnbook.data import arrays_dataset

    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"predict_views expects images of shape (N, H, W, C), got {images.shape}")
    if isinstance(pad, bool) or not isinstance(pad, int) or pad < 0:
        raise ValueError(f"pad must be a whole number of pixels >= 0, got {pad!r}")
    if pad >= min(images.shape[1:3]):
        raise ValueError(
            f"pad {pad} is too large for {images.shape[1]}x{images.shape[2]} images "
            "(a reflection pad must be smaller than the image)"
        )
    height, width = images.shape[1:3]
    padded = np.pad(images, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="reflect")
    views = evaluation.ten_crop(padded, (height, width))  # (10, N, H, W, C)
    flat = views.reshape((-1,) + views.shape[2:])
    # through arrays_dataset: Keras's own pipeline for arrays waits for tf.data's autotuner
    batches = arrays_dataset(flat, batch_size=batch_size, shuffle=False)
    probabilities = np.asarray(model.predict(batches, verbose=0))
    return probabilities.reshape(10, len(images), -1)


def tta_accuracy(view_probabilities, labels, views) -> float:
    """Accuracy of the mean probabilities over ``views`` (indices into the ten of
    ``predict_views``)."""
    from cnnbook import evaluation

    view_probabilities = np.asarray(view_probabilities)
    views = tuple(views)
    if not views or any(not 0 <= v < len(view_probabilities) for v in views):
        raise ValueError(
            f"views must be indices 0..{len(view_probabilities) - 1}, got {views or 'none'}"
        )
    return evaluation.accuracy(view_probabilities[list(views)].mean(axis=0), labels)
