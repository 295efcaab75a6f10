"""Questions on *Why look at case studies?*."""

from cnnbook.quiz import multiple_choice


def questions() -> list[dict]:
    return [
        multiple_choice(
            "What does studying a complete architecture teach that a list of layer types does not?",
            {
                "How the parts are combined: depth, shrinking height and width, growing "
                "channels, and the tricks that make deep networks trainable": "The layer types "
                "are the same few everywhere; the designs that work are what the case studies "
                "show.",
                "New kinds of layer that Part I did not cover": "Mostly the case studies "
                "combine the layers of Part I; a few ideas (shortcuts, 1x1 bottlenecks) are "
                "new ways of combining them.",
                "The exact accuracy each network will reach on your data": "That has to be "
                "measured on your data.",
            },
            correct="How the parts are combined: depth, shrinking height and width, growing "
            "channels, and the tricks that make deep networks trainable",
        ),
        multiple_choice(
            "Which network introduced skip connections that let very deep networks train?",
            {
                "ResNet": "Its residual blocks add a block's input to its output.",
                "VGG-16": "VGG repeated one uniform block of 3x3 convolutions and pooling.",
                "Inception": "Inception put several filter sizes side by side, made cheap by 1x1 "
                "bottlenecks.",
                "MobileNet": "MobileNet built small networks from depthwise-separable "
                "convolutions (v2 added inverted residuals, after ResNet).",
            },
            correct="ResNet",
        ),
        multiple_choice(
            "Which idea does MobileNet's family of small networks rest on?",
            {
                "Depthwise-separable convolutions": "A per-channel filter followed by a 1x1 "
                "convolution replaces an expensive full convolution.",
                "Scaling depth, width and resolution together": "That is EfficientNet's idea.",
                "Several filter sizes side by side": "That is Inception's idea.",
            },
            correct="Depthwise-separable convolutions",
        ),
        multiple_choice(
            "Every chapter uses the same 70/15/15 split of the sign-language photos, made from "
            "the file list with a fixed seed. What does that guarantee?",
            {
                "A photo is always in the same part, so no chapter ever trains on a test "
                "photo": "The test set stays untouched until the final measurement, everywhere "
                "in the book.",
                "Every class has exactly the same number of photos": "The classes are close to "
                "balanced, not equal, and the split does not change that.",
                "The validation set can be used for training once the hyperparameters are "
                "chosen": "The split fixes which photos are in each part; it says nothing of "
                "the sort.",
            },
            correct="A photo is always in the same part, so no chapter ever trains on a test photo",
        ),
    ]
