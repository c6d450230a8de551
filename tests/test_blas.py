"""Queries on the main thread run with one BLAS thread; the previous count comes back."""

from __future__ import annotations

import threading

import numpy as np
from threadpoolctl import threadpool_info

from movielens_tui.models import scoring
from movielens_tui.models.blas import single_thread
from movielens_tui.models.trained import TrainedModel


def blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_one_thread_inside_and_the_old_limit_after() -> None:
    before = blas_threads()
    assert before, "numpy's BLAS is visible to threadpoolctl"
    with single_thread():
        assert set(blas_threads()) == {1}
        with single_thread():  # nested
            assert set(blas_threads()) == {1}
        assert set(blas_threads()) == {1}
    assert blas_threads() == before


def test_a_query_on_a_worker_thread_changes_nothing() -> None:
    """Off the main thread the count is left alone (OpenBLAS's per-thread view of it
    could not be restored correctly from there)."""
    before = blas_threads()
    seen: list[list[int]] = []

    def query() -> None:
        with single_thread():
            seen.append(blas_threads())

    worker = threading.Thread(target=query)
    worker.start()
    worker.join()
    assert blas_threads() == before
    with single_thread():  # and the main thread's limit still works afterwards
        assert set(blas_threads()) == {1}
    assert blas_threads() == before


def test_neighbours_run_single_threaded(monkeypatch) -> None:
    rng = np.random.default_rng(0)
    model = TrainedModel("mf", "mf", {"dim": 4}, rng.normal(size=(30, 4)).astype(np.float32),
                         user_embeddings=rng.normal(size=(5, 4)).astype(np.float32))  # fmt: skip
    from movielens_tui.models.kinds import kind_of

    kind = type(kind_of(model))
    original = kind.similar
    during: list[list[int]] = []

    def spy(self, *args):  # noqa: ANN001, ANN002, ANN202
        during.append(blas_threads())
        return original(self, *args)

    monkeypatch.setattr(kind, "similar", spy)
    hits = scoring.neighbors(model, 3, scoring.COSINE, 5)
    assert hits[0].movie == 3 and set(during[0]) == {1}
