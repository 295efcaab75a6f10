"""Questions on *MobileNet: depthwise-separable convolutions*."""

from cnnbook.costs import separable_cost, separable_ratio_theory
from cnnbook.quiz import multiple_choice, numeric


def questions() -> list[dict]:
    cost = separable_cost(6, 3, 3, 5)
    saving = 1 / separable_ratio_theory(3, 256)
    return [
        numeric(
            "A 6 × 6 × 3 input goes through a depthwise 3 × 3 step (valid) and then a pointwise "
            "step to 5 channels. How many multiplications do the two steps need together?",
            cost.separable,
            explanation=f"Depthwise 4·4·3·(3·3) = {cost.depthwise:,}, pointwise 4·4·5·3 = "
            f"{cost.pointwise:,}, against {cost.normal:,} for the normal convolution.",
            mistakes={
                cost.normal: "That is the normal 3 × 3 × 3 convolution with 5 filters.",
                cost.depthwise: "Add the pointwise step.",
            },
        ),
        numeric(
            "For 3 × 3 filters and 256 output channels, how many times fewer multiplications "
            "does a depthwise-separable convolution need than a normal one? (to one decimal)",
            round(saving, 1),
            tolerance=0.1,
            explanation="The ratio is 1/256 + 1/9; its inverse is close to 9 when there are "
            "many channels.",
            mistakes={
                9: "9 is the limit for very many channels; with 256 the 1/256 term still counts."
            },
        ),
        multiple_choice(
            "Why is the measured speed-up on a CPU smaller than the multiplication count suggests?",
            {
                "A depthwise convolution reuses each number little, so memory traffic, not "
                "arithmetic, limits it": "Each filter reads one channel only, so there is little "
                "work per number loaded.",
                "The pointwise step is more expensive than the count says": "The count is exact; "
                "the time depends on more than the count.",
                "Keras computes the separable convolution as a normal one": "Keras has its own "
                "depthwise layer.",
            },
            correct="A depthwise convolution reuses each number little, so memory traffic, not "
            "arithmetic, limits it",
        ),
        multiple_choice(
            "In MobileNet v2's bottleneck block, why does no ReLU follow the projection?",
            {
                "On a thin representation a ReLU throws information away (every negative value "
                "becomes 0); a linear projection keeps it": "The block is thin at its ends, "
                "where the projection writes.",
                "ReLU is too slow for phones": "ReLU6 is used in the other two steps of the same "
                "block.",
                "The residual addition needs negative values to be removed": "The addition "
                "works with any values.",
            },
            correct="On a thin representation a ReLU throws information away (every negative "
            "value becomes 0); a linear projection keeps it",
        ),
        multiple_choice(
            "Why does the inverted bottleneck keep memory low?",
            {
                "What must be kept from block to block is the thin output; the wide expanded "
                "tensor lives only inside a block": "The block is wide where width helps "
                "(filtering) and thin where memory is held.",
                "It has fewer parameters than any other block": "Memory here means the "
                "activations kept during inference, not the weights.",
                "It never expands the channels": "It expands them, six times in most blocks, "
                "inside the block.",
            },
            correct="What must be kept from block to block is the thin output; the wide "
            "expanded tensor lives only inside a block",
        ),
    ]
