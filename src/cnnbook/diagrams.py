"""Diagrams of networks drawn from the built Keras model: boxes for layers, arrows with shapes.

Two steps, so that each can be tested on its own:

1. ``diagram_graph(model, ...)`` reads the model and returns a ``Diagram``: its ``boxes`` (each
   the layer, or the group of layers, it stands for, with their names, types and output shape)
   and its ``arrows`` (which box feeds which, labelled with the tensor shape that flows along).
   Options group layers: ``fuse`` joins a convolution with the batch normalisation and
   activation that follow it, ``collapse`` turns a run of identical layers into one box with
   its count, ``group`` names whole groups (a ResNet stage, an Inception module).
2. ``Diagram.figure()`` draws it with matplotlib (boxes in the book's colour-blind-safe
   ``cnnbook.plots.COLOURS``, a legend, 8-point text, at most ``MAX_WIDTH`` inches wide) and
   ``Diagram.svg()`` writes it as SVG with the text kept as text. In a notebook, a ``Diagram``
   shows itself as that SVG.

A change to a builder changes its picture, because the picture is read from what the builder
built. Taught in the case-study chapters: *Classic networks: LeNet-5, AlexNet, VGG*,
*Residual networks*, *1x1 convolutions*, *Inception: GoogLeNet and the Inception module*,
*MobileNet: depthwise-separable convolutions* and *EfficientNet: scaling depth, width and
resolution together*.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cnnbook.plots import COLOURS

FONT_SIZE = 8  # points, at the figure's own size (the book shows it at that size)
TITLE_SIZE = 10
MAX_WIDTH = 7.0  # inches: the book's ~80-character code column, and Colab's
ARROW = "\u2192"  # the arrow inside a box: "Conv2D 3x3, 64 -> BN -> ReLU"
TIMES = "\u00d7"

# What a box's colour says. Each kind takes one colour of cnnbook.plots.COLOURS (Okabe and Ito).
KINDS = {
    "input": ("input / output", "black"),
    "conv": ("convolution", "blue"),
    "depthwise": ("depthwise convolution", "sky"),
    "pool": ("pooling", "orange"),
    "dense": ("dense", "red"),
    "merge": ("add / concatenate / multiply", "green"),
    "block": ("group of layers", "purple"),
    "other": ("reshape / dropout / normalisation", "yellow"),
}
# Layers that join the box of the layer before them when ``fuse`` is on.
FUSED = ("BatchNormalization", "Activation", "ReLU")


def shape_text(shape) -> str:
    """A tensor shape without its batch axis, as printed on an arrow: ``28×28×192``."""
    return TIMES.join(str(d) for d in tuple(shape)[1:])


@dataclass(frozen=True)
class Box:
    """One box of a diagram: a layer, or a group of consecutive layers of the model.

    ``layers`` are the names of the model's layers it stands for, ``types`` their classes,
    ``shape`` the output shape of the box (that of its last layer), ``title`` and ``detail`` its
    two lines of text, ``kind`` its colour (a key of ``KINDS``), ``count`` how many identical
    units a collapsed box stands for.
    """

    key: str
    title: str
    detail: str
    layers: tuple[str, ...]
    types: tuple[str, ...]
    shape: str
    kind: str
    count: int = 1


@dataclass(frozen=True)
class Arrow:
    """An arrow from box ``source`` to box ``target``, carrying a tensor of shape ``shape``."""

    source: str
    target: str
    shape: str


@dataclass
class Diagram:
    """A network as boxes and arrows (``diagram_graph``), ready to be drawn."""

    title: str
    boxes: list[Box]
    arrows: list[Arrow]
    main_output: str | None = None
    _svg: str | None = field(default=None, repr=False)

    def box(self, key: str) -> Box:
        return next(b for b in self.boxes if b.key == key)

    def box_of(self, layer: str) -> Box:
        """The box that stands for the layer named ``layer``."""
        return next(b for b in self.boxes if layer in b.layers)

    def texts(self) -> list[str]:
        """Every piece of text the figure shows (title, box lines, arrow labels, legend)."""
        found = [self.title]
        for b in self.boxes:
            found += [b.title, b.detail]
        found += sorted({a.shape for a in self.arrows})
        return found

    def figure(self):
        """The diagram as a matplotlib figure (see ``draw``)."""
        return draw(self)

    def svg(self) -> str:
        """The diagram as an SVG document; text stays text (searchable, sharp at any zoom)."""
        if self._svg is None:
            import matplotlib
            import matplotlib.pyplot as plt

            fig = self.figure()
            buffer = io.StringIO()
            with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "cnnbook"}):
                fig.savefig(buffer, format="svg", facecolor="white", metadata={"Date": None})
            plt.close(fig)
            self._svg = buffer.getvalue()
        return self._svg

    def _repr_svg_(self) -> str:  # Jupyter and Colab show a Diagram as its SVG
        return self.svg()

    def __repr__(self) -> str:  # the text a notebook keeps next to the SVG
        return f"<diagram {self.title!r}: {len(self.boxes)} boxes, {len(self.arrows)} arrows>"


# --- reading the model ---------------------------------------------------------------------


def _parents(layer) -> list[str]:
    nodes = layer._inbound_nodes
    if not nodes:
        return []
    return [node.operation.name for node in nodes[0].parent_nodes]


def _pair(value) -> str:
    value = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    return "x".join(str(v) for v in value) if len(set(value)) > 1 else f"{value[0]}x{value[0]}"


def _stride(value) -> str:
    value = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    return "" if set(value) == {1} else f"/{value[0]}"


def _activation(layer) -> str:
    activation = getattr(layer, "activation", None)
    name = getattr(activation, "__name__", "linear")
    return "" if name == "linear" else f", {name_of_activation(name)}"


def name_of_activation(name: str) -> str:
    return {"relu": "ReLU", "silu": "swish", "swish": "swish"}.get(name, name)


def describe(layer) -> str:
    """A layer in a few words: type and the settings that change its output."""
    kind = type(layer).__name__
    if kind == "InputLayer":
        return "Input"
    if kind in ("Conv2D", "DepthwiseConv2D"):
        size = _pair(layer.kernel_size) + _stride(layer.strides)
        if kind == "DepthwiseConv2D":
            return f"Depthwise {size}{_activation(layer)}"
        groups = f", {layer.groups} groups" if getattr(layer, "groups", 1) > 1 else ""
        return f"Conv2D {size}, {layer.filters}{groups}{_activation(layer)}"
    if kind in ("MaxPooling2D", "AveragePooling2D"):
        short = "MaxPool" if kind.startswith("Max") else "AvgPool"
        return f"{short} {_pair(layer.pool_size)}{_stride(layer.strides)}"
    if kind.startswith("Global"):
        return "GlobalMaxPool" if "Max" in kind else "GlobalAvgPool"
    if kind == "Dense":
        return f"Dense {layer.units}{_activation(layer)}"
    if kind == "BatchNormalization":
        return "BN"
    if kind == "ReLU":
        cap = layer.max_value
        return "ReLU6" if cap is not None and float(cap) == 6.0 else "ReLU"
    if kind == "Activation":
        return name_of_activation(getattr(layer.activation, "__name__", "activation"))
    if kind == "Dropout":
        return f"Dropout {layer.rate:g}"
    if kind == "ZeroPadding2D":
        return "ZeroPad"
    return kind


def _kind(types: Sequence[str]) -> str:
    first = types[0]
    if first == "InputLayer":
        return "input"
    if first == "DepthwiseConv2D":
        return "depthwise"
    if first == "Conv2D":
        return "conv"
    if "Pooling" in first:
        return "pool"
    if first == "Dense":
        return "dense"
    if first in ("Add", "Concatenate", "Multiply"):
        return "merge"
    return "other"


def _signature(layer) -> tuple:
    """A layer's settings without its name: two layers with equal signatures do the same job."""
    config = dict(layer.get_config())
    for key in ("name", "trainable", "dtype"):
        config.pop(key, None)
    return (type(layer).__name__, repr(sorted(config.items())))


