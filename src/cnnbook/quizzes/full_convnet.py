"""Questions on *A full ConvNet example and why convolutions work*."""

from cnnbook.costs import conv_params, dense_params
from cnnbook.quiz import multiple_choice, numeric


def questions() -> list[dict]:
    fc3 = dense_params(400, 120)
    conv2 = conv_params(5, 6, 16)
    return [
        numeric(
            "FC3 connects the 400 numbers of the flattened 5 × 5 × 16 volume to 120 units. How "
            "many parameters has it?",
            fc3,
            explanation="(400 + 1)·120: a weight from every input to every unit, plus a bias "
            "per unit.",
            mistakes={fc3 - 120: "Each of the 120 units also has a bias."},
        ),
        numeric(
            "How many parameters has CONV2, with 16 filters of 5 × 5 on POOL1's 6 channels?",
            conv2,
            explanation="(5·5·6 + 1)·16, far fewer than FC3's.",
            mistakes={
                conv2 - 16: "Each filter also has one bias.",
                (5 * 5 + 1) * 16: "Each filter spans all 6 channels of its input.",
            },
        ),
        multiple_choice(
            "Where does this network keep most of its parameters, and where are its "
            "activations largest?",
            {
                "Parameters in the fully connected layers; activations after the first "
                "convolution": "Convolutions share small filters, so they hold few parameters, "
                "but CONV1 turns 3 channels into 6 at nearly the full height and width.",
                "Parameters in the convolutions; activations in the fully connected layers": "It "
                "is the other way round.",
                "Parameters in the pooling layers; activations at the input": "Pooling layers "
                "have no parameters, and CONV1's output is larger than the input.",
            },
            correct="Parameters in the fully connected layers; activations after the first "
            "convolution",
        ),
        multiple_choice(
            "A convolution is translation equivariant. What does that mean?",
            {
                "Shifting the input shifts the feature map by the same amount": "The same filter "
                "is applied at every position, so a moved pattern gives a moved response.",
                "Shifting the input leaves the feature map unchanged": "That would be "
                "invariance; the map moves with the input. Pooling and the dense layers turn "
                "'where' into 'whether'.",
                "The filters are shifted during training": "Equivariance holds for any filter "
                "values, trained or not.",
            },
            correct="Shifting the input shifts the feature map by the same amount",
        ),
        multiple_choice(
            "What does 'sparse connections' mean for CONV1?",
            {
                "Each output number depends only on a 5 × 5 × 3 window of the input": "All other "
                "input numbers have zero gradient with respect to it, as the chapter checks.",
                "Most of CONV1's weights are zero": "Its weights are dense; it is each output's "
                "dependence on the input that is local.",
                "Only some of the filters are used at each position": "Every filter is applied "
                "at every position (parameter sharing).",
            },
            correct="Each output number depends only on a 5 × 5 × 3 window of the input",
        ),
    ]
