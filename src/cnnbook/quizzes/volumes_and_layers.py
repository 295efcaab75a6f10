"""Questions on *Convolutions over volumes and one convolutional layer*."""

from cnnbook.costs import conv_output_size, conv_params
from cnnbook.quiz import multiple_choice, numeric


def questions() -> list[dict]:
    n, f, n_c, filters = 64, 3, 3, 8
    side = conv_output_size(n, f)
    params = conv_params(5, 3, 16)
    return [
        multiple_choice(
            f"A {n} × {n} × {n_c} image is convolved with {filters} filters of "
            f"{f} × {f} × {n_c}, without padding and with stride 1. What is the output's shape?",
            {
                f"{side} × {side} × {filters}": "Each filter spans all the input channels and "
                "gives one 2-D map; the maps are stacked.",
                f"{side} × {side} × {filters * n_c}": "A filter covers all three input channels "
                "at once and sums over them: one map per filter, not per input channel.",
                f"{side} × {side} × {n_c}": "The number of output channels is the number of "
                "filters, not of input channels.",
                f"{n} × {n} × {filters}": "Keeping the height and width needs 'same' padding; "
                "here there is none.",
            },
            correct=f"{side} × {side} × {filters}",
        ),
        numeric(
            "How many parameters has a convolutional layer with 16 filters of 5 × 5 on a "
            "3-channel input (with biases)?",
            params,
            explanation="(5·5·3 + 1)·16: the weights of each filter plus its bias.",
            mistakes={
                params - 16: "Each filter also has one bias.",
                (5 * 5 + 1) * 16: "Each filter spans the 3 input channels: 5·5·3 weights.",
            },
        ),
        multiple_choice(
            "Why does a convolutional layer's parameter count not depend on the image size?",
            {
                "The same filters are slid over every position; a larger image only means "
                "applying them more often": "The filters' size and number fix the count.",
                "Larger images are always resized before the layer": "Nothing is resized; the "
                "output simply gets larger.",
                "It does depend on it, through the number of output positions": "The number of "
                "positions changes the output size and the computation, not the weights.",
            },
            correct="The same filters are slid over every position; a larger image only means "
            "applying them more often",
        ),
        multiple_choice(
            "In the notation of layer l, what is the shape of the layer's weights?",
            {
                "f × f × n_c[l-1] × n_c[l]": "One f × f × n_c[l-1] filter for each of the "
                "n_c[l] output channels.",
                "n_H × n_W × n_c[l]": "That is the shape of the activations, not of the weights.",
                "f × f × n_c[l]": "Each filter also spans every channel of its input, "
                "n_c[l-1] of them.",
            },
            correct="f × f × n_c[l-1] × n_c[l]",
        ),
    ]
