"""How evenly something is spread over a team: coefficient of variation, max/min ratio, mean absolute deviation.

Pure functions over the values of one team (the CSMs of a segment), last axis; scalars out for a
1-D input, one value per row for 2-D.
"""

from __future__ import annotations

import numpy as np

__all__ = ["coefficient_of_variation", "max_min_ratio", "relative_mean_absolute_deviation"]


def coefficient_of_variation(values):
    """Population standard deviation over the mean: ``sqrt(mean((v - m)^2)) / m`` [share].

    0 for a perfectly even team, all zeros included; NaN for an empty team. Values are
    counts or amounts (never negative), so a zero mean means every value is zero.

    Parameters
    ----------
    values : array_like
        One value per CSM (ARR [USD/year], renewals, accounts...), along the last axis.

    Examples
    --------
    >>> round(coefficient_of_variation([1.0, 3.0]), 6)   # mean 2, standard deviation 1
    0.5
    """
    v = np.asarray(values, dtype=float)
    if v.shape[-1] == 0:
        return np.nan if v.ndim == 1 else np.full(v.shape[:-1], np.nan)
    mean = v.mean(axis=-1)
    std = v.std(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(mean > 0, std / np.where(mean > 0, mean, 1.0), np.where(std > 0, np.nan, 0.0))
    return float(out) if np.ndim(out) == 0 else out


def max_min_ratio(values):
    """The largest value over the smallest: 1 for an even team [ratio].

    Infinite when the smallest is 0 and the largest is not; 1 when all are 0; NaN for an empty team.

    Examples
    --------
    >>> max_min_ratio([2.0, 6.0, 3.0])
    3.0
    """
    v = np.asarray(values, dtype=float)
    if v.shape[-1] == 0:
        return np.nan if v.ndim == 1 else np.full(v.shape[:-1], np.nan)
    high, low = v.max(axis=-1), v.min(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(low > 0, high / np.where(low > 0, low, 1.0), np.where(high > 0, np.inf, 1.0))
    return float(out) if np.ndim(out) == 0 else out


def relative_mean_absolute_deviation(values, scale=None):
    """``mean(|v - mean(v)|) / scale`` [share], ``scale`` the mean unless given: the linear spread a rebalance minimises.

    It is 0 exactly when the coefficient of variation is, and never above it (Jensen), so
    lowering it evens the team out in the same sense; unlike the coefficient of variation it is
    linear in each CSM's value, which is what lets an integer program minimise it exactly.

    Examples
    --------
    >>> relative_mean_absolute_deviation([1.0, 3.0])   # deviations 1 and 1 around 2
    0.5
    """
    v = np.asarray(values, dtype=float)
    if v.shape[-1] == 0:
        return np.nan if v.ndim == 1 else np.full(v.shape[:-1], np.nan)
    mean = v.mean(axis=-1)
    spread = np.abs(v - mean[..., None]).mean(axis=-1)
    scale = mean if scale is None else np.asarray(scale, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(scale > 0, spread / np.where(scale > 0, scale, 1.0), np.where(spread > 0, np.inf, 0.0))
    return float(out) if np.ndim(out) == 0 else out
