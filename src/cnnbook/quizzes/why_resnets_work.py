"""Questions on *Why ResNets work*."""

from cnnbook.costs import conv_params
from cnnbook.quiz import multiple_choice, numeric


def questions() -> list[dict]:
    projection = conv_params(1, 64, 128, bias=False)
    return [
        multiple_choice(
            "The last convolution of a residual block has all its weights (and bias) at zero. "
            "What does the block compute?",
            {
                "Its input a[l], exactly": "z[l+2] = 0, and a[l] passes the ReLU unchanged "
                "because it is already non-negative.",
                "Zeros": "That is what the same block computes without its shortcut.",
                "Noise from the first convolution": "The zero weights block everything the "
                "first convolution computes.",
            },
            correct="Its input a[l], exactly",
        ),
        multiple_choice(
            "Why does weight decay make extra residual blocks harmless rather than harmful?",
            {
                "Shrinking a block's weights pulls it towards the identity, not towards "
                "erasing the signal": "In a plain network the same shrinking pulls a layer "
                "towards outputting zero.",
                "Weight decay removes blocks whose weights become small": "No block is removed; "
                "it simply passes its input on.",
                "Weight decay acts only on the shortcuts": "The shortcuts have no weights to "
                "decay.",
            },
            correct="Shrinking a block's weights pulls it towards the identity, not towards "
            "erasing the signal",
        ),
        multiple_choice(
            "Why do residual blocks use 'same' convolutions inside a stage?",
            {
                "The shortcut adds a[l] to z[l+2], which needs both to have the same shape": "A "
                "valid convolution would shrink z and the addition would fail.",
                "'Same' convolutions have fewer parameters": "Padding does not change the "
                "parameter count.",
                "They are cheaper to compute than valid ones": "They compute slightly more "
                "positions, not fewer.",
            },
            correct="The shortcut adds a[l] to z[l+2], which needs both to have the same shape",
        ),
        numeric(
            "At a stage change the channels go from 64 to 128 and the shortcut is a learned "
            "1 × 1 convolution with stride 2, W_s, without bias. How many weights has it?",
            projection,
            explanation="1·1·64·128: one weight from each input channel to each output channel.",
            mistakes={
                0: "That is the other kind of shortcut, fixed subsampling with zero channels; "
                "the learned 1 × 1 convolution has weights.",
                64 * 64: "The output has 128 channels.",
            },
        ),
    ]
