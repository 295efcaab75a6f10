"""Moving pictures of Part I's operations: a filter or a pooling window stepping over an input.

Each function draws one frame per output position (the window highlighted on the input, the
output filled in up to that position, the sum or maximum written out underneath) and returns an
:class:`Animation`, which a notebook displays as matplotlib's JavaScript player
(``FuncAnimation(...).to_jshtml()``, the same HTML ``IPython.display.HTML`` would show): it runs in
the built book and in Colab without a server.

Every number in a frame comes from the book's own operations: the value at output position
(i, j) is ``cnnbook.conv.cross_correlate`` (or ``cnnbook.pooling.pool2d``) applied to the window
the frame highlights, so the last frame equals the whole operation's output
(tests/test_animations.py checks it).

matplotlib's player is made fit for the book in :func:`offline_accessible_player`: it links Font
Awesome from a CDN (the book loads nothing from the network), its buttons show icon glyphs from
that font, its frame slider has no label and its picture no alt text (axe-core's WCAG 2.1 AA
checks, tests/test_browser.py), and its element ids are random (two runs of a chapter must
print the same outputs, tests/test_reproducible.py). The buttons get text labels, the slider a
label, the picture the animation's description, and the ids a hash of the frames.

Taught in *Computer vision and the convolution operation*, *Padding and strided convolutions*,
*Pooling* and *Convolutions over volumes and one convolutional layer*.
"""

from __future__ import annotations

import collections
import hashlib
import html as html_escape
import re
from dataclasses import dataclass

import matplotlib as mpl
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from cnnbook.conv import cross_correlate, pad
from cnnbook.costs import conv_output_size
from cnnbook.plots import COLOURS
from cnnbook.pooling import pool2d

DPI = 72  # one point per pixel: small frames, text still legible
CELL = 0.36  # inches per matrix cell
GAP = 1.2  # cells between two panels
MIN_WIDTH = 5.2  # inches: room for the title and the line of text under the panels
INTERVAL_MS = 900  # time each frame stays on screen while playing

# Cell backgrounds, tints of the book's palette (black text stays readable on each).
_WHITE = np.array([1.0, 1.0, 1.0])


def _tint(name: str, amount: float) -> np.ndarray:
    return _WHITE + amount * (np.array(to_rgb(COLOURS[name])) - _WHITE)


WINDOW = COLOURS["orange"]  # the window the current frame computes, and its output cell
_WINDOW_FILL = _tint("orange", 0.35)
_DONE_FILL = _tint("sky", 0.30)  # output cells already computed
_PADDING_FILL = _tint("black", 0.12)  # the zeros padding adds

# The player's buttons (matplotlib's titles), shown as text instead of Font Awesome icons.
BUTTON_TEXT = {
    "Decrease speed": "\u2212",  # minus sign
    "First frame": "\u21e4",  # leftwards arrow to bar
    "Previous frame": "\u2039",  # single left-pointing angle quotation mark
    "Play backwards": "\u25c0",  # black left-pointing triangle
    "Pause": "\u275a\u275a",  # heavy vertical bars
    "Play": "\u25b6",  # black right-pointing triangle
    "Next frame": "\u203a",
    "Last frame": "\u21e5",
    "Increase speed": "+",
}
SLIDER_LABEL = "Frame of the animation"
_ids_seen: collections.Counter = collections.Counter()


@dataclass(frozen=True)
class Animation:
    """One animation: its HTML player, the numbers of every frame and what it shows in words.

    ``frames[k]`` maps each output panel's name (``"output"``, or ``"max"``/``"average"`` for
    pooling) to that output as it stands after frame k, with NaN where nothing is computed yet;
    ``windows[k]`` is the (row, column) of the window's top-left corner in the (padded) input.
    ``description`` is the text alternative (also the picture's alt text).
    """

    kind: str
    html: str
    frames: tuple[dict[str, np.ndarray], ...]
    windows: tuple[tuple[int, int], ...]
    description: str

    @property
    def last(self) -> dict[str, np.ndarray]:
        """The outputs after the last frame: the whole operation's result."""
        return self.frames[-1]

    @property
    def size_kb(self) -> float:
        return len(self.html.encode()) / 1024

    def _repr_html_(self) -> str:  # what Jupyter, Colab and myst-nb display
        return self.html

    def __repr__(self) -> str:  # the plain-text fallback
        return f"<animation: {self.description} ({len(self.frames)} frames)>"


