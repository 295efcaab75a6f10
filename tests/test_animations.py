"""cnnbook.animations: each frame's numbers, the frame counts, and a player fit for the book.

The last frame must equal the book's own operation (``cnnbook.conv.cross_correlate``,
``cnnbook.pooling.pool2d``) on the same input; there is one frame per output position, filled
in row by row; and the HTML must load nothing from the network, name every control for a
screen reader (axe-core's button-name and label rules, tests/test_browser.py), give the picture
its description as alt text, hold every frame, and be the same on a second run.
"""

from __future__ import annotations

import base64
import functools
import re
from html.parser import HTMLParser

import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnnbook import animations
from cnnbook.conv import cross_correlate, edge_filter
from cnnbook.costs import conv_output_size
from cnnbook.pooling import pool2d

EDGE = np.array([[10, 10, 10, 0, 0, 0]] * 6, dtype=float)
VERTICAL = edge_filter("basic", "vertical")
RNG = np.random.default_rng(3)
PATCH = RNG.integers(0, 10, size=(7, 7)).astype(float)
VOLUME = RNG.integers(0, 10, size=(6, 6, 3)).astype(float)
FILTER_3D = RNG.integers(-1, 2, size=(3, 3, 3)).astype(float)
SIZE_LIMIT = 1.5 * 1024 * 1024  # bytes of HTML per animation


@functools.cache
def animations_made() -> dict[str, animations.Animation]:
    """The animations the tests read, each made once (rendering takes a second or two)."""
    return {
        "sliding": animations.convolution(EDGE, VERTICAL),
        "padded": animations.convolution(EDGE[:4, 1:5], VERTICAL, padding=1),
        "stride 2": animations.convolution(PATCH, edge_filter("sobel"), stride=2),
        "pooling": animations.pooling(PATCH[:4, :4], 2, 2, mode=("max", "average")),
        "volume": animations.volume_convolution(VOLUME, FILTER_3D),
    }


@pytest.fixture
def made():
    return animations_made()


# --- the numbers --------------------------------------------------------------------------------


def filled(frame: np.ndarray) -> list[tuple[int, int]]:
    return [tuple(int(v) for v in ij) for ij in np.argwhere(~np.isnan(frame))]


def assert_fills_row_by_row(animation, name="output"):
    """Frame k has exactly positions 0..k computed, in row-major order; one frame each."""
    shape = animation.last[name].shape
    order = [(i, j) for i in range(shape[0]) for j in range(shape[1])]
    assert len(animation.frames) == len(order)
    for k, frame in enumerate(animation.frames):
        assert sorted(filled(frame[name])) == sorted(order[: k + 1]), k


@pytest.mark.parametrize(
    "key, image, kernel, padding, stride",
    [
        ("sliding", EDGE, VERTICAL, 0, 1),
        ("padded", EDGE[:4, 1:5], VERTICAL, 1, 1),
        ("stride 2", PATCH, edge_filter("sobel"), 0, 2),
    ],
)
def test_the_last_frame_is_the_convolution(made, key, image, kernel, padding, stride):
    animation = made[key]
    expected = cross_correlate(image, kernel, stride=stride, padding=padding)
    np.testing.assert_array_equal(animation.last["output"], expected)
    side = conv_output_size(image.shape[0], kernel.shape[0], padding, stride)
    assert len(animation.frames) == side * side == expected.size
    assert_fills_row_by_row(animation)
    assert animation.windows[1] == (0, stride)  # the second window, one stride to the right


def test_the_sliding_example_gives_the_chapters_numbers(made):
    out = made["sliding"].last["output"]
    assert out.shape == (4, 4) and (out[:, 1:3] == 30).all() and (out[:, [0, 3]] == 0).all()
    padded = made["padded"].last["output"]
    assert padded.shape == (4, 4) and padded[0, 0] == -20 and padded[1, 0] == -30


def test_a_wrong_stride_changes_the_frames(made):
    at_two = made["stride 2"]
    at_one = animations.convolution(PATCH, edge_filter("sobel"), stride=1)
    assert len(at_one.frames) == 25 and len(at_two.frames) == 9
    assert at_one.windows[:3] == ((0, 0), (0, 1), (0, 2))
    assert at_two.windows[:4] == ((0, 0), (0, 2), (0, 4), (2, 0))
    assert at_one.last["output"].shape != at_two.last["output"].shape
    # the second frame computes a different window, so it shows a different number and picture
    assert at_one.frames[1]["output"][0, 1] != at_two.frames[1]["output"][0, 1]
    assert frame_pngs(at_one.html)[1] != frame_pngs(at_two.html)[1]


def test_the_last_frame_is_max_and_average_pooling(made):
    animation = made["pooling"]
    for mode in ("max", "average"):
        np.testing.assert_array_equal(animation.last[mode], pool2d(PATCH[:4, :4], 2, 2, mode))
        assert_fills_row_by_row(animation, mode)
    assert len(animation.frames) == 4


def test_overlapping_pooling_windows_at_stride_one():
    animation = animations.pooling(PATCH[:5, :5], 3, 1, mode="max")
    np.testing.assert_array_equal(animation.last["max"], pool2d(PATCH[:5, :5], 3, 1, "max"))
    assert len(animation.frames) == 9 and set(animation.last) == {"max"}
    assert animation.windows[1] == (0, 1)


def test_the_last_frame_is_the_volume_convolution(made):
    animation = made["volume"]
    expected = cross_correlate(VOLUME, FILTER_3D)
    np.testing.assert_array_equal(animation.last["output"], expected)
    assert expected.shape == (4, 4)  # one channel: the three are summed
    assert_fills_row_by_row(animation)