def diagram_graph(
    model,
    title: str | None = None,
    *,
    fuse: bool = False,
    collapse: bool = False,
    group: Callable[[str], str | None] | None = None,
    describe_group: Callable[[str, list], str] | None = None,
) -> Diagram:
    """The boxes and arrows of ``model``, read from its layers (a functional Keras model).

    One box per layer, except where the options join layers: ``group(name)`` returns a group
    name for a layer (all layers of a group share one box, described by
    ``describe_group(group, layers)``) or ``None``; ``fuse`` joins each batch normalisation and
    activation layer to the layer before it when that layer feeds nothing else; ``collapse``
    turns a chain of boxes with identical settings (VGG's two or three 3x3 convolutions) into
    one box with its count. An arrow carries the output shape of the layer it leaves.
    """
    layers = list(model.layers)
    by_name = {layer.name: layer for layer in layers}
    # A Sequential model does not list its input layer: arrows start at its first layer.
    parents = {layer.name: [p for p in _parents(layer) if p in by_name] for layer in layers}
    children: dict[str, list[str]] = {layer.name: [] for layer in layers}
    for name, ps in parents.items():
        for p in ps:
            children[p].append(name)

    key = {}
    named_groups = set()
    for layer in layers:
        name = layer.name
        grouped = group(name) if group else None
        if grouped is not None:
            key[name] = grouped
            named_groups.add(grouped)
            continue
        key[name] = name
        ps = parents[name]
        if (
            fuse
            and type(layer).__name__ in FUSED
            and len(ps) == 1
            and len(children[ps[0]]) == 1
            and type(by_name[ps[0]]).__name__ != "InputLayer"
            and key[ps[0]] not in named_groups
        ):
            key[name] = key[ps[0]]

    members: dict[str, list] = {}
    for layer in layers:
        members.setdefault(key[layer.name], []).append(layer)

    box_parents: dict[str, list[str]] = {k: [] for k in members}
    arrows: list[Arrow] = []
    for layer in layers:
        for p in parents[layer.name]:
            source, target = key[p], key[layer.name]
            if source != target and source not in box_parents[target]:
                box_parents[target].append(source)
                arrows.append(Arrow(source, target, shape_text(by_name[p].output.shape)))

    units = {k: [m] for k, m in members.items()}  # collapsed boxes: one list per unit
    if collapse:
        box_children: dict[str, list[str]] = {k: [] for k in members}
        for a in arrows:
            box_children[a.source].append(a.target)
        merged: dict[str, str] = {}
        for k in list(members):
            if k not in units or k in named_groups:
                continue
            ps = box_parents[k]
            if len(ps) != 1 or ps[0] in named_groups or len(box_children[ps[0]]) != 1:
                continue
            head = ps[0]
            while head not in units:  # the parent was itself merged into an earlier box
                head = merged[head]
            if [_signature(x) for x in units[head][-1]] == [_signature(x) for x in members[k]]:
                units[head].append(members[k])
                merged[k] = head
                del units[k]
        arrows = _retarget(arrows, merged)

    boxes = []
    for k, unit_list in units.items():
        flat = [layer for unit in unit_list for layer in unit]
        types = tuple(type(layer).__name__ for layer in flat)
        if k in named_groups:
            detail = describe_group(k, flat) if describe_group else _summary(flat)
            title_text, kind = k, "block"
        else:
            first = unit_list[0]
            detail = f" {ARROW} ".join(describe(layer) for layer in first)
            title_text = first[0].name
            if len(unit_list) > 1:
                detail = f"{len(unit_list)} {TIMES} {detail}"
                title_text = f"{first[0].name} \u2026 {unit_list[-1][0].name}"
            kind = _kind(types)
        boxes.append(
            Box(
                key=k,
                title=title_text,
                detail=detail,
                layers=tuple(layer.name for layer in flat),
                types=types,
                shape=shape_text(flat[-1].output.shape),
                kind=kind,
                count=len(unit_list),
            )
        )
    main = model.outputs[0]
    main_layer = next((layer.name for layer in layers if layer.output is main), layers[-1].name)
    return Diagram(
        title or model.name,
        boxes,
        arrows,
        main_output=next(b.key for b in boxes if main_layer in b.layers),
    )