# --- drawing ------------------------------------------------------------------------------------


def _number(value: float, fmt: str) -> str:
    return "" if np.isnan(value) else fmt.format(value + 0.0)  # + 0.0: no "-0"


def _term(value: float, fmt: str) -> str:
    text = _number(value, fmt)
    return f"({text})" if value < 0 else text


class _Grid:
    """A small matrix on ``ax`` as a grid of cells with their numbers (NaN cells left empty).

    Drawn once; each frame only changes the cell colours, the numbers and the outlined window
    (re-creating axes and ticks per frame would take most of the rendering time).
    """

    def __init__(self, ax, values, title, fmt, outline=None, fontsize=9):
        self.fmt = fmt
        values = np.asarray(values, dtype=float)
        rows, cols = values.shape
        self.image = ax.imshow(
            np.ones((rows, cols, 3)),
            interpolation="nearest",
            extent=(-0.5, cols - 0.5, rows - 0.5, -0.5),
        )
        lines = {"color": "#888888", "linewidth": 0.6, "clip_on": False}
        ax.hlines(np.arange(-0.5, rows), -0.5, cols - 0.5, **lines)
        ax.vlines(np.arange(-0.5, cols), -0.5, rows - 0.5, **lines)
        self.texts = [
            ax.text(col, row, "", ha="center", va="center", fontsize=fontsize)
            for row in range(rows)
            for col in range(cols)
        ]
        self.outline = None
        if outline is not None:  # (height, width) of the outlined window
            self.outline = Rectangle(
                (-0.5, -0.5), outline[1], outline[0], fill=False, edgecolor=WINDOW, linewidth=2.5
            )
            ax.add_patch(self.outline)
        ax.set_xlim(-0.5, cols - 0.5)
        ax.set_ylim(rows - 0.5, -0.5)
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.set_title(title, fontsize=9)
        self.update(values)

    def update(self, values, fills=None, at=None):
        values = np.asarray(values, dtype=float)
        for text, value in zip(self.texts, values.flat, strict=True):
            text.set_text(_number(value, self.fmt))
        if fills is not None:
            self.image.set_data(fills)
        if at is not None and self.outline is not None:
            self.outline.set_xy((at[1] - 0.5, at[0] - 0.5))


def _input_fills(shape, p, window, f):
    """Backgrounds of a padded input: grey padding, the current window tinted."""
    rows, cols = shape
    fills = np.ones((rows, cols, 3))
    border = np.ones((rows, cols), dtype=bool)
    border[p : rows - p, p : cols - p] = False
    fills[border] = _PADDING_FILL
    r, c = window
    fills[r : r + f, c : c + f] = _WINDOW_FILL
    return fills


def _output_fills(values, current):
    fills = np.ones(values.shape + (3,))
    fills[~np.isnan(values)] = _DONE_FILL
    fills[current] = _WINDOW_FILL
    return fills


