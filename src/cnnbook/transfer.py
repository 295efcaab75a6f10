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

import math
import time
from dataclasses import asdict, dataclass

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


# --- the fine-tuning recipe, measured ------------------------------------------------------------
#
# A recipe is everything that decides a fine-tuning run besides the data and the seed; a run
# returns a RecipeResult. Frozen parts are computed once: the layers below the first trainable
# one run once over the images (their output is "the activations at the cut"), unless random
# augmentation needs fresh images every epoch, in which case they run, frozen and in inference
# mode, inside every training step.

AUGMENTATIONS = ("none", "light", "strong")
SCHEDULES = ("constant", "cosine")


class TwoRateAdam(keras.optimizers.Adam):
    """Adam with a lower learning rate for the pretrained variables than for the new head.

    *Discriminative fine-tuning* (Howard & Ruder 2018, "Universal Language Model Fine-tuning
    for Text Classification", ACL, section 3.2): layers far from the new task's output hold
    general features and should move slowly, the new head, which starts random, fast. Here two
    groups: every variable in ``pretrained_variables`` is updated with
    ``pretrained_factor`` times the optimizer's learning rate (a number or a schedule, which
    then applies to both groups), every other one with the rate itself.

    Keras 3 has no per-variable learning rate and no multi-optimizer; scaling the gradients
    instead would not work, since Adam's update does not depend on the gradient's scale. The
    optimizer is not serialisable with its variable groups (``get_config`` keeps the factor).
    """

    def __init__(self, pretrained_variables=(), pretrained_factor: float = 0.1, **kwargs):
        if not 0 <= pretrained_factor <= 1:
            raise ValueError(
                f"pretrained_factor must be between 0 and 1 (a lower rate for the pretrained "
                f"layers), got {pretrained_factor!r}"
            )
        super().__init__(**kwargs)
        self.pretrained_factor = pretrained_factor
        # Keys (ints), not the variables: an optimizer tracks the variables it holds as its
        # own, and resetting its state (reset_optimizer) would then zero the model's weights.
        self._pretrained_keys = frozenset(self._var_key(v) for v in pretrained_variables)

    def is_pretrained(self, variable) -> bool:
        """True if ``variable`` (a Keras variable or its backend variable) gets the low rate."""
        return self._var_key(variable) in self._pretrained_keys

    def update_step(self, gradient, variable, learning_rate):
        if self.is_pretrained(variable):
            learning_rate = learning_rate * self.pretrained_factor
        return super().update_step(gradient, variable, learning_rate)

    def get_config(self):
        return super().get_config() | {"pretrained_factor": self.pretrained_factor}


class SmoothedSparseCrossentropy(keras.losses.Loss):
    """Cross-entropy against integer labels, with label smoothing.

    Label smoothing (Szegedy et al. 2016, "Rethinking the Inception Architecture for Computer
    Vision", CVPR, section 7) trains against ``1 - smoothing`` for the true class plus
    ``smoothing / classes`` spread over all classes, so the network is never pushed towards
    infinitely confident logits. Keras's ``SparseCategoricalCrossentropy`` has no smoothing
    option; this is ``CategoricalCrossentropy(label_smoothing=...)`` on one-hot labels.
    """

    def __init__(self, classes: int, smoothing: float = 0.0, name="smoothed_crossentropy"):
        if not 0 <= smoothing < 1:
            raise ValueError(f"smoothing must be in [0, 1), got {smoothing!r}")
        if classes < 2:
            raise ValueError(f"classes must be at least 2, got {classes!r}")
        super().__init__(name=name)
        self.classes, self.smoothing = classes, smoothing

    def call(self, y_true, y_pred):
        labels = keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32")
        one_hot = keras.ops.one_hot(labels, self.classes)
        return keras.losses.categorical_crossentropy(
            one_hot, y_pred, label_smoothing=self.smoothing
        )

    def get_config(self):
        return {"classes": self.classes, "smoothing": self.smoothing, "name": self.name}


