"""Data augmentation: the two colour layers Keras lacks, and one switchable pipeline.

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