def _new_figure(width_cells: float, height_cells: float, title_lines: int = 1):
    """A figure sized to its cells, with title lines at the top and one line of text below.

    Returns the figure, the two text artists and the margins (figure fractions) to give the
    panels' gridspec. Not made by pyplot, so the notebook's inline backend never shows it as a
    still PNG beside the player (one output per cell, no figure without alt text).
    """
    top_in = 0.12 + 0.17 * title_lines + 0.3  # the title lines, then the panels' titles
    bottom_in = 0.4  # one line of text
    side_in = 0.15
    width = max(CELL * width_cells + 2 * side_in, MIN_WIDTH)
    height = CELL * height_cells + top_in + bottom_in
    fig = Figure(figsize=(width, height), dpi=DPI, facecolor="white")
    title = fig.text(0.5, 1 - 0.1 / height, "", ha="center", va="top", fontsize=9)
    bottom = fig.text(0.5, 0.1 / height, "", ha="center", va="bottom", fontsize=8)
    margins = {
        "top": 1 - top_in / height,
        "bottom": bottom_in / height,
        "left": side_in / width,
        "right": 1 - side_in / width,
    }
    return fig, title, bottom, margins


def _space(gap_cells: float, sizes) -> float:
    """A gridspec's wspace/hspace (a fraction of the mean panel size) for a gap of cells."""
    return gap_cells / (sum(sizes) / len(sizes))


# --- the player ---------------------------------------------------------------------------------


def _render(fig: Figure, draw, count: int) -> str:
    """matplotlib's JavaScript player of ``count`` frames, ``draw(k)`` drawing frame k."""
    with mpl.rc_context({"savefig.facecolor": "white", "savefig.transparent": False}):
        player = FuncAnimation(
            fig, draw, frames=count, interval=INTERVAL_MS, repeat=False, blit=False
        )
        return player.to_jshtml(default_mode="once")


def offline_accessible_player(html: str, alt: str, kind: str) -> str:
    """matplotlib's jshtml player made to load nothing from the network and pass axe-core.

    Removes every stylesheet link to another host (matplotlib's Font Awesome CDN), replaces
    the icon buttons with buttons labelled in text (their ``title`` and ``aria-label`` are the
    accessible name), labels the frame slider, gives the picture ``alt`` and lets it shrink on a
    phone, replaces the random element id with a hash of the frames, and wraps it all in a
    ``div`` that names the animation's kind and its frame count.
    """
    html = re.sub(r"<link\b[^>]*?href=\"(?:https?:)?//[^>]*>\s*", "", html)

    def button(match: re.Match) -> str:
        attributes = match.group(1)
        title = re.search(r'title="([^"]*)"', attributes).group(1)
        onclick = re.search(r'onclick="([^"]*)"', attributes).group(1)
        text = BUTTON_TEXT.get(title, title)
        return (
            f'<button type="button" title="{title}" aria-label="{title}" '
            f'onclick="{onclick}"><span aria-hidden="true">{text}</span></button>'
        )

    html = re.sub(r"<button\b([^>]*)>.*?</button>", button, html, flags=re.DOTALL)
    html = html.replace(
        'type="range"', f'type="range" aria-label="{SLIDER_LABEL}" title="{SLIDER_LABEL}"', 1
    )
    alt_attribute = html_escape.escape(alt, quote=True)
    html = re.sub(
        r'<img id="(_anim_img\w+)">',
        rf'<img id="\1" alt="{alt_attribute}" style="max-width: 100%; height: auto;">',
        html,
    )
    random_id = re.search(r'id="_anim_img(\w+)"', html).group(1)
    digest = hashlib.sha256(html.replace(random_id, "").encode()).hexdigest()[:16]
    _ids_seen[digest] += 1
    stable = f"{digest}{_ids_seen[digest] if _ids_seen[digest] > 1 else ''}"
    html = html.replace(random_id, stable)
    frames = int(re.search(r"var frames = new Array\((\d+)\);", html).group(1))
    style = (
        "<style>\n.cnnbook-animation input[type=range].anim-slider { max-width: 100%; }\n"
        ".cnnbook-animation .anim-buttons button { width: auto; min-width: 2.2em; "
        "padding: 0 0.35em; }\n</style>"
    )
    return (
        f'<div class="cnnbook-animation" data-cnnbook-animation="{kind}" '
        f'data-frames="{frames}">\n{style}\n{html}\n</div>'
    )