def augmentation(strength: str, seed: int = 0) -> keras.Sequential | None:
    """Random geometric and contrast changes of images in 0..255; ``"none"`` gives None.

    ``"light"``: shifts up to 5%, zooms up to 10%, rotations up to 0.03 of a turn (11
    degrees). ``"strong"``: 15%, 25%, 0.08 of a turn (29 degrees) and contrast changes up to
    30%. No flips: a mirrored hand is the other hand, and the photos show the signing hand as
    it is. Active only when called with ``training=True`` (inside ``fit``).
    """
    if strength not in AUGMENTATIONS:
        raise ValueError(f"augmentation strength must be one of {AUGMENTATIONS}, got {strength!r}")
    if strength == "none":
        return None
    light = strength == "light"
    shift, zoom, turn, contrast = (0.05, 0.1, 0.03, 0.0) if light else (0.15, 0.25, 0.08, 0.3)
    layers = [
        keras.layers.RandomTranslation(shift, shift, fill_mode="nearest", seed=seed),
        keras.layers.RandomZoom(zoom, fill_mode="nearest", seed=seed + 1),
        keras.layers.RandomRotation(turn, fill_mode="nearest", seed=seed + 2),
    ]
    if contrast:
        layers.append(keras.layers.RandomContrast(contrast, value_range=(0, 255), seed=seed + 3))
    return keras.Sequential(layers, name=f"augment_{strength}")


def split_before(base: keras.Model, name: str | None) -> tuple[keras.Model, keras.Model | None]:
    """Cut ``base`` just below layer ``name``: (bottom, top), sharing the base's layers.

    ``top`` starts with layer ``name``, so ``top(bottom(x))`` equals ``base(x)``; ``None``
    gives ``(base, None)``: nothing above the cut but the new head. In MobileNetV2 every
    block's first layer (``block_13_expand``) can start a top: the residual connection that
    jumps over it starts at the cut itself. A cut inside a block fails with a sentence.
    """
    if name is None:
        return base, None
    names = [layer.name for layer in base.layers]
    if name not in names:
        raise ValueError(f"{base.name} has no layer {name!r}")
    if names.index(name) == 0:
        raise ValueError(f"{name!r} is the input of {base.name}: there is nothing below it")
    cut = base.get_layer(name).input
    try:
        bottom = keras.Model(base.input, cut, name=f"{base.name}_below_{name}")
        top = keras.Model(cut, base.output, name=f"{base.name}_from_{name}")
    except ValueError as error:
        raise ValueError(
            f"cannot cut {base.name} below {name!r}: a connection jumps over that point (cut "
            f"at the first layer of a block instead, such as 'block_13_expand')"
        ) from error
    return bottom, top


