"""Questions on *Inception: GoogLeNet and the Inception module*."""

from cnnbook.costs import bottleneck_cost
from cnnbook.quiz import multiple_choice, numeric

# Module 3a of GoogLeNet (Szegedy et al. 2014, Table 1): 1x1, 3x3 reduce, 3x3, 5x5 reduce,
# 5x5, pool proj.
MODULE_3A = (64, 96, 128, 16, 32, 32)


def questions() -> list[dict]:
    cost = bottleneck_cost(28, 192, 5, 32, 16)
    f1, _, f3, _, f5, pool = MODULE_3A
    return [
        numeric(
            "A 5 × 5 'same' convolution with 32 filters reads a 28 × 28 × 192 volume through a "
            "1 × 1 bottleneck to 16 channels. How many multiplications do the two layers need "
            "together?",
            cost.bottleneck,
            explanation=f"{cost.reduce:,} for the 1 × 1 layer plus {cost.expand:,} for the "
            f"5 × 5 layer, about a tenth of the {cost.direct:,} without the bottleneck.",
            mistakes={
                cost.direct: "That is the direct 5 × 5 convolution, without the bottleneck.",
                cost.expand: "Add the 1 × 1 layer's multiplications too.",
            },
        ),
        numeric(
            f"Inception module 3a has {f1} 1 × 1 filters, {f3} 3 × 3 filters, {f5} 5 × 5 "
            f"filters and {pool} 1 × 1 filters after its pooling. How many channels has its "
            "output?",
            f1 + f3 + f5 + pool,
            explanation="The branches are concatenated along the channels: their filter counts "
            "add up. The 'reduce' layers feed the 3 × 3 and 5 × 5 branches and do not reach "
            "the output.",
            mistakes={
                sum(MODULE_3A): "The 3 × 3 and 5 × 5 'reduce' layers are inside their branches; "
                "only each branch's last layer reaches the output.",
                f1 + f3 + f5 + 192: "The pooling branch ends with its own 1 × 1 projection, "
                "so it contributes its filters, not the 192 input channels.",
            },
        ),
        multiple_choice(
            "Why does every branch of an Inception module use 'same' padding and stride 1?",
            {
                "Their outputs are concatenated along the channels, which needs equal height "
                "and width": "A 5 × 5 valid convolution would give a smaller map than a 1 × 1 one.",
                "To save multiplications": "'Same' padding adds positions; the bottleneck is "
                "what saves multiplications.",
                "Because pooling requires it": "Pooling could shrink the map; it is kept at "
                "stride 1 for the concatenation.",
            },
            correct="Their outputs are concatenated along the channels, which needs equal "
            "height and width",
        ),
        multiple_choice(
            "The bottleneck cuts the multiplications about ten times, yet the measured "
            "speed-up on a CPU is different. Why?",
            {
                "Time also depends on memory traffic, per-layer overhead and how well each layer "
                "fits the hardware": "Counting multiplications is a model of the cost, not a "
                "measurement of it.",
                "The multiplication count is wrong": "It is counted twice in the chapter, by "
                "formula and from the built Keras layers, and both agree.",
                "The CPU skips multiplications by zero": "Dense convolution kernels compute "
                "every product.",
            },
            correct="Time also depends on memory traffic, per-layer overhead and how well each "
            "layer fits the hardware",
        ),
        multiple_choice(
            "What are GoogLeNet's two auxiliary classifiers for?",
            {
                "Training only: they add a loss in the middle of the network and are dropped "
                "for prediction": "They give the middle layers a direct training signal.",
                "Averaging three predictions at test time": "At test time only the main "
                "classifier is used.",
                "Classifying the intermediate 1x1 bottlenecks": "They classify the image from "
                "intermediate feature maps.",
            },
            correct="Training only: they add a loss in the middle of the network and are "
            "dropped for prediction",
        ),
    ]
