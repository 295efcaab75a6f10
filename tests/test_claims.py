"""cnnbook.claims: the statistics are right, and a claim made false fails the full build."""

from __future__ import annotations

import math

import pytest

from cnnbook import claims


def test_samples_summary_matches_the_textbook_formulas():
    s = claims.samples([0.80, 0.82, 0.87])
    assert s.n == 3 and s.mean == pytest.approx(0.83)
    assert s.sd == pytest.approx(math.sqrt(((0.03) ** 2 + 0.01**2 + 0.04**2) / 2))
    assert s.sem == pytest.approx(s.sd / math.sqrt(3))
    # t(0.95, 2 dof) = 2.919986: the 90% interval of the mean
    low, high = s.interval(0.9)
    assert (high - low) / 2 == pytest.approx(2.919986 * s.sem, rel=1e-5)
    assert (s.low, s.high) == (0.80, 0.87)
    assert str(s) == "0.830 ± 0.036 (mean ± sd of 3, range 0.800-0.870)"


def test_one_value_has_no_interval_and_bad_values_are_refused():
    assert claims.samples([0.5]).interval() == (-math.inf, math.inf)
    assert not claims.difference([0.9], [0.1]).positive  # one seed proves nothing
    with pytest.raises(ValueError, match="at least one value"):
        claims.samples([])
    with pytest.raises(ValueError, match="finite"):
        claims.samples([0.5, float("nan")])
    with pytest.raises(ValueError, match="equal counts"):
        claims.difference([1, 2, 3], [1, 2])


def test_paired_difference_removes_the_noise_the_seeds_share():
    # Seed to seed both sides move together; the gain is always +0.02.
    a = [0.70, 0.80, 0.90]
    b = [0.68, 0.78, 0.88]
    paired = claims.difference(a, b)
    assert paired.mean == pytest.approx(0.02) and paired.positive
    assert paired.high - paired.low == pytest.approx(0.0, abs=1e-9)
    welch = claims.difference(a, b, paired=False)
    assert welch.mean == pytest.approx(0.02) and not welch.positive  # lost in the spread


def test_welch_interval_matches_scipy():
    from scipy import stats

    a, b = [0.81, 0.84, 0.86, 0.83], [0.78, 0.80, 0.75]
    d = claims.difference(a, b, paired=False, level=0.95)
    result = stats.ttest_ind(a, b, equal_var=False)
    low, high = result.confidence_interval(0.95)
    assert (d.low, d.high) == (pytest.approx(low), pytest.approx(high))


def test_check_holds_prints_the_evidence(capsys):
    verdict = claims.check("a beats b", True, ["a 0.9", "b 0.8"], enforce=True)
    out = capsys.readouterr().out
    assert out == "Claim: a beats b\n  evidence: a 0.9\n  evidence: b 0.8\n  verdict: holds\n"
    assert verdict.holds and verdict.checked


def test_swapping_two_results_makes_the_claim_fail_the_full_build(capsys):
    augmented, none = [0.84, 0.85, 0.83], [0.80, 0.82, 0.79]

    def claim(better, worse):
        gain = claims.difference(better, worse)
        return claims.check("augmentation helps", gain.positive, f"gain {gain}", enforce=True)

    assert claim(augmented, none).holds
    with pytest.raises(claims.ClaimFailed, match="augmentation helps"):
        claim(none, augmented)  # the two results swapped
    assert "verdict: DOES NOT HOLD" in capsys.readouterr().out


def test_smoke_mode_prints_but_does_not_enforce(monkeypatch, capsys):
    monkeypatch.setenv("CNNBOOK_SMOKE", "1")
    verdict = claims.check("deeper is worse", False, "n too small")
    assert not verdict.checked and not verdict.holds
    assert claims.NOT_CHECKED in capsys.readouterr().out
    monkeypatch.setenv("CNNBOOK_SMOKE", "0")
    with pytest.raises(claims.ClaimFailed):
        claims.check("deeper is worse", False, "n large")