@dataclass(frozen=True)
class Recipe:
    """Everything that decides one fine-tuning run of MobileNetV2 but the data and the seed.

    MobileNetV2: Sandler et al. (2018), "MobileNetV2: Inverted Residuals and Linear
    Bottlenecks", CVPR; the base is ``keras.applications.MobileNetV2`` with ImageNet weights.

    - ``image_size``: pixels per side of the input (ImageNet weights exist for 96 to 224;
      MobileNetV2 was trained at 224). Kornblith et al. (2019, "Do Better ImageNet Models
      Transfer Better?", CVPR) fine-tune at the pretraining resolution, 224.
    - ``first_trainable``: the first layer of the base that is trained, all layers after it too
      (``None``: the base stays frozen, only the head trains). BatchNormalization layers stay
      frozen (``unfreeze_top``).
    - ``head_rate``: Adam's learning rate for the new head; ``pretrained_factor`` times it for
      the unfrozen pretrained layers (``TwoRateAdam``; 1 gives one rate for all).
    - ``schedule``: ``"constant"``, or ``"cosine"``: the rate falls from its start to 0 along
      half a cosine over the run (Loshchilov & Hutter 2017, "SGDR: Stochastic Gradient
      Descent with Warm Restarts", ICLR; here one cycle, no restart).
    - ``label_smoothing``: see ``SmoothedSparseCrossentropy``.
    - ``augmentation``: ``"none"``, ``"light"`` or ``"strong"`` (``augmentation``); any but
      ``"none"`` runs the frozen layers below the cut in every step.
    - ``epochs``, ``batch_size``, ``dropout`` (the head's).
    """

    image_size: int = 224
    first_trainable: str | None = "block_13_expand"
    head_rate: float = 1e-3
    pretrained_factor: float = 0.1
    schedule: str = "cosine"
    label_smoothing: float = 0.0
    augmentation: str = "none"
    epochs: int = 6
    batch_size: int = 32
    dropout: float = 0.2

    def __post_init__(self):
        problems = []
        for what in ("image_size", "epochs", "batch_size"):
            value = getattr(self, what)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                problems.append(f"{what} must be a whole number of at least 1, got {value!r}")
        if not self.head_rate > 0:
            problems.append(f"head_rate must be positive, got {self.head_rate!r}")
        if not 0 <= self.pretrained_factor <= 1:
            problems.append(f"pretrained_factor must be in [0, 1], got {self.pretrained_factor!r}")
        if self.schedule not in SCHEDULES:
            problems.append(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if not 0 <= self.label_smoothing < 1:
            problems.append(f"label_smoothing must be in [0, 1), got {self.label_smoothing!r}")
        if self.augmentation not in AUGMENTATIONS:
            problems.append(
                f"augmentation must be one of {AUGMENTATIONS}, got {self.augmentation!r}"
            )
        if not 0 <= self.dropout < 1:
            problems.append(f"dropout must be in [0, 1), got {self.dropout!r}")
        if problems:
            raise ValueError("Recipe: " + "; ".join(problems))

    @property
    def pretrained_rate(self) -> float:
        return self.head_rate * self.pretrained_factor

    def describe(self) -> str:
        """The recipe in one line, e.g. for a table of runs."""
        trained = "head only" if self.first_trainable is None else f"from {self.first_trainable}"
        rates = f"head {self.head_rate:g}"
        if self.first_trainable is not None:
            rates += f", base {self.pretrained_rate:g}"
        return (
            f"{self.image_size} px, {trained}, {rates}, {self.schedule}, smoothing "
            f"{self.label_smoothing:g}, augmentation {self.augmentation}, {self.epochs} epochs"
        )


# The recipe measured by ``make bench BENCH=recipe`` (bench/recipe.py) over three seeds, each
# step changed on its own beside it: 224 px, blocks 13-16 and Conv_1 fine-tuned at a tenth of
# the head's rate, cosine decay, 6 epochs. Chosen on the validation split before its test
# accuracy was read. Measured beside it (bench/results/cpu-2-cores.md): a constant rate did better
# on validation over the same three seeds (0.991 against 0.983 on average), so it is the first
# change to try; a single rate of 1e-3 for the pretrained layers too collapsed to chance.
BEST = Recipe()


@dataclass
class RecipeResult:
    """One run of a recipe with one seed: accuracies, curves and times.

    ``epoch_seconds`` are the training epochs' wall-clock times (validation not included);
    the first one includes tracing the training step. ``cpu_seconds`` is the process's CPU
    time over the whole ``fit`` (all threads: on a shared machine the honest measure of the
    work, where wall-clock time also counts the waiting). ``features_seconds`` and
    ``features_cpu_seconds`` are the wall-clock and CPU time the call that made this run spent
    running the frozen layers below the cut over the images (shared by the seeds of that call;
    0 where the activations came from the cache).
    """

    recipe: Recipe
    seed: int
    test_accuracy: float
    validation_accuracy: float
    training_accuracy: float
    history: dict[str, list[float]]
    epoch_seconds: list[float]
    features_seconds: float = 0.0
    cpu_seconds: float = 0.0
    features_cpu_seconds: float = 0.0

    @property
    def seconds_per_epoch(self) -> float:
        """Median epoch time, the first epoch (with its tracing) left out when there are more."""
        later = self.epoch_seconds[1:] or self.epoch_seconds
        return float(np.median(later))

    @property
    def train_seconds(self) -> float:
        return float(sum(self.epoch_seconds))

    def as_dict(self) -> dict:
        """Plain numbers and strings (for JSON: the bench section)."""
        return {
            "recipe": asdict(self.recipe),
            "seed": self.seed,
            "test_accuracy": self.test_accuracy,
            "validation_accuracy": self.validation_accuracy,
            "training_accuracy": self.training_accuracy,
            "epoch_seconds": list(self.epoch_seconds),
            "seconds_per_epoch": self.seconds_per_epoch,
            "train_seconds": self.train_seconds,
            "features_seconds": self.features_seconds,
            "cpu_seconds": self.cpu_seconds,
            "features_cpu_seconds": self.features_cpu_seconds,
        }


class _EpochClock(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


class _Validation(keras.callbacks.Callback):
    """Validation accuracy after every epoch, on stored activations, into the logs."""

    def __init__(self, measure):
        super().__init__()
        self.measure = measure

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["val_accuracy"] = self.measure()


def accuracy_of(model: keras.Model, x, y, batch_size: int = 64) -> float:
    """The fraction of ``x`` that ``model`` classifies as ``y`` (arrays, one pass)."""
    data = arrays_dataset(x, batch_size=batch_size, shuffle=False)
    predicted = np.asarray(model.predict(data, verbose=0)).argmax(axis=-1)
    return float(np.mean(predicted == np.asarray(y).reshape(-1)))


def _checked_images(images, size: int) -> dict:
    parts = ("train", "validation", "test")
    if not isinstance(images, dict) or set(images) != set(parts):
        raise ValueError(f"images must be a dict with the parts {parts}, each (x, y)")
    for part in parts:
        x, y = images[part]
        if np.ndim(x) != 4 or tuple(np.shape(x)[1:]) != (size, size, 3):
            raise ValueError(
                f"images[{part!r}] must be (N, {size}, {size}, 3) pixels 0..255 at the "
                f"recipe's image size, got shape {np.shape(x)}"
            )
        if len(x) != len(y) or len(x) == 0:
            raise ValueError(f"images[{part!r}] must hold as many labels as images, and some")
    return images


def run_recipe(
    base: keras.Model,
    recipe: Recipe,
    images: dict,
    seeds,
    *,
    classes: int,
    cache: dict | None = None,
    run_eagerly: bool = False,
) -> list[RecipeResult]:
    """Fine-tune ``base`` (pretrained, built at ``recipe.image_size``) by ``recipe``, per seed.

    ``images`` maps ``"train"``, ``"validation"`` and ``"test"`` to ``(x, y)``: pixels 0..255
    and integer labels. Each seed restarts from the base's weights as given and a new head
    initialised with that seed; it also fixes the batch order and augmentation. The model is
    built and compiled once for all seeds (compiling a MobileNetV2 step takes seconds on a CPU).

    The layers below ``recipe.first_trainable`` run once over the images (their activations go
    into ``cache``, a dict the caller may share between recipes on the same base and images),
    except over the training images when augmentation is on: then they run, frozen, in every
    step. Activations at a cut above one already in the cache are computed from those, so a
    ladder of recipes on one base runs its lower layers over the images once. The base is left
    with its original weights and frozen.
    """
    size = base.input_shape[1]
    if size != recipe.image_size:
        raise ValueError(
            f"the base was built for {size}x{size} input, the recipe asks for "
            f"{recipe.image_size}x{recipe.image_size}: build the base at the recipe's size"
        )
    images = _checked_images(images, size)
    seeds = list(seeds)
    if not seeds:
        raise ValueError("run_recipe needs at least one seed")
    cache = {} if cache is None else cache
    pretrained = base.get_weights()
    bottom, top = split_before(base, recipe.first_trainable)
    cut = recipe.first_trainable or "output"
    names = [layer.name for layer in base.layers]
    depth = {None: len(names)} | {name: i for i, name in enumerate(names)}
    features_seconds = features_cpu_seconds = 0.0

    def activations(part):
        nonlocal features_seconds, features_cpu_seconds
        x = images[part][0]
        key = (base.name, size, cut, part, id(x), len(x))
        if key not in cache:
            start, cpu = time.perf_counter(), time.process_time()
            lower = [
                k
                for k in cache
                if k[:2] == key[:2]
                and k[3:] == key[3:]
                and k[2] != cut
                and depth[None if k[2] == "output" else k[2]] < depth[recipe.first_trainable]
            ]
            if lower:  # from the highest cut below this one already computed
                low = max(lower, key=lambda k: depth[None if k[2] == "output" else k[2]])
                end = base.output if recipe.first_trainable is None else bottom.output
                between = keras.Model(base.get_layer(low[2]).input, end)
                cache[key] = extract_features(between, cache[low], preprocess=None)
            else:
                cache[key] = extract_features(bottom, x)
            features_seconds += time.perf_counter() - start
            features_cpu_seconds += time.process_time() - cpu
        return cache[key]

    augment = augmentation(recipe.augmentation)
    stored = {
        part: activations(part)
        for part in ("train", "validation", "test")
        if part != "train" or augment is None
    }
    base.trainable = False
    if recipe.first_trainable is not None:
        unfreeze_top(base, layers_from(base, recipe.first_trainable))
    feature_shape = base.output_shape[1:]
    head = new_head(feature_shape, classes, recipe.dropout, name="recipe_head", seed=0)
    cut_input = keras.Input(bottom.output_shape[1:], name="activations")
    on_cut = keras.Model(cut_input, head(top(cut_input) if top else cut_input))
    if augment is None:
        trained = on_cut
    else:
        pixels = keras.Input((size, size, 3), name="image")
        x = keras.layers.Rescaling(1 / 127.5, offset=-1, name="to_minus1_1")(augment(pixels))
        trained = keras.Model(pixels, on_cut(bottom(x, training=False)))
    n_train = len(images["train"][1])
    steps = recipe.epochs * math.ceil(n_train / recipe.batch_size)
    rate = recipe.head_rate
    if recipe.schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(recipe.head_rate, decay_steps=steps)
    optimizer = TwoRateAdam(
        top.trainable_variables if top else [],
        recipe.pretrained_factor,
        learning_rate=rate,
    )
    trained.compile(
        optimizer,
        SmoothedSparseCrossentropy(classes, recipe.label_smoothing),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        run_eagerly=run_eagerly,
    )
    x_train = stored.get("train", images["train"][0])
    y_train = images["train"][1]
    results = []
    try:
        for seed in seeds:
            base.set_weights(pretrained)
            keras.utils.set_random_seed(seed)  # the new head's initial weights, batches
            head.set_weights(new_head(feature_shape, classes).get_weights())
            reset_optimizer(optimizer)
            clock = _EpochClock()
            cpu = time.process_time()
            validate = _Validation(
                lambda: accuracy_of(on_cut, stored["validation"], images["validation"][1])
            )
            history = trained.fit(
                arrays_dataset(x_train, y_train, recipe.batch_size, seed=seed),
                epochs=recipe.epochs,
                verbose=0,
                shuffle=False,
                callbacks=[clock, validate],
            ).history
            cpu = time.process_time() - cpu
            results.append(
                RecipeResult(
                    recipe=recipe,
                    seed=seed,
                    test_accuracy=accuracy_of(on_cut, stored["test"], images["test"][1]),
                    validation_accuracy=history["val_accuracy"][-1],
                    training_accuracy=history["accuracy"][-1],
                    history={k: [float(v) for v in vs] for k, vs in history.items()},
                    epoch_seconds=clock.seconds,
                    features_seconds=features_seconds,
                    cpu_seconds=cpu,
                    features_cpu_seconds=features_cpu_seconds,
                )
            )
    finally:
        base.set_weights(pretrained)
        base.trainable = False
    return results


def render_recipe(section: dict, machine: dict) -> list[str]:
    """The ``recipe`` section of ``make bench`` (``bench/recipe.py``) as markdown lines.

    One row per seed (test and validation accuracy, seconds per epoch, the first epoch with
    its tracing, the whole training in wall-clock and CPU seconds), then the mean and spread of
    the test accuracy and the time of one whole run: the frozen layers' activations computed
    once, plus the training. Then, where the section has them, one row per ablation run: the
    recipe with one step changed.
    """
    from cnnbook.benchmarks import recorded, table

    runs = section["runs"]
    if not runs:
        raise ValueError("the recipe section holds no runs")

    def cpu(r):
        return f"{r['cpu_seconds']:.0f}" if "cpu_seconds" in r else "-"

    rows = [
        [
            str(r["seed"]),
            f"{r['test_accuracy']:.3f}",
            f"{r['validation_accuracy']:.3f}",
            f"{r['seconds_per_epoch']:.1f}",
            f"{r['epoch_seconds'][0]:.1f}",
            f"{r['train_seconds']:.0f}",
            cpu(r),
        ]
        for r in runs
    ]
    tests = [r["test_accuracy"] for r in runs]
    mean = sum(tests) / len(tests)
    sd = float(np.std(tests, ddof=1)) if len(tests) > 1 else 0.0
    per_epoch = float(np.median([r["seconds_per_epoch"] for r in runs]))
    train = float(np.median([r["train_seconds"] for r in runs]))
    features = section["features_seconds"]
    sizes = section["sizes"]
    weights = "ImageNet weights" if section.get("pretrained", True) else "RANDOM weights"
    cpu_sentence = ""
    if "features_cpu_seconds" in section and all("cpu_seconds" in r for r in runs):
        features_cpu = section["features_cpu_seconds"]
        train_cpu = float(np.median([r["cpu_seconds"] for r in runs]))
        cpu_sentence = (
            f" In CPU time (all threads): {features_cpu:.0f} + {train_cpu:.0f} = "
            f"{features_cpu + train_cpu:.0f} s."
        )
    lines = (
        recorded(section, machine)
        + [
            f"{section['describe']}; {weights}; {section['data']}, {sizes['train']:,} "
            f"training, {sizes['validation']:,} validation and {sizes['test']:,} test images.",
            "",
        ]
        + table(
            [
                "seed",
                "test accuracy",
                "validation accuracy",
                "seconds per epoch",
                "first epoch (s)",
                "training (s)",
                "training (CPU s)",
            ],
            rows,
        )
        + [
            f"Test accuracy {mean:.3f} ± {sd:.3f} (mean ± sd of {len(tests)} seeds, range "
            f"{min(tests):.3f}-{max(tests):.3f}). One run: {features:.0f} s for the frozen "
            f"layers' activations (once) + {train:.0f} s of training ({per_epoch:.1f} s per "
            f"epoch) = {features + train:.0f} s; loading the images took "
            f"{section['load_seconds']:.0f} s." + cpu_sentence,
            "",
        ]
    )
    ablations = section.get("ablations") or []
    if ablations:
        lines += ["**Each step changed on its own** (one seed per row unless repeated)", ""]
        lines += table(
            [
                "recipe",
                "seed",
                "test accuracy",
                "validation accuracy",
                "seconds per epoch",
                "training (s)",
                "training (CPU s)",
            ],
            [
                [
                    r["label"],
                    str(r["seed"]),
                    f"{r['test_accuracy']:.3f}",
                    f"{r['validation_accuracy']:.3f}",
                    f"{r['seconds_per_epoch']:.1f}",
                    f"{r['train_seconds']:.0f}",
                    cpu(r),
                ]
                for r in ablations
            ],
        )
    return lines
