"""Questions on *Receptive fields*."""

from cnnbook.costs import conv_params
from cnnbook.quiz import multiple_choice, numeric
from cnnbook.receptive import receptive_field


def questions() -> list[dict]:
    three_threes = receptive_field([(3,), (3,), (3,)]).size
    strided = receptive_field([(3, 2), (3,)]).size
    no_jump = 3 + (3 - 1)  # the slip: adding kernel - 1 without multiplying by the jump
    channels = 64
    one_five = conv_params(5, channels, channels)
    two_threes = 2 * conv_params(3, channels, channels)
    return [
        numeric(
            "Three 3 × 3 convolutions with stride 1 are stacked. How many input pixels wide "
            "is the receptive field of one output pixel?",
            three_threes,
            explanation="Each stride-1 layer adds k - 1 = 2 pixels: 1 + 2 + 2 + 2.",
            mistakes={9: "The sizes add up minus the overlap: each layer adds k - 1, not k."},
        ),
        numeric(
            "A 3 × 3 convolution with stride 2 is followed by a 3 × 3 convolution with "
            "stride 1. How wide is the receptive field after the second layer?",
            strided,
            explanation="After the stride-2 layer neighbouring outputs are 2 input pixels "
            "apart (the jump), so the second layer adds (3 - 1) × 2 pixels to the first "
            "layer's 3.",
            mistakes={
                no_jump: "The second layer's step between neighbours is 2 input pixels, not "
                "1: multiply k - 1 by the jump."
            },
        ),
        numeric(
            f"Two 3 × 3 convolutions see as far as one 5 × 5. With {channels} channels in and "
            "out and biases, how many parameters do the two 3 × 3 layers have together?",
            two_threes,
            explanation=f"2 × (3·3·{channels} + 1)·{channels}, against "
            f"(5·5·{channels} + 1)·{channels} = {one_five:,} for the single 5 × 5 layer.",
            mistakes={
                one_five: "That is the single 5 × 5 layer; the question asks for the two "
                "3 × 3 layers.",
                conv_params(3, channels, channels): "That is one 3 × 3 layer; there are two.",
            },
        ),
        multiple_choice(
            "Why is a pooling or stride-2 layer early in a network so effective at widening "
            "the receptive field of every later layer?",
            {
                "It doubles the jump, so every later kernel's reach is doubled": "The jump "
                "multiplies at every stride: a 3 × 3 layer after it spans twice as many input "
                "pixels.",
                "It has more parameters than a convolution": "Pooling has no parameters at "
                "all; the receptive field depends on kernel sizes and strides only.",
                "It adds its kernel size to the field twice": "It adds k - 1 once, like any "
                "layer; the effect on later layers comes from the jump.",
            },
            correct="It doubles the jump, so every later kernel's reach is doubled",
        ),
        multiple_choice(
            "The table shows a final receptive field wider than the 224-pixel input. What does "
            "that mean?",
            {
                "The last layer's outputs near the centre can depend on every input pixel, "
                "while in practice the pixels near the centre of the field matter most": "The "
                "theoretical field counts every pixel with any path to the output; the "
                "gradient falls off towards its edges (the effective receptive field).",
                "The network reads pixels from outside the image": "The part of the field "
                "beyond the border falls on padding, which is zeros.",
                "The calculator is wrong: a field cannot exceed the input": "The recurrence "
                "does not know the image size; a field larger than the input is common in deep "
                "networks.",
            },
            correct="The last layer's outputs near the centre can depend on every input pixel, "
            "while in practice the pixels near the centre of the field matter most",
        ),
    ]
