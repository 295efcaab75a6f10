"""Questions on *Using open-source implementations*."""

from cnnbook.costs import dense_params
from cnnbook.quiz import multiple_choice, numeric


def questions() -> list[dict]:
    top = dense_params(1280, 1000)
    return [
        multiple_choice(
            "Why start a project from a published implementation rather than from the paper?",
            {
                "It settles the details papers leave out, and it usually comes with pretrained "
                "weights": "A paper rarely gives every padding, initialisation and "
                "normalisation choice; the code has to.",
                "Papers are usually wrong": "They are usually right, but incomplete.",
                "Implementations are always faster than your own code": "Speed is not the "
                "point; correctness and weights are.",
            },
            correct="It settles the details papers leave out, and it usually comes with "
            "pretrained weights",
        ),
        numeric(
            "MobileNetV2's top is a global average pooling and a dense layer from 1,280 "
            "channels to ImageNet's 1,000 classes. How many parameters does include_top=False "
            "remove?",
            top,
            explanation="(1,280 + 1)·1,000: the pooling has no parameters, so the dense layer "
            "is the whole difference.",
            mistakes={top - 1000: "Each of the 1,000 classes also has a bias."},
        ),
        multiple_choice(
            "Code, pretrained weights and the training data each have a licence. Which must "
            "you check before shipping a product?",
            {
                "All three": "They are separate artefacts, often under different terms; the "
                "weights inherit questions from the data they were trained on.",
                "Only the code's": "The weights are published under their own terms, set by "
                "whoever trained them.",
                "Only the data's": "The code and the weights carry their own licences too.",
            },
            correct="All three",
        ),
        multiple_choice(
            "A repository on GitHub carries no licence at all. What may you do with its code?",
            {
                "Legally nothing beyond reading it: no licence means no permission to reuse; "
                "ask the authors": "Public is not the same as licensed.",
                "Anything: public code is in the public domain": "Copyright applies whether or "
                "not a licence is given.",
                "Use it, as long as you credit the authors": "That is what an attribution "
                "licence allows; without any licence there is no such permission.",
            },
            correct="Legally nothing beyond reading it: no licence means no permission to "
            "reuse; ask the authors",
        ),
        multiple_choice(
            "Why does a network without its top accept any input size?",
            {
                "Only the dense layer fixed the number of inputs; convolutions slide over "
                "whatever they are given": "The parameter count stays the same; the output's "
                "height and width change.",
                "Keras resizes every input to 224 × 224": "Nothing is resized; the feature map "
                "simply has another size.",
                "The pretrained weights are rescaled to the new size": "Convolution weights fit "
                "any input size as they are.",
            },
            correct="Only the dense layer fixed the number of inputs; convolutions slide over "
            "whatever they are given",
        ),
    ]
