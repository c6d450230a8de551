"""Seeded samples of positions: a plot or a t-SNE of 87k movies works on a few thousand.

No Textual here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def sample_indices(
    n: int,
    cap: int,
    seed: int = 0,
    keep: Sequence[int] | np.ndarray | None = None,
    keep_share: float = 0.75,
) -> np.ndarray:
    """At most ``cap`` sorted positions of ``range(n)``: all of them when ``n <= cap``,
    else every position in ``keep`` (a seeded sample of them past ``keep_share`` of
    ``cap``) plus a seeded uniform sample of the others. The same arguments always give
    the same sample."""
    if n <= cap:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    kept = np.unique(np.asarray(keep if keep is not None else [], dtype=np.int64))
    kept = kept[(kept >= 0) & (kept < n)]
    rest = np.setdiff1d(np.arange(n), kept, assume_unique=True)
    room = int(cap * keep_share)
    if len(kept) > room:  # then the others fill the rest of the sample
        kept = np.sort(rng.choice(kept, room, replace=False))
    extra = rng.choice(rest, cap - len(kept), replace=False)
    return np.sort(np.concatenate([kept, extra]))