def test_arguments_that_do_not_fit_are_refused():
    with pytest.raises(ValueError, match="2-D"):
        animations.convolution(VOLUME, FILTER_3D)
    with pytest.raises(ValueError, match="mode"):
        animations.pooling(PATCH, 2, 2, mode="median")
    with pytest.raises(ValueError, match="filter over an"):
        animations.volume_convolution(VOLUME, FILTER_3D[:, :, :2])


# --- the HTML -----------------------------------------------------------------------------------


class Controls(HTMLParser):
    """The player's buttons (with their text), sliders, pictures and stylesheet links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.buttons: list[dict] = []
        self.ranges: list[dict] = []
        self.images: list[dict] = []
        self.links: list[dict] = []
        self._button = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "button":
            self._button = dict(attrs, text="")
            self.buttons.append(self._button)
        elif tag == "input" and attrs.get("type") == "range":
            self.ranges.append(attrs)
        elif tag == "img":
            self.images.append(attrs)
        elif tag == "link":
            self.links.append(attrs)

    def handle_endtag(self, tag):
        if tag == "button":
            self._button = None

    def handle_data(self, data):
        if self._button is not None:
            self._button["text"] += data


def controls(html: str) -> Controls:
    parser = Controls()
    parser.feed(html)
    return parser


def frame_pngs(html: str) -> list[bytes]:
    found = re.findall(r'frames\[(\d+)\] = "data:image/png;base64,(.*?)"', html, re.DOTALL)
    assert [int(k) for k, _ in found] == list(range(len(found)))
    return [base64.b64decode(data.replace("\\\n", "")) for _, data in found]


KEYS = ["sliding", "padded", "stride 2", "pooling", "volume"]


@pytest.mark.parametrize("key", KEYS)
def test_the_player_loads_nothing_from_the_network(made, key):
    html = made[key].html
    assert not re.search(r"https?:|[\"'(]//", html), re.search(r".{60}https?:.{60}", html)
    assert "font-awesome" not in html and 'class="fa ' not in html
    assert controls(html).links == []


@pytest.mark.parametrize("key", KEYS)
def test_every_control_has_an_accessible_name(made, key):
    found = controls(made[key].html)
    assert len(found.buttons) == 9
    for button in found.buttons:
        name = button.get("aria-label", "").strip() or button.get("title", "").strip()
        assert name, button
        assert button["text"].strip(), f"{name}: a button without a visible label"
    assert {b["aria-label"] for b in found.buttons} >= {"Play", "Pause", "Next frame"}
    assert len(found.ranges) == 1 and found.ranges[0]["aria-label"] == animations.SLIDER_LABEL
    assert [i["alt"] for i in found.images] == [made[key].description]


@pytest.mark.parametrize("key", KEYS)
def test_the_player_holds_every_frame_as_a_small_png(made, key):
    animation = made[key]
    pngs = frame_pngs(animation.html)
    assert len(pngs) == len(animation.frames)
    assert f"new Array({len(pngs)})" in animation.html
    assert f'data-frames="{len(pngs)}"' in animation.html
    assert all(png.startswith(b"\x89PNG") for png in pngs)
    assert len(set(pngs)) == len(pngs)  # every frame shows something new
    assert len(animation.html.encode()) < SIZE_LIMIT


def test_frames_are_opaque_white_figures(made):
    from io import BytesIO

    from PIL import Image

    image = np.asarray(Image.open(BytesIO(frame_pngs(made["pooling"].html)[0])).convert("RGBA"))
    assert image[..., 3].min() == 255
    assert (image[0, 0, :3] == 255).all()  # the corner is the white background


def test_a_second_run_gives_the_same_html_with_its_own_ids():
    first = animations.pooling(PATCH[:4, :4], 2, 2, mode="average")
    second = animations.pooling(PATCH[:4, :4], 2, 2, mode="average")
    ids = [re.search(r'id="_anim_img(\w+)"', a.html).group(1) for a in (first, second)]
    assert ids[0] != ids[1]  # two players on one page must not share element ids
    assert second.html.replace(ids[1], ids[0]) == first.html
    assert not re.search(r"[0-9a-f]{32}", first.html)  # matplotlib's random uuid is gone


def test_no_still_figure_is_left_for_the_notebook_to_show():
    before = plt.get_fignums()
    animations.pooling(PATCH[:4, :4], 2)
    assert plt.get_fignums() == before


def test_the_notebook_displays_the_player_and_a_sentence_as_text(made):
    animation = made["volume"]
    assert animation._repr_html_() is animation.html
    assert "3x3x3 filter" in animation.description and "16 frames" in repr(animation)


def test_matplotlibs_cdn_link_and_icons_are_replaced():
    template = (
        '<link rel="stylesheet"\nhref="https://maxcdn.bootstrapcdn.com/font-awesome/4.4.0/'
        'css/font-awesome.min.css">\n<div class="animation"><img id="_anim_imgabc">'
        '<input id="_anim_sliderabc" type="range" class="anim-slider">'
        '<button title="Play" onclick="animabc.play_animation()">\n'
        '<i class="fa fa-play"></i></button>'
        "<script>var frames = new Array(1);</script></div>"
    )
    html = animations.offline_accessible_player(template, "A square.", "test")
    found = controls(html)
    assert found.links == [] and "https" not in html
    assert found.buttons[0]["aria-label"] == "Play" and found.buttons[0]["text"] == "\u25b6"
    assert 'onclick="anim' in html and "play_animation()" in html
    assert found.images[0]["alt"] == "A square." and "aria-label" in str(found.ranges[0])
