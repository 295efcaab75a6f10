"""Questions on *Pooling*."""

from cnnbook.costs import conv_output_size
from cnnbook.quiz import multiple_choice, numeric


def questions() -> list[dict]:
    n, f, s = 13, 3, 2
    return [
        numeric(
            f"Max pooling with f = {f} and s = {s} (overlapping windows) reads a {n} × {n} × 256 "
            "volume. How many pixels wide is its output?",
            conv_output_size(n, f, 0, s),
            explanation=f"floor(({n} - {f}) / {s}) + 1, as for a convolution without padding.",
            mistakes={
                (n - f) // s: "Add one: the first window sits at the start.",
                conv_output_size(n, f): "With stride 2 the window jumps two pixels at a "
                "time: divide by s.",
            },
        ),
        multiple_choice(
            "A 2 × 2 max pooling with stride 2 reads a 28 × 28 × 6 volume. What comes out?",
            {
                "14 × 14 × 6": "Every channel is pooled on its own, so height and width halve "
                "and the 6 channels stay.",
                "14 × 14 × 3": "Pooling never changes the number of channels.",
                "14 × 14 × 1": "Pooling does not combine channels; each is pooled separately.",
                "28 × 28 × 6": "With stride 2 the windows do not overlap and the size halves.",
            },
            correct="14 × 14 × 6",
        ),
        multiple_choice(
            "What does a pooling layer learn during training?",
            {
                "Nothing: its window size, stride and type are hyperparameters": "Gradients "
                "pass through it to the layers before it, but it has no weights of its own.",
                "The weights of its window": "A max or mean needs no weights.",
                "Which channels to keep": "It keeps every channel.",
            },
            correct="Nothing: its window size, stride and type are hyperparameters",
        ),
        multiple_choice(
            "A thin edge crosses a pooling window. Which pooling reports it at full strength?",
            {
                "Max pooling": "The window's maximum is the edge's response wherever the edge "
                "is in the window.",
                "Average pooling": "The rest of the window dilutes a thin edge.",
                "Both equally": "They agree only when the whole window responds the same.",
            },
            correct="Max pooling",
        ),
        multiple_choice(
            "What does global average pooling do to a 7 × 7 × 512 volume?",
            {
                "It averages each channel over all positions, giving 512 numbers": "One number "
                "per channel, whatever the height and width, so the classifier gets a small, "
                "size-independent vector.",
                "It averages over the channels, giving a 7 × 7 map": "It averages over height "
                "and width, channel by channel.",
                "It halves the height and width, giving 3 × 3 × 512": "That is an ordinary "
                "pooling layer; the global one covers the whole map.",
            },
            correct="It averages each channel over all positions, giving 512 numbers",
        ),
    ]