def _animation(kind, fig, draw, frames, windows, description) -> Animation:
    html = offline_accessible_player(_render(fig, draw, len(frames)), description, kind)
    shown = int(re.search(r'data-frames="(\d+)"', html).group(1))
    if shown != len(frames):  # matplotlib drops frames past rcParams["animation.embed_limit"]
        raise RuntimeError(f"the player holds {shown} of {len(frames)} frames")
    return Animation(kind, html, tuple(frames), tuple(windows), description)


# --- the operations -----------------------------------------------------------------------------


def _positions(n_h, n_w, f, p, s):
    out_h, out_w = conv_output_size(n_h, f, p, s), conv_output_size(n_w, f, p, s)
    return out_h, out_w, [(i, j) for i in range(out_h) for j in range(out_w)]


def _filling(shape, names, positions, value_at):
    """The outputs after each position: frame k has positions 0..k filled in."""
    outputs = {name: np.full(shape, np.nan) for name in names}
    frames = []
    for i, j in positions:
        for name, value in value_at(i, j).items():
            outputs[name][i, j] = value
        frames.append({name: array.copy() for name, array in outputs.items()})
    return frames


def convolution(
    image, kernel, padding: int = 0, stride: int = 1, fmt: str = "{:g}", description=None
) -> Animation:
    """A 2-D filter sliding over ``image`` (zero ``padding``, ``stride``), the output filling in.

    Frame k shows the padded image with the window of output position k, the filter, the output
    so far, and the sum of products y[i, j] = sum_u sum_v x[i*s+u, j*s+v] w[u, v] written out.
    The size follows floor((n + 2p - f) / s) + 1, stated in the figure's title.
    """
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(
            f"convolution animates a 2-D image and filter, got {image.shape} and {kernel.shape}"
        )
    f, p, s = kernel.shape[0], padding, stride
    n_h, n_w = image.shape
    out_h, out_w, positions = _positions(n_h, n_w, f, p, s)
    padded = pad(image, p)

    def value_at(i, j):
        window = padded[i * s : i * s + f, j * s : j * s + f]
        return {"output": float(cross_correlate(window, kernel)[0, 0])}

    frames = _filling((out_h, out_w), ["output"], positions, value_at)
    windows = [(i * s, j * s) for i, j in positions]
    formula = (
        f"output side floor((n + 2p - f) / s) + 1 = floor(({n_h} + {2 * p} - {f}) / {s}) + 1"
        f" = {out_h}"
    )
    if description is None:
        description = (
            f"A {f}x{f} filter slides over a {n_h}x{n_w} image"
            + (f" padded with {p} ring{'s' if p > 1 else ''} of zeros" if p else "")
            + f" at stride {s}; at each of its {len(positions)} positions the products of the "
            f"filter and the window are summed into one number of the {out_h}x{out_w} output."
        )
    widths = [padded.shape[1], f, out_w]
    fig, title, bottom, margins = _new_figure(sum(widths) + 2 * GAP, padded.shape[0], 2)
    grid = fig.add_gridspec(1, 3, width_ratios=widths, wspace=_space(GAP, widths), **margins)
    axes = [fig.add_subplot(grid[0, k]) for k in range(3)]
    label = f"image {n_h}x{n_w}"
    if p:
        label += f", padded to {padded.shape[0]}x{padded.shape[1]}"
    shown_input = _Grid(axes[0], padded, label, fmt, outline=(f, f))
    _Grid(axes[1], kernel, f"filter {f}x{f}", fmt)
    shown_output = _Grid(axes[2], frames[0]["output"], f"output {out_h}x{out_w}", fmt, (1, 1))

    def draw(k):
        i, j = positions[k]
        r, c = windows[k]
        output = frames[k]["output"]
        shown_input.update(padded, _input_fills(padded.shape, p, (r, c), f), (r, c))
        shown_output.update(output, _output_fills(output, (i, j)), (i, j))
        window = padded[r : r + f, c : c + f]
        terms = " + ".join(
            f"{_term(x, fmt)}\u00d7{_term(w, fmt)}"
            for x, w in zip(window.flat, kernel.flat, strict=True)
        )
        title.set_text(f"position {k + 1} of {len(positions)}: y[{i}, {j}]\n{formula}")
        bottom.set_text(f"y[{i}, {j}] = {terms} = {_number(output[i, j], fmt)}")

    return _animation("convolution", fig, draw, frames, windows, description)


