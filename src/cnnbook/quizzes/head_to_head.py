"""Questions on *The case studies head to head*."""

from cnnbook.costs import conv_mults
from cnnbook.quiz import multiple_choice, numeric


def questions() -> list[dict]:
    n, f, c_in, c_out = 32, 3, 16, 16
    conv = conv_mults(n, f, c_in, c_out)
    return [
        multiple_choice(
            "Seven networks are trained on the same split. Which part may be used to choose "
            "the best of them?",
            {
                "The validation part; the test part is read once, for the chosen network": "A "
                "number read after the choice is an honest estimate of how the choice does.",
                "The test part, since it is the most honest measure": "Choosing on it makes it "
                "a second validation part, and its number then flatters the winner.",
                "The training part, since every network saw the same photos": "Training "
                "accuracy rewards fitting the training photos, not telling new ones apart.",
            },
            correct="The validation part; the test part is read once, for the chosen network",
        ),
        multiple_choice(
            "Under one shared recipe, two of the seven designs stayed at chance. Why does "
            "the chapter add batch normalisation after every convolution of every design, "
            "rather than only to those two?",
            {
                "A change made to only some designs would make the comparison measure the "
                "change as well as the designs": "Made to all alike, the change is part of "
                "the recipe, and the table still compares designs under one recipe.",
                "Batch normalisation makes every network more accurate, so it is always "
                "added": "It mostly makes training start and go faster; whether the final "
                "accuracy rises depends on the network and the budget.",
                "The two failing designs cannot take batch normalisation": "They can: the "
                "chapter's AlexNet- and Inception-style networks have it after every "
                "convolution.",
            },
            correct="A change made to only some designs would make the comparison measure the "
            "change as well as the designs",
        ),
        numeric(
            f"A {f} × {f} convolution with 'same' padding maps a {n} × {n} × {c_in} input to "
            f"{n} × {n} × {c_out}. How many multiply-adds does one image cost it?",
            conv,
            explanation=f"{n}·{n} positions × {c_out} filters × {f}·{f}·{c_in} products each: "
            "every weight is used once per position of the map.",
            mistakes={
                f * f * c_in * c_out: "That counts the weights, each used once; a convolution "
                "uses each weight at every position of the output map."
            },
        ),
        multiple_choice(
            "On a CPU, one network needs fewer multiply-adds than another yet takes as long "
            "per image. Which explanation fits a network of a few tens of thousands of "
            "parameters?",
            {
                "At this size much of the time goes on starting many small operations and "
                "moving memory, not on arithmetic": "Blocks of many small layers, and "
                "depthwise convolutions that do little arithmetic per byte they read, cost "
                "time that multiply-adds do not count.",
                "The timing must be wrong: latency follows multiply-adds": "Multiply-adds "
                "are a property of the network; latency also depends on the machine, the "
                "batch size and how the work is split into operations.",
                "Depthwise convolutions need more multiply-adds than they appear to": "The "
                "count includes them exactly; the cost is elsewhere.",
            },
            correct="At this size much of the time goes on starting many small operations and "
            "moving memory, not on arithmetic",
        ),
        multiple_choice(
            "What can a comparison on about two thousand small hand photos not tell you?",
            {
                "Which design would win on ImageNet, where capacity and depth pay": "The "
                "papers' differences come from fitting 1.28 million photos in a thousand "
                "classes; a small, easy problem does not exhaust even small networks.",
                "How the networks compare under one budget on this data": "That is exactly "
                "what it measures, over several seeds.",
                "How parameters, multiply-adds and latency differ between designs": "Those "
                "are counted and measured directly, whatever the data.",
            },
            correct="Which design would win on ImageNet, where capacity and depth pay",
        ),
    ]
