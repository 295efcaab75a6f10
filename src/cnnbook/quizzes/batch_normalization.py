"""Questions on *Batch normalisation*."""

from cnnbook.batchnorm import fraction_travelled, steps_to_travel
from cnnbook.quiz import multiple_choice, numeric


def questions() -> list[dict]:
    half_099 = steps_to_travel(0.99, 0.5)
    half_09 = steps_to_travel(0.9, 0.5)
    steps = 100
    travelled = float(fraction_travelled(0.99, steps))
    return [
        multiple_choice(
            "In training mode, which statistics does a BatchNormalization layer normalise with?",
            {
                "The mean and variance of the current batch, per channel": "And it updates "
                "the moving statistics from them as a side effect.",
                "The moving mean and variance it has accumulated": "Those are used in "
                "inference mode; training uses the batch's own statistics.",
                "The mean and variance of the whole training set, computed once": "That is "
                "what the moving statistics approximate; training mode does not use them.",
            },
            correct="The mean and variance of the current batch, per channel",
        ),
        numeric(
            "Keras's moving statistics follow m ← momentum·m + (1 - momentum)·batch. With "
            "the default momentum 0.99, after how many updates have they first covered half "
            "of the way from their initial values to steady batch statistics?",
            half_099,
            explanation=f"1 - 0.99^n ≥ 0.5 first holds at n = {half_099}; with momentum 0.9 "
            f"it takes {half_09} updates.",
            mistakes={
                half_09: "That is momentum 0.9; at 0.99 each update moves a tenth as far.",
                50: "The approach is geometric, not linear: solve 0.99^n = 0.5.",
            },
        ),
        numeric(
            f"What fraction of the way have momentum-0.99 statistics travelled after {steps} "
            "updates? (Two decimals.)",
            round(travelled, 2),
            tolerance=0.005,
            explanation=f"1 - 0.99^{steps} = {travelled:.3f}: about a third of the way is "
            "still left, which is why a briefly trained network can do much worse in "
            "inference mode than in training mode.",
            mistakes={1.0: "The approach is geometric and never quite arrives: 1 - 0.99^100."},
        ),
        multiple_choice(
            "A network trained for a few hundred steps scores well in training mode and near "
            "chance in inference mode. Which fix does not need any retraining?",
            {
                "Recompute the moving statistics over training batches": "With the weights "
                "fixed, one pass over the training data in training mode gives the statistics "
                "inference needs.",
                "Set momentum to 0.9 and evaluate again": "Momentum only matters when the "
                "statistics are updated; changing it after training changes nothing.",
                "Evaluate with a larger batch size": "Inference mode uses the stored statistics "
                "whatever the batch size; those are the problem.",
            },
            correct="Recompute the moving statistics over training batches",
        ),
    ]
