"""Texts, limits and names more than one pane uses (panes never import a sibling pane)."""

from __future__ import annotations

NO_MODEL = "No trained model yet — press 2 then s to train one"
OTHER_MODEL = "The active model is of another dataset — press 2 then s to train one"

K_MIN, K_MAX = 1, 100  # neighbours / recommendations listed (+ / -)

MAX_QUERY = 100
"""Characters a title search takes at most: the longest MovieLens title (ml-latest-small)
has 158 but a dozen letters find any; longer queries only cost time (10,000 typed
characters kept the app busy for ~70 s)."""

TRAINING_GROUPS = ("train", "you-retrain")  # worker groups of the Train and You panes


def measure_word(measure: str) -> str:
    """``DOT`` / ``COSINE`` as the status lines show the measure."""
    return measure.upper()


def plural(n: int, word: str) -> str:
    """``1 rating``, ``2 ratings``, ``1,000 ratings``."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"
