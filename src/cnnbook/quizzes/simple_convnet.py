"""Questions on *A simple convolutional network*."""

from cnnbook.costs import conv_output_size, conv_params
from cnnbook.quiz import multiple_choice, numeric


def questions() -> list[dict]:
    side = conv_output_size(37, 5, 0, 1)
    params = conv_params(5, 10, 20)
    return [
        numeric(
            "In the chapter's network conv2 (f = 5, 20 filters, no padding) reads conv1's "
            "37 × 37 × 10 output. With stride 1 instead of 2, how many pixels wide would its "
            "output be?",
            side,
            explanation="(37 - 5) / 1 + 1: without the stride the output barely shrinks.",
            mistakes={
                conv_output_size(37, 5, 0, 2): "That is the output at stride 2, the chapter's "
                "setting.",
                37 - 5: "Add one: (n - f) / s + 1 positions fit across.",
            },
        ),
        numeric(
            "How many parameters has conv2, with 20 filters of 5 × 5 on conv1's 10 channels?",
            params,
            explanation="(5·5·10 + 1)·20: every filter spans the 10 channels and has a bias.",
            mistakes={
                params - 20: "Each of the 20 filters also has one bias.",
                (5 * 5 + 1) * 20: "Each filter spans all 10 channels of its input.",
            },
        ),
        multiple_choice(
            "Through a typical ConvNet, how do the volumes change with depth?",
            {
                "Height and width shrink while the number of channels grows": "Later layers "
                "detect more kinds of feature, each needed at fewer positions.",
                "Height and width grow while the number of channels shrinks": "It is the "
                "other way round.",
                "All three stay the same, only the values change": "Strided convolutions and "
                "pooling shrink height and width; more filters add channels.",
            },
            correct="Height and width shrink while the number of channels grows",
        ),
        multiple_choice(
            "Which of the three kinds of layer has no parameters to learn?",
            {
                "Pooling": "It summarises each window by its maximum or mean: hyperparameters, "
                "nothing to learn.",
                "Convolution": "Its filters and biases are learned.",
                "Fully connected": "Its weights and biases are learned, usually most of the "
                "network's parameters.",
            },
            correct="Pooling",
        ),
        multiple_choice(
            "Why does the network shrink the volume before the final softmax layer?",
            {
                "A fully connected layer needs one weight per input number and class, so its "
                "size grows with the volume it reads": "Flattening conv1's output instead "
                "would have multiplied the softmax layer's weights several times over.",
                "A softmax cannot read more than a few thousand numbers": "It can read any "
                "number; the cost is in its weights.",
                "Convolutions cannot work on large volumes": "Their parameter count does not "
                "depend on the size of their input at all.",
            },
            correct="A fully connected layer needs one weight per input number and class, so "
            "its size grows with the volume it reads",
        ),
    ]