def _retarget(arrows: list[Arrow], merged: dict[str, str]) -> list[Arrow]:
    """Arrows after collapsing: inner arrows gone, outer ones re-attached to the run's box."""

    def head(k):
        while k in merged:
            k = merged[k]
        return k

    kept = []
    for a in arrows:
        source, target = head(a.source), head(a.target)
        if source != target:
            kept.append(Arrow(source, target, a.shape))
    return kept


def _summary(layers: list) -> str:
    """A group of layers by its types: ``9 Conv2D, 1 MaxPooling2D``."""
    counts: dict[str, int] = {}
    for layer in layers:
        counts[describe(layer).split()[0]] = counts.get(describe(layer).split()[0], 0) + 1
    return ", ".join(f"{n} {kind}" for kind, n in counts.items())


# --- groups for whole networks ---------------------------------------------------------------


def resnet_stage(name: str) -> str | None:
    """The stage of a ``cnnbook.models.resnet`` layer: ``stem``, ``conv2`` ... ``conv5``."""
    if name.startswith(("conv1_", "pool1_")):
        return "stem"
    match = re.match(r"(conv\d+|stage\d+)_block\d+_", name)
    return match.group(1) if match else None


def describe_resnet_stage(stage: str, layers: list) -> str:
    """A stage in words, from its layers: blocks, their convolutions' filters, projections."""
    if stage == "stem":
        return f" {ARROW} ".join(
            describe(layer)
            for layer in layers
            if type(layer).__name__ in ("Conv2D", "MaxPooling2D")
        )
    adds = [layer for layer in layers if type(layer).__name__ == "Add"]
    first_block = adds[0].name.removesuffix("_add")
    filters = [
        str(layer.filters)
        for layer in layers
        if type(layer).__name__ == "Conv2D"
        and layer.name.startswith(first_block + "_")
        and not layer.name.startswith(first_block + "_0_")
    ]
    kind = "bottleneck" if len(filters) == 3 else "basic"
    projections = sum(1 for layer in layers if re.search(r"_block\d+_0_conv$", layer.name))
    return (
        f"{len(adds)} {kind} blocks ({', '.join(filters)}), "
        f"{projections} with a projection shortcut"
    )


