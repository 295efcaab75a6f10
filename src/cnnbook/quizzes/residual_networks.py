"""Questions on *Residual networks*."""

from cnnbook.quiz import multiple_choice


def questions() -> list[dict]:
    return [
        multiple_choice(
            "A deeper plain network reaches a higher training error than a shallower one. Why "
            "is this not overfitting?",
            {
                "Overfitting lowers the training error; here the deeper network fits its own "
                "training set worse, so optimisation is failing": "This is the degradation "
                "problem.",
                "Because the deeper network has fewer parameters": "It has more.",
                "It is overfitting: the validation error is higher too": "Overfitting is a gap "
                "between a low training error and a higher validation error; here the training "
                "error itself is high.",
            },
            correct="Overfitting lowers the training error; here the deeper network fits its "
            "own training set worse, so optimisation is failing",
        ),
        multiple_choice(
            "Where does a residual block add its shortcut?",
            {
                "Before the last ReLU: a[l+2] = g(z[l+2] + a[l])": "The sum of the last linear "
                "step and the block's input goes through the non-linearity.",
                "After the last ReLU: a[l+2] = g(z[l+2]) + a[l]": "The block adds the input "
                "before the final ReLU.",
                "Before the first layer of the block": "The input is added to the block's "
                "output, skipping its two layers.",
            },
            correct="Before the last ReLU: a[l+2] = g(z[l+2] + a[l])",
        ),
        multiple_choice(
            "With a shortcut, what do the block's layers have to learn?",
            {
                "The residual F(a) = H(a) - a, which is near zero when the block should do "
                "little": "Doing nothing becomes easy: small weights give nearly the identity.",
                "The whole mapping H(a), as in a plain network": "The shortcut supplies a; the "
                "layers learn only the difference.",
                "Nothing: the shortcut replaces the layers": "The layers still compute F(a), "
                "which is added to a.",
            },
            correct="The residual F(a) = H(a) - a, which is near zero when the block should "
            "do little",
        ),
        multiple_choice(
            "At initialisation, how do the gradients that reach each layer of a deep network "
            "differ with and without shortcuts?",
            {
                "Without shortcuts their size changes by orders of magnitude from the output "
                "side to the input side; with shortcuts far less": "The shortcuts carry the "
                "gradient straight to every block.",
                "They are the same: shortcuts have no weights, so they do not affect "
                "gradients": "Having no weights does not stop them carrying gradient.",
                "With shortcuts the gradients vanish, which regularises the network": "The "
                "shortcuts are there to keep the gradients usable.",
            },
            correct="Without shortcuts their size changes by orders of magnitude from the "
            "output side to the input side; with shortcuts far less",
        ),
    ]
