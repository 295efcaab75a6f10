"""Claims as code: a sentence of the prose checked against the numbers printed above it.

A chapter that draws a lesson from an experiment (deeper plain networks fit worse, moderate
augmentation helps, pretrained features beat random ones) states it in prose and then calls
:func:`check` with the evidence: results over several seeds, summarised as :class:`Samples`
and compared with :func:`difference`. In full mode (what the published book shows) a claim
that the evidence does not support raises :class:`ClaimFailed`, so the strict book build fails
instead of publishing a sentence its own outputs contradict. In smoke mode the sizes are too
small for any lesson, so the claim is printed with its evidence and marked as not checked.

Intervals are Student-t intervals of a mean (Student 1908; any statistics text, e.g. Wasserman,
*All of Statistics*, 2004, section 6.3.2); a paired difference uses the per-seed differences, an
unpaired one Welch's approximation (Welch 1947).

Taught in *Residual networks*, *Data augmentation*, *The state of computer vision* and *Transfer
learning* (their experiments' conclusions).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cnnbook.runtime import smoke_mode

DEFAULT_LEVEL = 0.9
HOLDS = "holds"
FAILS = "DOES NOT HOLD"
NOT_CHECKED = "not checked at smoke-mode sizes (CNNBOOK_SMOKE=1): the numbers are too small"


class ClaimFailed(AssertionError):
    """A sentence of the book that its own full-mode numbers do not support."""


def _t_quantile(level: float, dof: float) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2, dof))


@dataclass(frozen=True)
class Samples:
    """Repeated measurements of one quantity (one value per seed, say)."""

    values: tuple[float, ...]

    def __post_init__(self):
        if not self.values:
            raise ValueError("Samples needs at least one value")
        if not all(math.isfinite(v) for v in self.values):
            raise ValueError(f"Samples got a value that is not a finite number: {self.values}")

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return sum(self.values) / self.n

    @property
    def sd(self) -> float:
        """Sample standard deviation (0 for a single value)."""
        if self.n < 2:
            return 0.0
        return math.sqrt(sum((v - self.mean) ** 2 for v in self.values) / (self.n - 1))

    @property
    def sem(self) -> float:
        return self.sd / math.sqrt(self.n)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    def interval(self, level: float = DEFAULT_LEVEL) -> tuple[float, float]:
        """Student-t interval of the mean; a single value gives an unbounded interval."""
        if self.n < 2:
            return (-math.inf, math.inf)
        half = _t_quantile(level, self.n - 1) * self.sem
        return (self.mean - half, self.mean + half)

    def format(self, digits: int = 3) -> str:
        return (
            f"{self.mean:.{digits}f} ± {self.sd:.{digits}f} "
            f"(mean ± sd of {self.n}, range {self.low:.{digits}f}-{self.high:.{digits}f})"
        )

    def __str__(self) -> str:
        return self.format()


def samples(values: Iterable[float]) -> Samples:
    """``Samples`` of any iterable of numbers."""
    return Samples(tuple(float(v) for v in values))


@dataclass(frozen=True)
class Difference:
    """``a - b`` with a confidence interval of its mean."""

    mean: float
    low: float
    high: float
    level: float
    n: int
    paired: bool

    @property
    def positive(self) -> bool:
        """The whole interval lies above zero: ``a`` is larger, beyond the noise."""
        return self.low > 0

    @property
    def negative(self) -> bool:
        return self.high < 0

    def format(self, digits: int = 3) -> str:
        kind = "paired by seed" if self.paired else "Welch"
        return (
            f"{self.mean:+.{digits}f} ({self.level:.0%} interval {self.low:+.{digits}f} to "
            f"{self.high:+.{digits}f}; {kind}, n = {self.n})"
        )

    def __str__(self) -> str:
        return self.format()


def difference(
    a: Samples | Sequence[float],
    b: Samples | Sequence[float],
    *,
    paired: bool = True,
    level: float = DEFAULT_LEVEL,
) -> Difference:
    """The mean of ``a - b`` with a Student-t interval.

    ``paired`` compares seed by seed (the same seed, data order and initial weights on both
    sides), which removes the noise the two share; the two must then have equal length.
    """
    a = a if isinstance(a, Samples) else samples(a)
    b = b if isinstance(b, Samples) else samples(b)
    if paired:
        if a.n != b.n:
            raise ValueError(f"a paired difference needs equal counts, got {a.n} and {b.n}")
        per_seed = samples(x - y for x, y in zip(a.values, b.values, strict=True))
        low, high = per_seed.interval(level)
        return Difference(per_seed.mean, low, high, level, a.n, True)
    mean = a.mean - b.mean
    if a.n < 2 or b.n < 2:
        return Difference(mean, -math.inf, math.inf, level, min(a.n, b.n), False)
    va, vb = a.sd**2 / a.n, b.sd**2 / b.n
    se = math.sqrt(va + vb)
    if se == 0:
        return Difference(mean, mean, mean, level, min(a.n, b.n), False)
    dof = (va + vb) ** 2 / (va**2 / (a.n - 1) + vb**2 / (b.n - 1))
    half = _t_quantile(level, dof) * se
    return Difference(mean, mean - half, mean + half, level, min(a.n, b.n), False)


@dataclass(frozen=True)
class Verdict:
    """What :func:`check` decided: the claim, whether it held, and whether it was enforced."""

    statement: str
    holds: bool
    checked: bool
    evidence: tuple[str, ...]


def check(
    statement: str,
    holds: bool,
    evidence: str | Iterable[str],
    *,
    enforce: bool | None = None,
) -> Verdict:
    """Print a claim of the prose, its evidence and the verdict; fail in full mode if it fails.

    ``holds`` is the test of the claim computed from the numbers (``difference(...).positive``,
    say). ``enforce`` defaults to full mode; in smoke mode the claim is printed as not checked.
    """
    lines = (evidence,) if isinstance(evidence, str) else tuple(evidence)
    enforce = (not smoke_mode()) if enforce is None else enforce
    holds = bool(holds)
    print(f"Claim: {statement}")
    for line in lines:
        print(f"  evidence: {line}")
    if not enforce:
        print(f"  verdict: {NOT_CHECKED} (it would {'hold' if holds else 'not hold'} here)")
    elif holds:
        print(f"  verdict: {HOLDS}")
    else:
        print(f"  verdict: {FAILS}")
        raise ClaimFailed(
            f"the book claims {statement!r}, but its numbers say otherwise: " + "; ".join(lines)
        )
    return Verdict(statement, holds, enforce, lines)
