"""Questions on *EfficientNet: scaling depth, width and resolution together*."""

from cnnbook.quiz import multiple_choice, numeric


def questions() -> list[dict]:
    from cnnbook.models.efficientnet import ALPHA, BETA, GAMMA, flops_factor

    factor = flops_factor()
    return [
        numeric(
            f"Compound scaling multiplies depth by {ALPHA}, width by {BETA} and resolution by "
            f"{GAMMA} per step of phi. By what factor does the cost grow per step? (to two "
            "decimals)",
            round(factor, 2),
            tolerance=0.01,
            explanation=f"{ALPHA} · {BETA}² · {GAMMA}²: width and resolution each count twice, "
            "so each step roughly doubles the cost.",
            mistakes={
                round(ALPHA * BETA * GAMMA, 2): "Width and resolution enter squared: both "
                "channel counts grow with width, both sides of the map with resolution.",
            },
        ),
        multiple_choice(
            "You double only the input resolution of a network. What happens to its parameters "
            "and its multiplications?",
            {
                "Parameters unchanged, multiplications about four times": "A filter's weights "
                "do not depend on the image size; every feature map gets twice as high and "
                "twice as wide.",
                "Both double": "The parameters do not depend on the resolution at all.",
                "Both about four times": "Only the multiplications grow; the weights stay the "
                "same.",
            },
            correct="Parameters unchanged, multiplications about four times",
        ),
        multiple_choice(
            "Why does scaling all three dimensions together beat scaling one alone?",
            {
                "They depend on each other: larger images need more layers to see them and "
                "more channels for their finer patterns": "Growing one alone soon stops paying "
                "off.",
                "Scaling one dimension alone is not possible in Keras": "It is; networks were "
                "grown that way before EfficientNet.",
                "It keeps the cost constant": "Each step of phi roughly doubles the cost.",
            },
            correct="They depend on each other: larger images need more layers to see them and "
            "more channels for their finer patterns",
        ),
        multiple_choice(
            "You have a fixed compute budget per image. Which EfficientNet should you pick?",
            {
                "The largest family member whose cost fits the budget": "Within the family, "
                "more compute buys accuracy, so use what you have.",
                "Always B0, since it is the most efficient": "Efficiency per operation is not "
                "the goal; accuracy within the budget is.",
                "Always B7, and shrink its input until it fits": "Shrinking one dimension of a "
                "large model undoes the balance compound scaling chose.",
            },
            correct="The largest family member whose cost fits the budget",
        ),
    ]
