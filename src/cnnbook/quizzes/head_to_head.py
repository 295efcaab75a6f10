"""Questions on *The case studies head to head*."""

from cnnbook.costs import conv_mults, dense_params
from cnnbook.quiz import multiple_choice, numeric


def questions() -> list[dict]:
    n, f, c_in, c_out = 32, 3, 16, 16
    conv = conv_mults(n, f, c_in, c_out)
    dense_in, dense_out = 400, 120
    dense = dense_params(dense_in, dense_out, bias=False)
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
        numeric(
            f"A {f} × {f} convolution with 'same' padding maps a {n} × {n} × {c_in} input to "
            f"{n} × {n} × {c_out}. How many multiplications does one image cost it?",
            conv,
            explanation=f"{n}·{n} positions × {c_out} filters × {f}·{f}·{c_in} products each: "
            "every weight is used once per position of the map.",
            mistakes={
                f * f * c_in * c_out: "That counts the weights, each used once; a convolution "
                "uses each weight at every position of the output map."
            },
        ),
        numeric(
            f"A dense layer from {dense_in} inputs to {dense_out} outputs (no bias): how many "
            "multiplications per image?",
            dense,
            explanation="One per weight: a dense layer uses each weight exactly once per "
            "image, which is why LeNet-5 has many parameters but few multiplications.",
        ),
        multiple_choice(
            "The MobileNetV2-style network needs fewer multiplications than the ResNet yet is "
            "not faster on one image on a CPU. Why?",
            {
                "At this size the time goes on starting many small operations and moving "
                "memory, not on arithmetic": "Its blocks are many small layers, and depthwise "
                "convolutions do little arithmetic per byte they read.",
                "The timing is wrong: latency must follow multiplications": "Multiplications "
                "are a property of the network; latency also depends on the machine and on "
                "how the work is split into operations.",
                "Depthwise convolutions need more multiplications than they appear to": "The "
                "multiplication count includes them exactly; the cost is elsewhere.",
            },
            correct="At this size the time goes on starting many small operations and moving "
            "memory, not on arithmetic",
        ),
        multiple_choice(
            "What can a comparison on about two thousand small hand photos not tell you?",
            {
                "Which design would win on ImageNet, where capacity and depth pay": "The "
                "papers' differences come from fitting 1.28 million photos in a thousand "
                "classes; a small, easy problem does not exhaust even small networks.",
                "How the networks compare under one budget on this data": "That is exactly "
                "what it measures, over several seeds.",
                "How parameters, multiplications and latency differ between designs": "Those "
                "are counted and measured directly, whatever the data.",
            },
            correct="Which design would win on ImageNet, where capacity and depth pay",
        ),
    ]
