"""Save / load: round trip, atomic writes, and clear refusals."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from movielens_tui.errors import ModelError
from movielens_tui.models import store
from movielens_tui.models.trained import TrainedModel
from movielens_tui.paths import models_dir


def _model(dataset) -> TrainedModel:
    rng = np.random.default_rng(0)
    return TrainedModel(
        preset="biased-mf", kind="biased-mf", params={"dim": 4, "hidden_dims": [4]},
        movie_embeddings=rng.normal(size=(dataset.n_movies, 4)).astype(np.float32),
        user_embeddings=rng.normal(size=(dataset.n_users, 4)).astype(np.float32),
        user_bias=np.zeros(dataset.n_users, np.float32),
        movie_bias=np.ones(dataset.n_movies, np.float32),
        global_mean=3.25, history=[{"step": 0, "train_rmse": 1.5}, {"step": 1, "train_rmse": 1.0}],
        metric_groups=[["train_rmse", "test_rmse"]], dataset_name=dataset.name,
        dataset_fingerprint=dataset.fingerprint, fit_seconds=1.5,
        extra={"genre_vocab": np.array(["Action", "Sci-Fi"]), "ratings_per_user": np.array(2.0)},
    )  # fmt: skip


def test_round_trip(small_dataset, tmp_path: Path) -> None:
    model = _model(small_dataset)
    path = store.save(model, tmp_path / "m" / "model.npz")
    loaded = store.load(path, small_dataset)
    for name in ("movie_embeddings", "user_embeddings", "user_bias", "movie_bias"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(model, name))
    assert loaded.params == model.params and loaded.history == model.history
    assert loaded.global_mean == 3.25 and loaded.fit_seconds == 1.5
    assert loaded.metric_groups == model.metric_groups
    assert list(loaded.extra["genre_vocab"]) == ["Action", "Sci-Fi"]
    assert [p.name for p in path.parent.iterdir()] == ["model.npz"]  # no temp files left


def test_no_pickle_and_optional_arrays(small_dataset, tmp_path: Path) -> None:
    model = _model(small_dataset)
    model.user_embeddings = model.user_bias = model.movie_bias = None
    path = store.save(model, tmp_path / "x.npz")
    with np.load(path, allow_pickle=False) as npz:
        assert "user_embeddings" not in npz.files
    assert store.load(path).user_embeddings is None
    model.extra = {"bad": np.array([{"a": 1}], dtype=object)}
    with pytest.raises(ModelError, match="Python objects"):
        store.save(model, tmp_path / "y.npz")


def test_refuses_other_dataset(small_dataset, tmp_path: Path) -> None:
    model = _model(small_dataset)
    model.dataset_fingerprint = "0123456789abcdef"
    path = store.save(model, tmp_path / "other.npz")
    with pytest.raises(ModelError, match="another dataset"):
        store.load(path, small_dataset)
    assert store.load(path).dataset_fingerprint == "0123456789abcdef"


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "no_metadata", "bad_json"])
def test_refuses_damaged_files(small_dataset, tmp_path: Path, damage: str) -> None:
    path = store.save(_model(small_dataset), tmp_path / "m.npz")
    raw = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        path.write_bytes(b"not a model at all" * 10)
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "no_metadata":
        np.savez(path, movie_embeddings=np.zeros((3, 2), np.float32))
    else:
        meta = np.frombuffer(b"{not json", dtype=np.uint8)
        np.savez(path, movie_embeddings=np.zeros((3, 2), np.float32), __metadata__=meta)
    with pytest.raises(ModelError) as info:
        store.load(path, small_dataset)
    message = str(info.value)
    assert str(path) in message and "\n" not in message


def test_refuses_newer_format(small_dataset, tmp_path: Path) -> None:
    path = store.save(_model(small_dataset), tmp_path / "m.npz")
    with zipfile.ZipFile(path) as zf, np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
        assert zf.namelist()
    meta = json.loads(arrays["__metadata__"].tobytes())
    meta["format_version"] = store.FORMAT_VERSION + 1
    arrays["__metadata__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(ModelError, match="newer movielens-tui"):
        store.load(path)


def test_missing_file_and_default_path(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no such model file"):
        store.load(tmp_path / "nope.npz")
    assert store.default_model_path("ml-100k") == models_dir() / "ml-100k.npz"
    assert store.default_model_path("ml 100k", "mf").name == "ml_100k-mf.npz"


def test_failed_write_keeps_the_old_file(small_dataset, tmp_path: Path, monkeypatch) -> None:
    path = store.save(_model(small_dataset), tmp_path / "m.npz")
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError):
        store.save(_model(small_dataset), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]
