"""A reviewer's realistic wrong submissions, each the reference solution with one mistake.

Other mistakes than the deliberately broken solutions' (tests/broken_solutions/): ones that
scored full marks while the hidden tests compared layer lists rather than behaviour (a model
that hard-codes its input shape, a ResNet-50 without the ReLU after its stem...). Each case
is written as a patch of the solution's own cell, not as a copy of it, so that the mistake
reads in a line and the reference is written once, in the instructor notebook; a patch that
no longer finds its text fails loudly (``Mistake.applied``) instead of testing nothing.

In a patch's ``old`` text, a space stands for any run of white space and comments (the
solution's layout, its ``# BEGIN SOLUTION`` lines); every place ``old`` matches is replaced by
``new``. The mistake lands in the cell that defines the question's function, or, for an
exercise that is a whole cell (``cell=``), in the cell that assigns that name.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import nbformat

ADAM = "keras.optimizers.Adam(fine_tune_learning_rate)"
SPARSE_LOSS = 'loss="sparse_categorical_crossentropy"'
LOGITS_LOSS = "loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)"
PREPROCESS = "keras.applications.mobilenet_v2.preprocess_input"


@dataclass(frozen=True)
class Mistake:
    name: str
    question: str  # the question that must lose points, and only it
    why: str
    patches: tuple[tuple[str, str], ...]
    cell: str | None = None  # a whole-cell exercise: a name its cell assigns

    @property
    def target(self) -> str:
        return self.cell or self.question

    def applied(self, solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
        """A copy of ``solution`` with this mistake in the cell of its question."""
        nb = nbformat.from_dict(solution)
        cell = next((c for c in nb.cells if c.cell_type == "code" and self._owns(c)), None)
        assert cell is not None, f"{self.name}: no cell of the solution defines {self.target}"
        source = cell.source
        for old, new in self.patches:
            pattern = r"(?:\s|#[^\n]*)+".join(re.escape(word) for word in old.split())
            # a function, so that a backslash in new is not a group reference
            source, found = re.subn(pattern, lambda _, new=new: new, source)
            assert found, f"{self.name}: {old!r} is no longer in the solution's {self.target}"
        cell.source = f"# A reviewer's mistake ({self.name}): {self.why}\n{source}"
        return nb

    def _owns(self, cell) -> bool:
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            return False
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == self.target:
                return True
            if self.cell and isinstance(node, ast.Assign):
                if any(isinstance(t, ast.Name) and t.id == self.cell for t in node.targets):
                    return True
        return False


def _m(name, question, why, *patches, cell=None) -> Mistake:
    return Mistake(name, question, why, patches, cell)


MISTAKES: dict[str, list[Mistake]] = {
    "conv-step-by-step": [
        _m(
            "zero_pad_integer_array",
            "zero_pad",
            "the padded copy holds integers, so the pixels lose their fractions",
            ("np.pad(X,", "np.pad(X.astype(int),"),
        ),
        _m(
            "conv_single_step_flipped_filter",
            "conv_single_step",
            "flips the filter as a textbook convolution does (layers cross-correlate)",
            ("s = a_slice_prev * W", "s = a_slice_prev * W[::-1, ::-1]"),
        ),
        _m(
            "conv_forward_caches_padded_input",
            "conv_forward",
            "A_prev becomes its padded copy, so the cache holds the padded input",
            ("A_prev_pad = zero_pad(A_prev, pad)", "A_prev = A_prev_pad = zero_pad(A_prev, pad)"),
        ),
        _m(
            "conv_forward_pads_twice",
            "conv_forward",
            "pads the padded input again, so every window is shifted by pad",
            ("zero_pad(A_prev, pad)", "zero_pad(zero_pad(A_prev, pad), pad)"),
        ),
        _m(
            "conv_forward_width_from_height",
            "conv_forward",
            "the output width comes from the input's height: right for square inputs only",
            ("n_W = (n_W_prev", "n_W = (n_H_prev"),
        ),
        _m(
            "pool_forward_window_end_ignores_stride",
            "pool_forward",
            "the window ends at h + f, not top + f: with a stride above 1 it shrinks",
            ("top : top + f, left : left + f", "top : h + f, left : w + f"),
        ),
    ],
    "convnet-keras": [
        _m(
            "seq_input_shape_on_first_layer",
            "sequential_model",
            "no keras.Input: the first layer is given input_shape=(64, 64, 3), the old idiom",
            ("keras.Input(shape=input_shape),", ""),
            ("ZeroPadding2D(padding=3)", "ZeroPadding2D(padding=3, input_shape=(64, 64, 3))"),
        ),
        _m(
            "seq_relu_before_batchnorm",
            "sequential_model",
            "the ReLU comes before the batch normalisation",
            (
                "keras.layers.BatchNormalization(axis=3), keras.layers.ReLU(),",
                "keras.layers.ReLU(), keras.layers.BatchNormalization(axis=3),",
            ),
        ),
        _m(
            "fun_dense_logits",
            "convolutional_model",
            "the last Dense layer outputs logits, no softmax",
            ('Dense(6, activation="softmax")', "Dense(6)"),
        ),
        _m(
            "fun_input_reshaped_to_64",
            "convolutional_model",
            "the input is resized to 64 x 64 first, so any size gives a stretched answer",
            ("(input_img)", "(keras.layers.Resizing(64, 64)(input_img))"),
        ),
        _m(
            "fun_pool_window_smaller_than_stride",
            "convolutional_model",
            "a 4 x 4 window with stride 8: the same shapes, a quarter of each block seen",
            ("pool_size=(8, 8), strides=8", "pool_size=(4, 4), strides=8"),
        ),
        _m(
            "training_epochs_of_exercise_1",
            "training",
            "trains for exercise 1's number of epochs",
            ("epochs=EPOCHS_FUNCTIONAL", "epochs=EPOCHS_SEQUENTIAL"),
            cell="history_functional",
        ),
        _m(
            "training_from_logits_on_softmax",
            "training",
            "from_logits=True on a softmax output: a second softmax inside the loss",
            (SPARSE_LOSS, LOGITS_LOSS),
            cell="history_functional",
        ),
        _m(
            "training_validated_on_test",
            "training",
            "the test images serve as validation data",
            ("validation_data=validation,", "validation_data=test,"),
            cell="history_functional",
        ),
    ],
    "residual-networks": [
        _m(
            "identity_block_batchnorm_axis_1",
            "identity_block",
            "batch normalisation over the rows (axis 1), as for channels-first images",
            ("BatchNormalization(axis=3)", "BatchNormalization(axis=1)"),
        ),
        _m(
            "identity_block_kernel_size_ignored",
            "identity_block",
            "the middle convolution is 3 x 3 whatever f says",
            ("(f, f)", "(3, 3)"),
        ),
        _m(
            "identity_block_shortcut_after_first_conv",
            "identity_block",
            "the shortcut is the first convolution's output, not the block's input",
            ("X_shortcut = X X = Conv2D(", "X_shortcut = X = Conv2D("),
        ),
        _m(
            "convolutional_block_relu_before_add",
            "convolutional_block",
            "the main path's last ReLU comes before the Add, and none after it",
            (
                'X = Add()([X, X_shortcut]) X = Activation("relu")(X)',
                'X = Add()([Activation("relu")(X), X_shortcut])',
            ),
        ),
        _m(
            "convolutional_block_shortcut_stride_1",
            "convolutional_block",
            "the shortcut's 1x1 convolution keeps stride 1",
            (
                "X_shortcut = Conv2D( F3, (1, 1), strides=(s, s),",
                "X_shortcut = Conv2D(F3, (1, 1), strides=(1, 1),",
            ),
        ),
        _m(
            "convolutional_block_stride_on_last_conv",
            "convolutional_block",
            "the stride goes to the last 1x1 convolution instead of the first",
            ("F1, (1, 1), strides=(s, s),", "F1, (1, 1), strides=(1, 1),"),
            ("F3, (1, 1), strides=(1, 1),", "F3, (1, 1), strides=(s, s),"),
        ),
        _m(
            "resnet50_stem_relu_linear",
            "ResNet50",
            'the stem\'s activation is "linear": no ReLU after the stem',
            ('Activation("relu")', 'Activation("linear")'),
        ),
        _m(
            "resnet50_stem_relu_result_unused",
            "ResNet50",
            "the stem's ReLU is called and its result thrown away",
            ('X = Activation("relu")(X)', 'Activation("relu")(X)'),
        ),
        _m(
            "resnet50_stem_relu_before_batchnorm",
            "ResNet50",
            "the stem's ReLU comes before its batch normalisation",
            (
                'X = BatchNormalization(axis=3)(X) X = Activation("relu")(X)',
                'X = BatchNormalization(axis=3)(Activation("relu")(X))',
            ),
        ),
        _m(
            "resnet50_stem_padding_missing",
            "ResNet50",
            "no zero padding before the 7 x 7 stem convolution",
            ("X = ZeroPadding2D((3, 3))(X_input)", "X = X_input"),
        ),
        _m(
            "resnet50_maxpool_padding_same",
            "ResNet50",
            'the stem\'s max pooling pads ("same"): 16 x 16 instead of 15 x 15 at 64 x 64',
            (
                "MaxPooling2D((3, 3), strides=(2, 2))",
                'MaxPooling2D((3, 3), strides=(2, 2), padding="same")',
            ),
        ),
        _m(
            "resnet50_maxpool_stride_default",
            "ResNet50",
            "the stem's max pooling has no strides=(2, 2): the stride defaults to 3",
            ("MaxPooling2D((3, 3), strides=(2, 2))", "MaxPooling2D((3, 3))"),
        ),
        _m(
            "resnet50_stride_in_stage_2",
            "ResNet50",
            "stage 2 has stage 3's stride and stage 3 stage 2's: the same output shape",
            (
                "([64, 64, 256], 1, 2), ([128, 128, 512], 2, 3),",
                "([64, 64, 256], 2, 2), ([128, 128, 512], 1, 3),",
            ),
        ),
    ],
    "transfer-learning-mobilenet": [
        _m(
            "unreadable_only_jpeg_and_png",
            "unreadable_images",
            "only .jpg, .jpeg and .png are checked, though Keras reads .gif and .bmp too",
            ("not in KERAS_EXTENSIONS", 'not in (".jpg", ".jpeg", ".png")'),
        ),
        _m(
            "unreadable_verify_instead_of_load",
            "unreadable_images",
            "Image.verify() does not decode a JPEG, so one cut short passes",
            ("image.load()", "image.verify()"),
        ),
        _m(
            "model_input_shape_hardcoded",
            "transfer_model",
            "the input is typed in as (160, 160, 3), whatever image_shape says",
            ("keras.Input(shape=input_shape)", "keras.Input(shape=(160, 160, 3))"),
        ),
        _m(
            "model_preprocessing_of_another_network",
            "transfer_model",
            "ResNet-50's preprocessing (BGR, mean subtracted) instead of MobileNetV2's",
            ("mobilenet_v2.preprocess_input", "resnet50.preprocess_input"),
        ),
        _m(
            "model_preprocessing_twice",
            "transfer_model",
            "preprocess_input twice: pixels squeezed to about [-1, -0.99]",
            (f"{PREPROCESS}(x)", f"{PREPROCESS}({PREPROCESS}(x))"),
        ),
        _m(
            "model_rescaled_to_unit_range",
            "transfer_model",
            "pixels divided by 255: [0, 1] instead of the [-1, 1] the base was trained on",
            (f"{PREPROCESS}(x)", "x / 255.0"),
        ),
        _m(
            "fine_tuning_counts_from_the_end",
            "fine_tuning",
            "the layers to train are the last fine_tune_at, not those from fine_tune_at on",
            (
                "before = base_model.layers.index(layer) < fine_tune_at",
                "before = layer not in base_model.layers[-fine_tune_at:]",
            ),
            cell="history_fine",
        ),
        _m(
            "fine_tuning_rmsprop",
            "fine_tuning",
            "fine-tunes with RMSprop, as the original course did, instead of Adam",
            (ADAM, "keras.optimizers.RMSprop(fine_tune_learning_rate)"),
            cell="history_fine",
        ),
        _m(
            "fine_tuning_softmax_with_logits_loss",
            "fine_tuning",
            "from_logits=True on a softmax output: a second softmax inside the loss",
            (SPARSE_LOSS, LOGITS_LOSS),
            cell="history_fine",
        ),
        _m(
            "fine_tuning_without_validation",
            "fine_tuning",
            "no validation data, so nothing to compare with the frozen base's accuracy",
            ("validation_data=validation_dataset,", ""),
            cell="history_fine",
        ),
    ],
}
