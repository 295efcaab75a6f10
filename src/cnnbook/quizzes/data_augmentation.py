"""Questions on *Data augmentation*."""

from cnnbook.quiz import multiple_choice, numeric

# The CutMix question: a 16x8 rectangle of image j pasted into a 32x32 image i.
IMAGE_SIDE, PATCH_HEIGHT, PATCH_WIDTH = 32, 16, 8


def cutmix_label_weights(side: int, height: int, width: int) -> tuple[float, float]:
    """(weight of image i's label, weight of image j's) after CutMix pastes a ``height`` x
    ``width`` rectangle of image j into the ``side`` x ``side`` image i: the areas' shares."""
    pasted = height * width / side**2
    return 1 - pasted, pasted


def questions() -> list[dict]:
    return [
        multiple_choice(
            "When are Keras's augmentation layers random?",
            {
                "Only in training mode; check what each layer does at inference": "The chapter "
                "found that Keras 3.15's RandomCrop does not crop at inference.",
                "Always, also when the model predicts": "At inference they pass the images "
                "through (or do something deterministic).",
                "Only when called inside a tf.data pipeline": "Inside the model they are random "
                "in training mode too.",
            },
            correct="Only in training mode; check what each layer does at inference",
        ),
        multiple_choice(
            "What does AlexNet's PCA colour augmentation change?",
            {
                "It shifts each image's colours along the principal components of the training "
                "pixels' RGB values": "Shifts follow the directions in which natural colours "
                "vary, like changes of light.",
                "It converts images to grey and back": "The colours change, but along the "
                "data's own principal directions.",
                "It rotates the images by a random angle": "That is a geometric augmentation.",
            },
            correct="It shifts each image's colours along the principal components of the "
            "training pixels' RGB values",
        ),
        multiple_choice(
            "When the CPU itself trains the model, where is augmentation cheapest?",
            {
                "In augmentation layers inside the model": "A parallel map on a few cores "
                "buys little: each augmentation op already keeps the cores busy.",
                "In a tf.data map with many parallel calls": "That pays off when another "
                "device (a GPU) trains while the CPU augments.",
                "Precomputed once before training": "Then every epoch sees the same variants, "
                "which is no longer random augmentation.",
            },
            correct="In augmentation layers inside the model",
        ),
        multiple_choice(
            "How should you choose the strength of augmentation?",
            {
                "As a hyperparameter, measured on validation data over several seeds": "Too "
                "strong an augmentation clearly hurt in the chapter's measurements.",
                "As strong as possible: more variation always helps": "Too strong an "
                "augmentation makes the training images unlike the real ones.",
                "By the training accuracy it reaches": "Augmentation usually lowers training "
                "accuracy; the question is what happens on validation data.",
            },
            correct="As a hyperparameter, measured on validation data over several seeds",
        ),
        _cutmix_question(),
    ]


def _cutmix_question() -> dict:
    kept, pasted = cutmix_label_weights(IMAGE_SIDE, PATCH_HEIGHT, PATCH_WIDTH)
    side_share = PATCH_HEIGHT / IMAGE_SIDE
    return numeric(
        f"CutMix pastes a {PATCH_HEIGHT}x{PATCH_WIDTH} rectangle of image j (a 7) into the "
        f"{IMAGE_SIDE}x{IMAGE_SIDE} image i (a 3). What weight does class 7 get in the mixed "
        "label? (A decimal, e.g. 0.25.)",
        pasted,
        explanation=f"The labels are mixed by area: {PATCH_HEIGHT} x {PATCH_WIDTH} = "
        f"{PATCH_HEIGHT * PATCH_WIDTH} of {IMAGE_SIDE**2} pixels come from image j, a share of "
        f"{pasted:g}; class 3 keeps {kept:g}.",
        tolerance=0.002,
        mistakes={
            kept: "That is the weight of class 3, the image the rectangle was pasted into.",
            side_share: "That is the rectangle's height over the image's; the weight is a "
            "share of the area.",
        },
    )
