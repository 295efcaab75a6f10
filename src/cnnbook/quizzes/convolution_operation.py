"""Questions on *Computer vision and the convolution operation*."""

from cnnbook.costs import conv_output_size
from cnnbook.quiz import multiple_choice, numeric


def questions() -> list[dict]:
    n, f = 8, 3
    return [
        multiple_choice(
            "Why is a fully connected layer a poor first layer for a photo of 1,000 × 1,000 "
            "colour pixels?",
            {
                "It needs billions of weights, and what it learns at one position is not reused "
                "at any other": "A filter of a few numbers, slid over every position, "
                "does the same job because image patterns are local and can appear anywhere.",
                "It cannot take colour images as input": "A flattened colour image is just a "
                "longer vector; the problem is the number of weights it needs.",
                "It has no non-linearity": "A fully connected layer is followed by a "
                "non-linearity as a convolutional one is; that is not the difference.",
            },
            correct="It needs billions of weights, and what it learns at one position is not "
            "reused at any other",
        ),
        numeric(
            f"An {n} × {n} grey image is convolved with a {f} × {f} filter, without padding and "
            "with stride 1. How many pixels wide is the output?",
            conv_output_size(n, f),
            explanation=f"The filter fits n - f + 1 = {n} - {f} + 1 positions across.",
            mistakes={
                n - f: "Count the positions: the first one starts at column 1 and the last at "
                "column n - f + 1.",
                n: "Without padding the output shrinks; only 'same' padding keeps the size.",
            },
        ),
        multiple_choice(
            "The vertical-edge filter with rows (1, 0, -1) gives a large negative number at "
            "some position. What does that say about the image there?",
            {
                "Going right, the image changes from dark to light": "Left column minus right "
                "column is negative when the right side is brighter.",
                "Going right, the image changes from light to dark": "That gives a positive "
                "number: the bright left column is multiplied by +1.",
                "There is no edge there": "No edge gives a number near zero, whatever its sign.",
                "There is a horizontal edge": "A horizontal edge leaves left and right columns "
                "alike; it needs the transposed filter (top row minus bottom row).",
            },
            correct="Going right, the image changes from dark to light",
        ),
        multiple_choice(
            "What deep-learning libraries call convolution is, strictly, cross-correlation. "
            "Why does the difference not matter for learning?",
            {
                "True convolution only rotates the filter by 180 degrees first, and a network "
                "that needs the rotated filter simply learns rotated numbers": "The two "
                "operations differ only in the orientation of filters that are learned anyway.",
                "Cross-correlation is a cheap approximation whose error training corrects": "It "
                "is not an approximation: it is the same sliding sum with the filter unflipped.",
                "The two operations give identical outputs for every filter": "They differ for "
                "most filters; for the (1, 0, -1) edge filter, rotating changes the output's "
                "sign.",
            },
            correct="True convolution only rotates the filter by 180 degrees first, and a "
            "network that needs the rotated filter simply learns rotated numbers",
        ),
        multiple_choice(
            "In a convolutional network, where do the nine numbers of a 3 × 3 filter come from?",
            {
                "They are parameters, learned by gradient descent from labelled examples": "The "
                "chapter recovers a known edge filter from examples alone this way.",
                "They are set to the Sobel or Scharr values": "Those are designed filters; a "
                "network learns its own, which may resemble them.",
                "They are hyperparameters chosen by hand before training": "The filter size is a "
                "hyperparameter; the numbers inside it are learned.",
            },
            correct="They are parameters, learned by gradient descent from labelled examples",
        ),
    ]
