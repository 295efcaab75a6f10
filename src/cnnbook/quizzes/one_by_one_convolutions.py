"""Questions on *1x1 convolutions*."""

from cnnbook.costs import conv_params, pointwise_mults
from cnnbook.quiz import multiple_choice, numeric


def questions() -> list[dict]:
    mults = pointwise_mults(28, 192, 32)
    params = conv_params(1, 192, 32)
    return [
        multiple_choice(
            "What does a 1 × 1 convolution do to a single-channel image?",
            {
                "It multiplies every pixel by the same number (and adds the bias)": "With one "
                "channel there is nothing to mix; it only rescales.",
                "It detects edges": "An edge needs a difference between neighbouring pixels; a "
                "1 × 1 filter sees one pixel.",
                "It halves the image's height and width": "At stride 1 a 1 × 1 filter keeps the "
                "size.",
            },
            correct="It multiplies every pixel by the same number (and adds the bias)",
        ),
        multiple_choice(
            "On a volume with many channels, a 1 × 1 convolution is the same computation as...",
            {
                "one small dense layer applied to the channel values of every pixel "
                "separately": "The chapter copies its weights into a Keras Dense layer and gets "
                "the same outputs.",
                "a pooling layer over the channels": "A pooling layer has no weights and works "
                "over height and width, per channel.",
                "a dense layer over the whole flattened volume": "Each output pixel reads only "
                "its own pixel's channels.",
            },
            correct="one small dense layer applied to the channel values of every pixel separately",
        ),
        numeric(
            "How many multiplications does a 1 × 1 convolution with 32 filters need on a "
            "28 × 28 × 192 volume?",
            mults,
            explanation="28·28·32 outputs, each a sum of 192 products.",
            mistakes={
                params: "That is the number of parameters; the multiplications are counted at "
                "every one of the 28·28 positions.",
            },
        ),
        multiple_choice(
            "Two 1 × 1 convolutions are stacked with no activation between them. What do they "
            "compute?",
            {
                "No more than one 1 × 1 convolution: two linear maps combine into one": "The "
                "extra non-linearity is what makes a second 1 × 1 layer worth having.",
                "A 2 × 2 convolution": "Stacking 1 × 1 filters never widens the window.",
                "Something more expressive, because there are more weights": "More weights of a "
                "linear map are still one linear map.",
            },
            correct="No more than one 1 × 1 convolution: two linear maps combine into one",
        ),
    ]