POOLING_NAMES = {"max": "max pooling", "average": "average pooling"}
KEPT = {"max": "the largest number of the window", "average": "the mean of the window"}


def pooling(image, size: int, stride: int | None = None, mode="max", fmt="{:g}", description=None):
    """A pooling window (``size`` f, ``stride`` s, default f) stepping over a 2-D ``image``.

    ``mode`` is ``"max"``, ``"average"`` or a sequence of both: one output panel each, filled in
    together, so max and average pooling of the same windows sit side by side. The value at
    (i, j) is ``cnnbook.pooling.pool2d`` of that window; the size is floor((n - f) / s) + 1.
    """
    image = np.asarray(image, dtype=float)
    modes = (mode,) if isinstance(mode, str) else tuple(mode)
    unknown = [m for m in modes if m not in POOLING_NAMES]
    if unknown or not modes:
        raise ValueError(f"mode must be 'max', 'average' or both, got {mode!r}")
    if image.ndim != 2:
        raise ValueError(f"pooling animates a 2-D image, got shape {image.shape}")
    f = size
    s = f if stride is None else stride
    n_h, n_w = image.shape
    out_h, out_w, positions = _positions(n_h, n_w, f, 0, s)

    def value_at(i, j):
        window = image[i * s : i * s + f, j * s : j * s + f]
        return {m: float(pool2d(window, f, s, mode=m)[0, 0]) for m in modes}

    frames = _filling((out_h, out_w), modes, positions, value_at)
    windows = [(i * s, j * s) for i, j in positions]
    if description is None:
        kept = "; ".join(f"{POOLING_NAMES[m]} keeps {KEPT[m]}" for m in modes)
        description = (
            f"A {f}x{f} window steps over a {n_h}x{n_w} input with stride {s}, filling a "
            f"{out_h}x{out_w} output one of its {len(positions)} positions at a time: {kept}."
        )
    widths = [n_w] + [out_w] * len(modes)
    fig, title, bottom, margins = _new_figure(sum(widths) + GAP * len(modes), n_h, 2)
    grid = fig.add_gridspec(
        1, len(widths), width_ratios=widths, wspace=_space(GAP, widths), **margins
    )
    axes = [fig.add_subplot(grid[0, k]) for k in range(1 + len(modes))]
    reducers = {"max": "max", "average": "mean"}
    shown_input = _Grid(axes[0], image, f"input {n_h}x{n_w}", fmt, outline=(f, f))
    shown_outputs = [
        _Grid(ax, frames[0][m], POOLING_NAMES[m], fmt, outline=(1, 1))
        for ax, m in zip(axes[1:], modes, strict=True)
    ]

    def draw(k):
        i, j = positions[k]
        r, c = windows[k]
        shown_input.update(image, _input_fills(image.shape, 0, (r, c), f), (r, c))
        window = ", ".join(_number(v, fmt) for v in image[r : r + f, c : c + f].flat)
        sums = []
        for shown, m in zip(shown_outputs, modes, strict=True):
            output = frames[k][m]
            shown.update(output, _output_fills(output, (i, j)), (i, j))
            sums.append(f"{reducers[m]}({window}) = {_number(output[i, j], fmt)}")
        title.set_text(
            f"position {k + 1} of {len(positions)}: y[{i}, {j}]\n"
            f"f = {f}, s = {s}: output side floor((n - f) / s) + 1 = "
            f"floor(({n_h} - {f}) / {s}) + 1 = {out_h}"
        )
        bottom.set_text(";   ".join(sums))

    return _animation("pooling", fig, draw, frames, windows, description)