def googlenet_group(name: str) -> str | None:
    """The Inception module or auxiliary classifier of a ``googlenet`` layer, else ``None``."""
    match = re.match(r"(inception_\w\w|aux\d)_", name)
    return match.group(1) if match else None


def describe_googlenet_group(group: str, layers: list) -> str:
    """A module by its branches' filters, or a side classifier by its layers."""
    convs = {layer.name.removeprefix(group + "_"): layer.filters for layer in layers
             if type(layer).__name__ == "Conv2D"}  # fmt: skip
    if group.startswith("aux"):
        return f" {ARROW} ".join(
            describe(layer) for layer in layers if type(layer).__name__ != "Flatten"
        )
    return (
        f"Inception: 1x1 {convs['1x1']} | {convs['3x3_reduce']}{ARROW}3x3 {convs['3x3']} | "
        f"{convs['5x5_reduce']}{ARROW}5x5 {convs['5x5']} | pool{ARROW}{convs['pool_proj']}"
    )


# --- layout and drawing ----------------------------------------------------------------------

BOX_PAD = 0.06  # inches between a box's text and its edge
LINE = FONT_SIZE / 72 * 1.25  # inches per line of text
GAP = 0.36  # inches between rows (room for a shape label)
COLUMN_GAP = 0.25
WRAP_WIDTH = 2.6  # inches: a box's longest line (longer descriptions wrap)


