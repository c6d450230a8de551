"""Model kinds: one class per kind behind :class:`~.base.ModelKind`, registered once.

Adding a model is one file here (a ``@register``-ed ModelKind subclass with its fit
function) plus a preset in :mod:`movielens_tui.models.presets`. Nothing here imports
TensorFlow; a kind's training code is imported when it is trained.

Use :func:`get_kind` / :func:`kind_of` instead of testing kind names anywhere else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from movielens_tui.errors import ModelError
from movielens_tui.models.kinds import (  # noqa: F401 - each registers its kind
    autorec,
    biased_mf,
    ease,
    ease_pop,
    ease_wals,
    mf,
    popularity,
    regularized,
    softmax,
    wals,
)
from movielens_tui.models.kinds.base import _REGISTRY, ModelKind, Query

if TYPE_CHECKING:
    import pandas as pd

    from movielens_tui.models.ranking import Scorer
    from movielens_tui.models.trained import TrainedModel

__all__ = ["ModelKind", "Query", "all_kinds", "get_kind", "kind_of", "model_scorer"]


def get_kind(name: str) -> ModelKind:
    """The registered kind called ``name``; ModelError otherwise."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ModelError(f"no model kind {name!r}; known: {', '.join(_REGISTRY)}") from None


def kind_of(model: TrainedModel) -> ModelKind:
    return get_kind(model.kind)


def all_kinds() -> list[ModelKind]:
    return list(_REGISTRY.values())


def model_scorer(model: TrainedModel, train: pd.DataFrame) -> Scorer:
    """Batch scorer (users -> len(users)×M) whose queries come from ``train`` only."""
    from movielens_tui.models.ranking import UserRows

    kind = kind_of(model)
    rows = UserRows(train)
    return lambda users: kind.score_users(model, users, rows)
