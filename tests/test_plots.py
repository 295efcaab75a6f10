"""The book's figure style: line colours colour-blind readers tell apart, opaque figures."""

from __future__ import annotations

import io
import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from cnnbook.plots import BOOK_STYLE, COLOURS  # noqa: E402
from cnnbook.runtime import use_book_style  # noqa: E402

# Machado, Oliveira and Fernandes (2009), "A physiologically-based model for simulation of
# color vision deficiency", severity 1.0: linear-RGB matrices for full dichromacy.
DICHROMACY = {
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ],
}
# CIE76 colour difference below which two lines are hard to tell apart at a glance.
APART = 12.0


def _linear(rgb):
    rgb = np.asarray(rgb, float)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _lab(linear_rgb):
    xyz = (
        np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
        @ linear_rgb
    )
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def closest_pair(colours, vision):
    """The smallest CIE76 difference between two of ``colours`` as ``vision`` sees them."""
    matrix = np.array(DICHROMACY[vision])
    seen = [_lab(np.clip(matrix @ _linear(mcolors.to_rgb(c)), 0, 1)) for c in colours]
    return min(np.linalg.norm(a - b) for a, b in itertools.combinations(seen, 2))


@pytest.mark.parametrize("vision", sorted(DICHROMACY))
def test_the_line_colours_stay_apart_for_colour_blind_readers(vision):
    cycle = BOOK_STYLE["axes.prop_cycle"].by_key()["color"]
    assert cycle == list(COLOURS.values())
    assert closest_pair(cycle, vision) >= APART


def test_matplotlibs_default_colours_would_not():
    tab10 = [f"tab:{n}" for n in ("blue", "orange", "green", "red", "purple")]
    assert closest_pair(tab10, "deuteranopia") < APART  # green and red
    assert closest_pair(tab10, "protanopia") < APART  # orange and green


def test_setup_style_makes_figures_opaque_for_the_dark_theme():
    with plt.rc_context():
        use_book_style()
        assert plt.rcParams["image.cmap"] == "viridis"
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.plot([0, 1], [1, 0])
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
    image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGBA")
    assert np.asarray(image)[..., 3].min() == 255  # no transparent pixel
