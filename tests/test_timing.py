"""cnnbook.timing: repeated timings, their median, spread and ratio."""

import pytest

from cnnbook import timing


def test_time_call_runs_warmup_then_repeats_and_summarises():
    calls = []
    measured = timing.time_call(lambda: calls.append(1), repeats=4, warmup=2)
    assert len(calls) == 6
    assert len(measured.seconds) == 4
    assert measured.low <= measured.median <= measured.high
    assert "median" in str(measured) and "4 runs" in str(measured)
    with pytest.raises(ValueError):
        timing.time_call(lambda: None, repeats=0)


def test_timing_median_spread_and_ratio():
    slow = timing.Timing((3.0, 1.0, 2.0))
    fast = timing.Timing((0.5, 0.5, 0.4))
    assert slow.median == 2.0
    assert slow.spread == pytest.approx(1.0)
    assert timing.ratio(slow, fast) == pytest.approx(4.0)


def test_format_seconds():
    assert timing.format_seconds(2.345) == "2.35 s"
    assert timing.format_seconds(0.0123) == "12.3 ms"
    assert timing.format_seconds(0.0000456) == "46 us"


def test_spread_is_the_range_over_the_median():
    assert timing.spread([1.0, 2.0, 3.0]) == pytest.approx(1.0)
    assert timing.spread([2.0, 2.0]) == 0.0
    assert timing.Timing((1.0, 2.0, 3.0)).spread == timing.spread([1.0, 2.0, 3.0])