@functools.lru_cache(maxsize=4096)
def _text_width(text: str, size: float = FONT_SIZE, bold: bool = False) -> float:
    """Width in inches of ``text`` in matplotlib's default font (DejaVu Sans)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    if not text:
        return 0.0
    prop = FontProperties(family="DejaVu Sans", size=size, weight="bold" if bold else "normal")
    width, _, _ = text_to_path.get_text_width_height_descent(text, prop, ismath=False)
    return width / 72


def wrap(text: str, width: float = WRAP_WIDTH) -> list[str]:
    """``text`` in lines at most ``width`` inches wide, broken after an arrow, bar or comma."""
    pieces = re.split(r"(?<= \u2192 )|(?<= \| )|(?<=, )", text)
    lines = [""]
    for piece in pieces:
        if lines[-1] and _text_width((lines[-1] + piece).rstrip()) > width:
            lines.append("")
        lines[-1] += piece
    return [line.rstrip() for line in lines]


def _lines(box: Box, has_arrow_out: bool) -> list[str]:
    lines = [box.title, *wrap(box.detail)]
    if not has_arrow_out:
        lines.append(f"output {box.shape}")
    return lines


def layout(diagram: Diagram) -> dict[str, tuple[float, int]]:
    """(column, row) of every box: rows by depth from the input, branches side by side.

    A merge of two inputs where one is a shortcut (a box that also feeds the other input)
    keeps the other, the main path, in its column; with two real branches the longer keeps the
    column and the shorter goes to the right; three or more spread evenly around it (an
    Inception module). Outputs other than the main one sit one column to the right.
    """
    keys = [b.key for b in diagram.boxes]
    types = {b.key: b.types for b in diagram.boxes}
    parents = {k: [] for k in keys}
    children = {k: [] for k in keys}
    for a in diagram.arrows:
        parents[a.target].append(a.source)
        children[a.source].append(a.target)
    depth: dict[str, int] = {}
    for k in keys:  # boxes are in topological order
        depth[k] = 1 + max((depth[p] for p in parents[k]), default=-1)
    for k in reversed(keys):  # a short branch sits just above the box it feeds
        if parents[k] and children[k]:
            depth[k] = min(depth[c] for c in children[k]) - 1

    ancestors: dict[str, set[str]] = {}
    for k in keys:
        ancestors[k] = set(parents[k]).union(*(ancestors[p] for p in parents[k]))

    column: dict[str, float] = {}
    fan_outs: list[str] = []

    def place(k: str, x: float) -> None:
        if k in column:
            return
        column[k] = x
        ps = parents[k]
        offsets: list[float]
        if len(ps) == 2:
            a, b = ps
            if a in ancestors[b] or b in ancestors[a]:  # one input is a shortcut
                # A gate (squeeze-and-excitation's multiply) sits beside the path it scales.
                gate = 1.0 if types[k][0] == "Multiply" else 0.0
                offsets = [0.0, gate] if a in ancestors[b] else [gate, 0.0]
            else:
                longer = len(ancestors[a]) >= len(ancestors[b])
                offsets = [0.0, 1.0] if longer else [1.0, 0.0]
        else:
            offsets = [i - (len(ps) - 1) / 2 for i in range(len(ps))]
        for p, offset in zip(ps, offsets, strict=True):
            if len(children[p]) > 1:
                if p not in fan_outs:
                    fan_outs.append(p)
            else:
                place(p, x + offset)

    main = diagram.main_output or keys[-1]
    place(main, 0.0)
    for k in keys:
        if not children[k] and k not in column:
            place(k, 1.0)
    while fan_outs:
        ready = [f for f in fan_outs if all(c in column for c in children[f])]
        k = ready[0] if ready else fan_outs[0]
        fan_outs.remove(k)
        reach = [({c} | _descendants(c, children)) for c in children[k]]
        common = [d for d in keys if all(d in r for r in reach)]
        placed = [d for d in common if d in column]
        if placed:
            place(k, column[placed[0]])
        else:
            on_main = [c for c in children[k] if c == main or main in _descendants(c, children)]
            chosen = on_main[0] if on_main else children[k][0]
            place(k, column.get(chosen, 0.0))
    for k in keys:
        column.setdefault(k, 0.0)
    return {k: (column[k], depth[k]) for k in keys}


def _descendants(k: str, children: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(children[k])
    while stack:
        c = stack.pop()
        if c not in seen:
            seen.add(c)
            stack.extend(children[c])
    return seen


LEGEND_SQUARE = 0.12  # inches: a legend entry's colour square
LEGEND_HANDLE = LEGEND_SQUARE + 0.06  # the square and the space before its text
LEGEND_SPACING = 0.22  # inches between legend entries


def _legend_rows(entries: list[float], width: float) -> list[list[int]]:
    """Legend entries (their widths, in inches) packed into rows at most ``width`` wide."""
    rows: list[list[int]] = [[]]
    used = 0.0
    for i, w in enumerate(entries):
        if rows[-1] and used + LEGEND_SPACING + w > width:
            rows.append([])
            used = 0.0
        used += (LEGEND_SPACING if rows[-1] else 0.0) + w
        rows[-1].append(i)
    return rows


def _tint(hex_colour: str, amount: float = 0.72) -> str:
    """``hex_colour`` mixed with white (``amount`` of white): a fill the text stays legible on."""
    rgb = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(c + (255 - c) * amount) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)


@dataclass(frozen=True)
class Placed:
    """Where a box is drawn: centre (x, y) and size, in inches."""

    x: float
    y: float
    width: float
    height: float

    @property
    def top(self) -> float:
        return self.y + self.height / 2

    @property
    def bottom(self) -> float:
        return self.y - self.height / 2


def geometry(diagram: Diagram) -> dict[str, Placed]:
    """Every box's centre and size in inches (the figure's own units)."""
    positions = layout(diagram)
    sources = {a.source for a in diagram.arrows}
    sizes = {}
    for b in diagram.boxes:
        lines = _lines(b, b.key in sources)
        width = max(_text_width(line, bold=i == 0) for i, line in enumerate(lines))
        width += 2 * BOX_PAD
        sizes[b.key] = (width, len(lines) * LINE + 2 * BOX_PAD)
    rows: dict[int, list[str]] = {}
    for k, (_, r) in positions.items():
        rows.setdefault(r, []).append(k)
    # Columns are as far apart as the boxes that share a row need (one column = ``pitch``).
    pitch = max(w for w, _ in sizes.values()) / 2 + COLUMN_GAP
    for members in rows.values():
        members = sorted(members, key=lambda k: positions[k][0])
        for a, b in zip(members, members[1:], strict=False):
            apart = positions[b][0] - positions[a][0]
            need = (sizes[a][0] + sizes[b][0]) / 2 + COLUMN_GAP
            pitch = max(pitch, need / apart)
    row_y: dict[int, float] = {}
    y = 0.0
    for r in sorted(rows):
        height = max(sizes[k][1] for k in rows[r])
        row_y[r] = y - height / 2
        y -= height + GAP
    return {
        k: Placed(positions[k][0] * pitch, row_y[positions[k][1]], *sizes[k]) for k in positions
    }


def draw(diagram: Diagram):
    """Draw ``diagram``: boxes, orthogonal arrows with the shape they carry, legend, title."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    where = geometry(diagram)
    sources = {a.source for a in diagram.arrows}
    xs_left = [p.x - p.width / 2 for p in where.values()]
    xs_right = [p.x + p.width / 2 for p in where.values()]
    grey = "#444444"

    segments: list[tuple[list[float], list[float], bool]] = []  # (xs, ys, arrow head)
    labels: list[tuple[float, float, str, str]] = []  # x, y, text, alignment
    extra_right, extra_left = [], []
    for source in [b.key for b in diagram.boxes]:
        outgoing = [a for a in diagram.arrows if a.source == source]
        if not outgoing:
            continue
        s = where[source]
        labels.append((s.x + 0.05, s.bottom - 0.02, outgoing[0].shape, "left"))
        for a in outgoing:
            t = where[a.target]
            between = [
                p for k, p in where.items()
                if k not in (source, a.target) and t.top < p.y < s.bottom
                and abs(p.x - s.x) < (p.width + s.width) / 2
            ]  # fmt: skip
            if abs(s.x - t.x) < 1e-6 and not between:
                segments.append(([s.x, t.x], [s.bottom, t.top], True))
            elif abs(s.x - t.x) < 1e-6:  # around the boxes in between, on a free side
                span = [p for p in where.values() if t.y <= p.y <= s.y]
                right_free = all(p.x <= s.x + 1e-6 for p in span)
                left_free = all(p.x >= s.x - 1e-6 for p in span)
                if right_free or not left_free:
                    edge = max(p.x + p.width / 2 for p in span if abs(p.x - s.x) < 1e-6)
                    bx, sx, tx = edge + 0.18, s.x + s.width / 2, t.x + t.width / 2
                    extra_right.append(bx)
                else:
                    edge = min(p.x - p.width / 2 for p in span if abs(p.x - s.x) < 1e-6)
                    bx, sx, tx = edge - 0.18, s.x - s.width / 2, t.x - t.width / 2
                    extra_left.append(bx)
                segments.append(([sx, bx, bx, tx], [s.y, s.y, t.y, t.y], True))
            else:
                bus = s.bottom - GAP / 2 - 0.04
                segments.append(([s.x, s.x, t.x, t.x], [s.bottom, bus, bus, t.top], True))

    left = min(xs_left + extra_left) - 0.1
    label_ends = [x + _text_width(text) for x, _, text, _ in labels]
    right = max(xs_right + [e + 0.15 for e in extra_right] + label_ends) + 0.1
    bottom = min(p.bottom for p in where.values()) - 0.1
    kinds = [k for k in KINDS if any(b.kind == k for b in diagram.boxes)]
    entries = [_text_width(KINDS[k][0]) + LEGEND_HANDLE for k in kinds]
    # At least as wide as the title and three legend entries need, within MAX_WIDTH.
    wanted = max(
        _text_width(diagram.title, TITLE_SIZE, bold=True) + 0.2,
        sum(sorted(entries)[-3:]) + LEGEND_SPACING * 2 + 0.2,
    )
    if right - left < min(wanted, MAX_WIDTH):
        grow = (min(wanted, MAX_WIDTH) - (right - left)) / 2
        left, right = left - grow, right + grow
    legend_rows = _legend_rows(entries, right - left - 0.2)
    header = TITLE_SIZE / 72 * 1.6 + len(legend_rows) * LINE * 1.3 + 0.15
    top = max(p.top for p in where.values()) + header
    width, height = right - left, top - bottom
    fig = plt.figure(figsize=(width, height), facecolor="white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.axis("off")
    for xs, ys, head in segments:
        ax.plot(xs[:-1] + [xs[-1]], ys[:-1] + [ys[-1]], color=grey, lw=0.9, zorder=1)
        if head:
            ax.annotate(
                "",
                xy=(xs[-1], ys[-1]),
                xytext=(xs[-2], ys[-2]),
                arrowprops={"arrowstyle": "-|>", "color": grey, "lw": 0.9, "shrinkA": 0,
                            "shrinkB": 0, "mutation_scale": 8},
                zorder=2,
            )  # fmt: skip
    for x, y, text, align in labels:
        ax.text(x, y, text, ha=align, va="top", fontsize=FONT_SIZE, color=grey, zorder=3)
    for b in diagram.boxes:
        p = where[b.key]
        colour = COLOURS[KINDS[b.kind][1]]
        ax.add_patch(
            FancyBboxPatch(
                (p.x - p.width / 2, p.bottom),
                p.width,
                p.height,
                boxstyle="round,pad=0,rounding_size=0.05",
                facecolor=_tint(colour) if b.kind != "input" else "white",
                edgecolor=colour,
                lw=1.0,
                zorder=4,
            )
        )
        lines = _lines(b, b.key in sources)
        for i, line in enumerate(lines):
            ax.text(
                p.x,
                p.top - BOX_PAD - (i + 0.5) * LINE,
                line,
                ha="center",
                va="center",
                fontsize=FONT_SIZE,
                fontweight="bold" if i == 0 else "normal",
                color="black",
                zorder=5,
            )
    ax.text(
        (left + right) / 2, top - 0.06, diagram.title, ha="center", va="top",
        fontsize=TITLE_SIZE, fontweight="bold",
    )  # fmt: skip
    y = top - 0.06 - TITLE_SIZE / 72 * 1.6
    for row in legend_rows:
        x = (left + right) / 2 - (
            sum(entries[i] for i in row) + LEGEND_SPACING * (len(row) - 1)
        ) / 2
        for i in row:
            colour = COLOURS[KINDS[kinds[i]][1]]
            ax.add_patch(
                FancyBboxPatch(
                    (x, y - LEGEND_SQUARE / 2 - LINE / 2),
                    LEGEND_SQUARE,
                    LEGEND_SQUARE,
                    boxstyle="square,pad=0",
                    facecolor=_tint(colour) if kinds[i] != "input" else "white",
                    edgecolor=colour,
                    lw=1.0,
                )
            )
            ax.text(
                x + LEGEND_SQUARE + 0.06, y - LINE / 2, KINDS[kinds[i]][0],
                ha="left", va="center", fontsize=FONT_SIZE,
            )  # fmt: skip
            x += entries[i] + LEGEND_SPACING
        y -= LINE * 1.3
    return fig
