"""Map pane: PCA map coloured by genre, genre filter, t-SNE in a worker, norms plot."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from pane_support import random_model, settle, start, trained_model
from textual.widgets import Select

from movielens_tui.data.sampling import sample_indices
from movielens_tui.models import embedding_map
from movielens_tui.tui.app import MovieLensApp
from movielens_tui.tui.panes.map import ALL, MapPane
from movielens_tui.tui.widgets.scatter_plot import MUTED, ScatterPlot

SIZE = (100, 40)


@pytest.fixture(scope="module")
def model(small_data_dir):
    return trained_model(small_data_dir)


async def test_pca_map_genre_filter_and_norms(make_app, model) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        dataset = await start(pilot, app, model)
        await pilot.press("5")
        await settle(pilot, app)
        pane = app.query_one(MapPane)
        plot = app.query_one("#map-plot", ScatterPlot)
        norms = app.query_one("#map-norms", ScatterPlot)
        assert "PCA" in pane.status_text
        assert plot.point_count == dataset.n_movies
        assert norms.point_count == dataset.n_movies
        assert norms.display  # tall enough for both plots
        xy = embedding_map.project(model, method="pca", seed=0)
        drawn = sorted(
            (float(x), float(y)) for s in plot.series for x, y in zip(s.xs, s.ys, strict=True)
        )
        assert np.allclose(drawn, sorted(map(tuple, xy.astype(float))))
        # one colour per genre
        assert len({s.color for s in plot.series}) == len(plot.series) > 1
        # g picks the next genre: its movies in colour, the others grey
        await pilot.press("g")
        await pilot.pause()
        first = dataset.genres[0]
        assert pane.genre == first
        assert app.query_one("#map-genre", Select).value == first
        has = sum(first in g for g in dataset.movies["genres"])
        coloured = [s for s in plot.series if s.color != MUTED]
        assert sum(len(s.xs) for s in coloured) == has
        assert plot.point_count == dataset.n_movies
        app.query_one("#map-genre", Select).value = ALL
        await pilot.pause()
        assert pane.genre == ALL


async def test_tsne_runs_in_a_worker_and_n_switches_plots_on_small_screens(make_app, model):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        dataset = await start(pilot, app, model)
        await pilot.press("5")
        await settle(pilot, app)
        pane = app.query_one(MapPane)
        plot = app.query_one("#map-plot", ScatterPlot)
        norms = app.query_one("#map-norms", ScatterPlot)
        assert plot.display and not norms.display  # one plot at a time at 80x24
        await pilot.press("n")
        await pilot.pause()
        assert norms.display and not plot.display
        await pilot.press("n", "t")
        await pilot.pause()
        await settle(pilot, app)
        assert pane.method == "tsne"
        assert "t-SNE" in pane.status_text
        assert plot.point_count == dataset.n_movies
        await pilot.press("p")
        await pilot.pause()
        assert "PCA" in pane.status_text


async def test_a_running_tsne_can_be_cancelled(make_app, model, monkeypatch) -> None:
    release = threading.Event()
    real = embedding_map.project

    def slow(model, method="tsne", seed=0, should_stop=None):
        if method == "tsne":
            release.wait(10)
        return real(model, method="pca", seed=seed)

    monkeypatch.setattr(embedding_map, "project", slow)
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start(pilot, app, model)
        await pilot.press("5")
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause(0.2)
        pane = app.query_one(MapPane)
        assert pane.status_text.startswith("Computing t-SNE")
        await pilot.press("escape")
        await pilot.pause()
        assert pane.method == "pca" and "PCA" in pane.status_text
        release.set()
        await settle(pilot, app)
        assert pane.method == "pca" and pane.error is None
        messages = [n.message for n in app._notifications]
        assert "t-SNE cancelled" in messages
        assert not [m for m in messages if "map cancelled" in m or "failed" in m]


async def test_latest_small_map_has_its_genres_and_all_9742_movies(latest_small) -> None:
    app = MovieLensApp(dataset=latest_small)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, random_model(latest_small))
        await pilot.press("5")
        await settle(pilot, app)
        pane = app.query_one(MapPane)
        plot = app.query_one("#map-plot", ScatterPlot)
        assert plot.point_count == app.query_one("#map-norms", ScatterPlot).point_count == 9742
        select = app.query_one("#map-genre", Select)
        assert [v for _, v in select._options][1:] == list(latest_small.genres)
        legend = str(app.query_one("#map-legend").render())
        assert "IMAX" in legend and "unknown" not in legend
        while pane.genre != "IMAX":  # g walks through the dataset's own genres
            await pilot.press("g")
            await pilot.pause()
        coloured = [s for s in plot.series if s.color != MUTED]
        assert sum(len(s.xs) for s in coloured) == int(latest_small.movies["IMAX"].sum())


def test_sample_indices_is_seeded_capped_and_keeps_what_it_must() -> None:
    assert sample_indices(50, 100).tolist() == list(range(50))
    keep = [3, 99_000, 87_000]
    a = sample_indices(100_000, 5_000, seed=0, keep=keep)
    assert len(a) == 5_000 and len(set(a.tolist())) == 5_000
    assert set(keep) <= set(a.tolist()) and a.tolist() == sorted(a.tolist())
    assert a.tolist() == sample_indices(100_000, 5_000, seed=0, keep=keep).tolist()
    many = np.arange(0, 100_000, 2)  # more to keep than 3/4 of the sample: sampled too
    b = sample_indices(100_000, 1_000, seed=1, keep=many)
    assert len(b) == 1_000 and np.isin(b, many).sum() == 750


async def test_map_draws_a_sample_and_tsne_runs_on_a_capped_one(
    make_app, model, monkeypatch
) -> None:
    """With the caps below the dataset's 80 movies: the plots draw DRAW_CAP points, the
    most rated and the chosen genre's movies always among them; t-SNE gets TSNE_CAP
    movies and the screen says so."""
    import movielens_tui.tui.panes.map as map_module

    monkeypatch.setattr(map_module, "DRAW_CAP", 50)
    monkeypatch.setattr(map_module, "TSNE_CAP", 30)
    monkeypatch.setattr(map_module, "KEEP_POPULAR", 5)
    sizes: list[int] = []
    real = embedding_map.project

    def recording(model, method="tsne", seed=0, should_stop=None):
        sizes.append(model.movie_embeddings.shape[0])
        return real(model, method="pca", seed=seed)

    monkeypatch.setattr(embedding_map, "project", recording)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        dataset = await start(pilot, app, model)
        await pilot.press("5")
        await settle(pilot, app)
        pane = app.query_one(MapPane)
        plot = app.query_one("#map-plot", ScatterPlot)
        norms = app.query_one("#map-norms", ScatterPlot)
        n = dataset.n_movies
        assert plot.point_count == norms.point_count == 50
        assert f"50 of {n} drawn" in plot.chart_title
        counts = np.bincount(dataset.ratings["movie"].to_numpy(), minlength=n)
        top = np.argsort(-counts, kind="stable")[:3]
        assert set(top.tolist()) <= set(pane.drawn.tolist())
        await pilot.press("g")  # the chosen genre's movies are all drawn
        await pilot.pause()
        has = sum(dataset.genres[0] in g for g in dataset.movies["genres"])
        assert has <= 37
        coloured = [s for s in plot.series if s.color != MUTED]
        assert sum(len(s.xs) for s in coloured) == has
        await pilot.press("t")
        await settle(pilot, app)
        assert sizes == [n, 30]  # PCA on all movies, t-SNE on the capped sample
        assert f"t-SNE on 30 of {n} movies" in plot.chart_title
        assert plot.point_count == 30
