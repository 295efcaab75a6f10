"""Questions on *Transfer learning*."""

from cnnbook.costs import dense_params
from cnnbook.quiz import multiple_choice, numeric


def questions() -> list[dict]:
    head = dense_params(1280, 10)
    return [
        numeric(
            "A new head for the ten sign-language digits reads MobileNetV2's 1,280 pooled "
            "features through one dense softmax layer. With the base frozen, how many "
            "parameters are trained?",
            head,
            explanation="(1,280 + 1)·10: only the head is trained; the frozen base's "
            "parameters stay as they are.",
            mistakes={head - 10: "Each of the ten classes also has a bias."},
        ),
        multiple_choice(
            "While a pretrained base is fine-tuned in Keras 3, how do you keep its "
            "BatchNormalization layers in inference mode?",
            {
                "Keep the BatchNormalization layers frozen while unfreezing the rest": "A frozen "
                "BatchNormalization layer always uses its stored statistics.",
                "Call the base with training=False inside the model": "The chapter shows that "
                "once the base is trainable, fit's training=True overrides it.",
                "Nothing: BatchNormalization always runs in inference mode": "A trainable one "
                "uses the batch's statistics during fit.",
            },
            correct="Keep the BatchNormalization layers frozen while unfreezing the rest",
        ),
        multiple_choice(
            "The frozen base's features are computed once and the head is trained on them. "
            "What does that rule out?",
            {
                "Random augmentation of the images": "Each epoch would need the features of "
                "new, augmented images, so they cannot be computed once.",
                "Training the head with a softmax": "The head is the same; it just reads stored "
                "features.",
                "Evaluating on the test set": "The test photos go through the same base once.",
            },
            correct="Random augmentation of the images",
        ),
        multiple_choice(
            "Is a pretrained network always better than one trained from scratch?",
            {
                "No: on all the training images of these uniform hand photos a small ConvNet "
                "trained to convergence beat it, so compare with a well-trained baseline": "The "
                "pretrained weights did beat the same network with random weights at every "
                "training-set size.",
                "Yes, whatever the data": "The chapter's own comparison shows a case where it "
                "is not.",
                "Only when the base is fully fine-tuned": "How much to fine-tune is measured on "
                "validation data; no setting wins by rule.",
            },
            correct="No: on all the training images of these uniform hand photos a small "
            "ConvNet trained to convergence beat it, so compare with a well-trained baseline",
        ),
    ]
