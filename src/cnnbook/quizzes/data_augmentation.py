"""Questions on *Data augmentation*."""

from cnnbook.quiz import multiple_choice


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
    ]
