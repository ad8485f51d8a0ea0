"""Array helpers the ranking's hot paths share."""

from __future__ import annotations

from typing import Any

import numpy as np


def unique(values: np.ndarray, *, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False) -> Any:
    """``np.unique`` of a 1-D array, by sorting (the same results): numpy 2's ``np.unique``
    takes a hash path that is many times slower on millions of mostly distinct values.
    Returns the sorted distinct values alone, or a tuple with the first indexes, the
    inverse and the counts that were asked for, in that order."""
    values = np.asarray(values).reshape(-1)
    if not (return_index or return_inverse):
        ordered = np.sort(values)
        order = None
    else:
        order = np.argsort(values, kind="stable" if return_index else "quicksort")
        ordered = values[order]
    first = np.empty(len(ordered), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    out: list[np.ndarray] = [ordered[first]]
    if return_index:
        out.append(order[first])  # type: ignore[index]
    if return_inverse:
        inverse = np.empty(len(values), dtype=np.intp)
        inverse[order] = np.cumsum(first) - 1
        out.append(inverse)
    if return_counts:
        out.append(np.diff(np.append(np.flatnonzero(first), len(values))))
    return out[0] if len(out) == 1 else tuple(out)
