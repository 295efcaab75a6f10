"""Questions on *Classic networks: LeNet-5, AlexNet, VGG*."""

from cnnbook.costs import conv_params
from cnnbook.quiz import multiple_choice, numeric


def questions() -> list[dict]:
    first = conv_params(3, 3, 64)
    stacked = 2 * conv_params(3, 64, 64, bias=False)
    large = conv_params(5, 64, 64, bias=False)
    return [
        numeric(
            "VGG-16's first layer has 64 filters of 3 × 3 on the RGB input. How many parameters "
            "has it?",
            first,
            explanation="(3·3·3 + 1)·64.",
            mistakes={first - 64: "Each filter also has one bias."},
        ),
        numeric(
            "Two stacked 3 × 3 convolutions see a 5 × 5 window, as one 5 × 5 convolution does. "
            "With 64 channels in and out, how many weights (without biases) do the two 3 × 3 "
            "layers have together?",
            stacked,
            explanation=f"2·(3·3·64·64), fewer than the 5·5·64·64 = {large:,} of one 5 × 5 "
            "layer, and with one more non-linearity.",
            mistakes={
                large: "That is the single 5 × 5 layer; the question asks for the two "
                "3 × 3 layers.",
                stacked // 2: "There are two layers.",
            },
        ),
        multiple_choice(
            "What is VGG's design rule?",
            {
                "3x3 'same' convolutions, 2x2 max pooling with stride 2, and twice the channels "
                "after each pooling": "One block, repeated; only the depth changes between "
                "VGG-11 and VGG-19.",
                "Large filters early (11x11), smaller ones later": "That is AlexNet's "
                "hand-tuned design, which VGG replaced.",
                "Several filter sizes side by side in every block": "That is Inception.",
            },
            correct="3x3 'same' convolutions, 2x2 max pooling with stride 2, and twice the "
            "channels after each pooling",
        ),
        multiple_choice(
            "In LeNet-5, AlexNet and VGG, where do the parameters live and where does the "
            "computation live?",
            {
                "Most parameters in the dense layers, most multiplications in the "
                "convolutions": "A convolution reuses few weights at many positions; a dense "
                "layer uses each weight once.",
                "Both in the dense layers": "The dense layers do little computation: each "
                "weight is used once per image.",
                "Both in the convolutions": "The convolutions hold comparatively few weights.",
            },
            correct="Most parameters in the dense layers, most multiplications in the convolutions",
        ),
        multiple_choice(
            "Which of AlexNet's ideas did not last?",
            {
                "Local response normalisation": "Later networks, VGG among them, found that it "
                "did not help, and dropped it.",
                "ReLU": "ReLU is still the default non-linearity.",
                "Dropout": "Dropout is still used in dense layers.",
                "Splitting a layer into groups, as over its two GPUs": "It survives as the "
                "grouped convolution.",
            },
            correct="Local response normalisation",
        ),
    ]
