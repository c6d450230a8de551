"""``ease-pop``: EASE with popularity corrections (user weights in the Gram matrix, an L2
penalty growing with a movie's rating count, scores divided by count^γ).

Structurally EASE: a score is x · W, the sum of W[j, movie] over the rated movies j, in
the same layouts (whole catalogue: ``movie_embeddings`` is Wᵀ; the ``top_n`` most-rated
movies on catalogues whose dense N×N solve would not fit). Everything but the fit is
inherited from :class:`movielens_tui.models.kinds.ease.Ease`; the fit is
:mod:`movielens_tui.models.ease_pop`.
"""

from __future__ import annotations

from movielens_tui.models.kinds.base import register
from movielens_tui.models.kinds.ease import Ease


@register
class EasePop(Ease):
    name = "ease-pop"
    summary = (
        "EASE with popularity corrections: W = B·diag(count^-γ), "
        "B from (XᵀDX + λI + κ·diag(XᵀDX))⁻¹"
    )
    fit_target = "movielens_tui.models.ease_pop:fit"