CHANNEL_NAMES = ("red", "green", "blue")


def volume_convolution(volume, kernel, fmt: str = "{:g}", description=None) -> Animation:
    """One f x f x n_c filter sliding over an n x n x n_c volume: one output channel.

    Each frame shows every input channel with the window, the filter's slice for that channel
    under it, and the output so far; the text splits y[i, j] into the sum over each channel's
    slice (``cross_correlate`` of the window's channel c with the filter's slice c), whose total
    is ``cross_correlate`` of the whole window with the whole filter.
    """
    volume = np.asarray(volume, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    if volume.ndim != 3 or kernel.ndim != 3 or kernel.shape[2] != volume.shape[2]:
        raise ValueError(
            "volume_convolution animates one (f, f, n_c) filter over an (n, n, n_c) volume, "
            f"got {volume.shape} and {kernel.shape}"
        )
    f, channels = kernel.shape[0], volume.shape[2]
    n_h, n_w = volume.shape[:2]
    out_h, out_w, positions = _positions(n_h, n_w, f, 0, 1)

    def window_at(i, j):
        return volume[i : i + f, j : j + f, :]

    def value_at(i, j):
        return {"output": float(cross_correlate(window_at(i, j), kernel)[0, 0])}

    frames = _filling((out_h, out_w), ["output"], positions, value_at)
    windows = list(positions)
    names = CHANNEL_NAMES if channels == 3 else tuple(f"channel {c}" for c in range(channels))
    if description is None:
        description = (
            f"A {f}x{f}x{channels} filter slides over a {n_h}x{n_w}x{channels} volume; at each "
            f"of its {len(positions)} positions the products over all {channels} channels are "
            f"summed into one number, so the output is a single {out_h}x{out_w} channel."
        )
    widths, heights = [n_w] * channels + [out_w], [n_h, f]
    fig, title, bottom, margins = _new_figure(sum(widths) + GAP * channels, sum(heights) + 2 * GAP)
    grid = fig.add_gridspec(
        2,
        channels + 1,
        width_ratios=widths,
        height_ratios=heights,
        wspace=_space(GAP, widths),
        hspace=_space(GAP, heights),
        **margins,
    )
    inputs = [
        _Grid(fig.add_subplot(grid[0, c]), volume[:, :, c], f"input, {names[c]}", fmt, (f, f), 8)
        for c in range(channels)
    ]
    for c in range(channels):
        _Grid(fig.add_subplot(grid[1, c]), kernel[:, :, c], f"filter, {names[c]}", fmt, None, 8)
    out_ax = fig.add_subplot(grid[0, channels])
    shown_output = _Grid(out_ax, frames[0]["output"], f"output {out_h}x{out_w}", fmt, (1, 1))

    def draw(k):
        i, j = positions[k]
        parts = []
        for c in range(channels):
            inputs[c].update(volume[:, :, c], _input_fills((n_h, n_w), 0, (i, j), f), (i, j))
            part = float(cross_correlate(window_at(i, j)[:, :, c], kernel[:, :, c])[0, 0])
            parts.append(f"{_term(part, fmt)} ({names[c]})")
        output = frames[k]["output"]
        shown_output.update(output, _output_fills(output, (i, j)), (i, j))
        title.set_text(
            f"position {k + 1} of {len(positions)}: {f}x{f}x{channels} filter, "
            f"{f * f * channels} products summed into y[{i}, {j}]"
        )
        bottom.set_text(f"y[{i}, {j}] = {' + '.join(parts)} = {_number(output[i, j], fmt)}")

    return _animation("volume-convolution", fig, draw, frames, windows, description)
