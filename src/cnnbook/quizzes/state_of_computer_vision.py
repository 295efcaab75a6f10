"""Questions on *The state of computer vision*."""

from cnnbook.quiz import multiple_choice, numeric

CROPS = 10  # the classic 10-crop: the centre and four corners, and their mirror images


def questions() -> list[dict]:
    networks = 3
    return [
        multiple_choice(
            "Which two sources of knowledge does a learning system draw on?",
            {
                "Labelled data and hand-engineering": "The less data, the more the design "
                "(features, architecture, augmentation) matters.",
                "Training time and model size": "Those are costs, not sources of knowledge.",
                "The training set and the test set": "The test set must not teach the system "
                "anything.",
            },
            correct="Labelled data and hand-engineering",
        ),
        numeric(
            f"An ensemble of {networks} networks classifies each test image with 10-crop "
            "testing. How many forward passes does one image cost?",
            networks * CROPS,
            explanation="Every network classifies every crop: the cost grows with the number "
            "of networks times the number of crops.",
            mistakes={
                networks + CROPS: "Each of the networks sees each of the crops: multiply.",
                CROPS: "Each of the networks classifies all the crops.",
            },
        ),
        multiple_choice(
            "Which crops make up the classic 10-crop test?",
            {
                "The centre and the four corners, plus the mirror image of each": "Five crops "
                "and their mirrored versions.",
                "Ten random crops": "The classic scheme is fixed, so every image gets the same "
                "crops.",
                "The image at ten different scales": "Those are multi-scale tests, another trick.",
            },
            correct="The centre and the four corners, plus the mirror image of each",
        ),
        multiple_choice(
            "Why do production systems rarely use ensembles and multi-crop testing?",
            {
                "They pay for every image in latency, memory, energy and money, for a gain of a "
                "few points at most": "Products put the compute into one better network, or "
                "distil an ensemble into one small network.",
                "The tricks lower accuracy outside benchmarks": "They usually still help a "
                "little; the cost is the problem.",
                "Keras cannot run several networks at once": "It can; the question is whether "
                "the gain is worth it.",
            },
            correct="They pay for every image in latency, memory, energy and money, for a gain "
            "of a few points at most",
        ),
    ]
