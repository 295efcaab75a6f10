"""Questions on *Padding and strided convolutions*."""

import math

from cnnbook.costs import conv_output_size, same_padding
from cnnbook.quiz import multiple_choice, numeric


def questions() -> list[dict]:
    n, f, p, s = 16, 3, 1, 2
    exact = (n + 2 * p - f) / s + 1
    return [
        multiple_choice(
            "What are the two costs of a plain ('valid') convolution?",
            {
                "The output shrinks with every layer, and border pixels take part in fewer "
                "outputs than central ones": "Padding addresses both: the size is kept and the "
                "border pixels are covered as often as the others.",
                "It cannot be applied to colour images, and it needs an even filter size": "Valid "
                "convolutions work on volumes and with any filter size.",
                "It changes the number of channels, and it has no parameters": "The number of "
                "channels is set by the number of filters, and the filters are parameters.",
            },
            correct="The output shrinks with every layer, and border pixels take part in fewer "
            "outputs than central ones",
        ),
        numeric(
            f"A convolution with f = {f}, padding p = {p} and stride s = {s} reads a {n} × {n} "
            "input. How many pixels wide is its output?",
            conv_output_size(n, f, p, s),
            explanation=f"floor(({n} + 2·{p} - {f}) / {s}) + 1: the floor drops the last "
            "position, which would hang off the edge.",
            mistakes={
                exact: "Round down: a window that would hang off the edge is not computed.",
                math.ceil(exact): "Round down, not up: the floor drops the position that would "
                "hang off the edge.",
            },
        ),
        numeric(
            "How much padding p keeps the size of the input unchanged for a 5 × 5 filter at "
            "stride 1 ('same' padding)?",
            same_padding(5),
            explanation="p = (f - 1) / 2 on each side: n + 2p - f + 1 = n.",
            mistakes={4: "That is the total over both sides; p counts one side."},
        ),
        multiple_choice(
            "Why are filter sizes almost always odd?",
            {
                "So that 'same' padding is symmetric and the filter has a centre pixel": "With "
                "f odd, (f - 1) / 2 is a whole number of pixels on each side.",
                "Because odd filters need fewer multiplications": "A 3 × 3 filter needs more "
                "multiplications than a 2 × 2 one; the count is f², odd or not.",
                "Because libraries cannot compute even filter sizes": "Keras accepts any filter "
                "size; even ones are just awkward to pad evenly.",
            },
            correct="So that 'same' padding is symmetric and the filter has a centre pixel",
        ),
    ]
