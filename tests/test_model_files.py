"""Saved model files that cannot be trusted are refused with a one-line message (issue 6).

Truncated at any point, bytes flipped anywhere, a newer format version, another
dataset, a pickle smuggled into the ``.npz``: ``store.load`` raises ModelError and never
another exception, and never unpickles anything. Atomic saving under SIGKILL is tested
in ``test_crash_safety.py``.
"""

from __future__ import annotations

import io
import json
import pickle
import random
import re
from pathlib import Path

import numpy as np
import pytest

from movielens_tui.data.movielens import Dataset
from movielens_tui.errors import ModelError
from movielens_tui.models import store
from movielens_tui.models.trained import TrainedModel

PACKAGE = Path(__file__).resolve().parents[1] / "movielens_tui"


def make_model(dataset: Dataset, seed: int = 0) -> TrainedModel:
    rng = np.random.default_rng(seed)
    return TrainedModel(
        preset="mf",
        kind="mf",
        params={"dim": 4, "iterations": 10, "learning_rate": 1.0},
        movie_embeddings=rng.normal(size=(dataset.n_movies, 4)).astype(np.float32),
        user_embeddings=rng.normal(size=(dataset.n_users, 4)).astype(np.float32),
        history=[{"step": 0, "train_error": 2.0}, {"step": 10, "train_error": 1.0}],
        metric_groups=[["train_error", "test_error"]],
        dataset_name=dataset.name,
        dataset_fingerprint=dataset.fingerprint,
    )


@pytest.fixture
def saved(small_dataset: Dataset, tmp_path: Path) -> Path:
    return store.save(make_model(small_dataset), tmp_path / "model.npz")


def refused(path: Path, dataset: Dataset | None = None) -> str:
    with pytest.raises(ModelError) as info:
        store.load(path, dataset)
    message = str(info.value)
    assert len(message.splitlines()) == 1 and message.startswith(str(path)), message
    return message


def rewrite_metadata(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    metadata = json.loads(arrays[store.METADATA_KEY].tobytes())
    change(metadata)
    arrays[store.METADATA_KEY] = np.frombuffer(json.dumps(metadata).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())


def test_round_trip(saved: Path, small_dataset: Dataset) -> None:
    model = store.load(saved, small_dataset)
    original = make_model(small_dataset)
    assert np.array_equal(model.movie_embeddings, original.movie_embeddings)
    assert np.array_equal(model.user_embeddings, original.user_embeddings)
    assert model.history == original.history and model.params == original.params


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.npz"
    assert refused(path) == f"{path}: no such model file; train one and save it first"


@pytest.mark.parametrize("keep", [0, 1, 10, 100, 0.25, 0.5, 0.9, 0.99])
def test_truncated_file(saved: Path, keep: float) -> None:
    raw = saved.read_bytes()
    cut = keep if isinstance(keep, int) else int(len(raw) * keep)
    saved.write_bytes(raw[:cut])
    message = refused(saved)
    assert message.startswith(f"{saved}: not a movielens-tui model or damaged (")


def test_truncated_at_every_point_never_crashes(saved: Path) -> None:
    raw = saved.read_bytes()
    for cut in range(0, len(raw), max(1, len(raw) // 200)):
        saved.write_bytes(raw[:cut])
        refused(saved)


def test_flipped_bytes_never_crash_and_never_load_wrong_data(
    saved: Path, small_dataset: Dataset
) -> None:
    raw = saved.read_bytes()
    good = store.load(saved)
    rng = random.Random(6)
    for _ in range(300):
        data = bytearray(raw)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        saved.write_bytes(bytes(data))
        try:
            model = store.load(saved)
        except ModelError as exc:
            assert len(str(exc).splitlines()) == 1
            continue
        # a flip in bytes nothing reads (timestamps, padding) may load: then nothing changed
        assert np.array_equal(model.movie_embeddings, good.movie_embeddings)
        assert np.array_equal(model.user_embeddings, good.user_embeddings)
        assert model.history == good.history and model.params == good.params


def test_not_a_model_at_all(tmp_path: Path) -> None:
    path = tmp_path / "notes.npz"
    path.write_text("hello\n")
    assert refused(path).startswith(f"{path}: not a movielens-tui model or damaged (")
    other = tmp_path / "plain.npz"
    np.savez(other, weights=np.ones((3, 3)))
    assert refused(other) == (
        f"{other}: not a movielens-tui model or damaged (metadata or embeddings missing); "
        "retrain and save again"
    )


def test_newer_format_version(saved: Path) -> None:
    rewrite_metadata(saved, lambda m: m.update(format_version=store.FORMAT_VERSION + 1))
    assert refused(saved) == (
        f"{saved}: written by a newer movielens-tui (model format {store.FORMAT_VERSION + 1}, "
        f"this version reads up to {store.FORMAT_VERSION}); upgrade movielens-tui or retrain"
    )


@pytest.mark.parametrize("version", [0, -1, "2", None, 1.5])
def test_bad_format_version(saved: Path, version: object) -> None:
    rewrite_metadata(saved, lambda m: m.update(format_version=version))
    assert refused(saved) == (
        f"{saved}: not a movielens-tui model or damaged (bad format version {version!r})"
    )


def test_other_format_name(saved: Path) -> None:
    rewrite_metadata(saved, lambda m: m.update(format="something-else"))
    assert refused(saved) == (
        f"{saved}: not a movielens-tui model or damaged (unknown format); retrain and save it again"
    )


def test_missing_metadata_field(saved: Path) -> None:
    rewrite_metadata(saved, lambda m: m.pop("preset"))
    assert refused(saved) == (
        f"{saved}: not a movielens-tui model or damaged (metadata field 'preset'); "
        "retrain and save it again"
    )


def test_model_from_another_dataset(saved: Path, small_dataset: Dataset, tmp_path: Path) -> None:
    from movielens_tui.data.movielens import load_folder
    from movielens_tui.data.synthetic import write_movielens_folder

    other = load_folder(write_movielens_folder(tmp_path / "other", seed=5))
    assert other.fingerprint != small_dataset.fingerprint
    assert refused(saved, other) == (
        f"{saved}: trained on another dataset ({small_dataset.name}, fingerprint "
        f"{small_dataset.fingerprint}; loaded data is {other.name}, {other.fingerprint}); "
        "retrain on this dataset"
    )
    assert store.load(saved, small_dataset).n_movies == small_dataset.n_movies


def test_nan_embeddings_are_refused(small_dataset: Dataset, tmp_path: Path) -> None:
    model = make_model(small_dataset)
    model.movie_embeddings[3, 1] = np.nan
    path = store.save(model, tmp_path / "nan.npz")
    assert refused(path) == (
        f"{path}: not a movielens-tui model or damaged (movie_embeddings holds NaN or "
        "infinite values)"
    )


class Boom:
    """Unpickling this creates a marker file: proof that pickle ran."""

    marker = ""

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (Path(self.marker),))


def test_pickled_object_array_is_never_unpickled(saved: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pickle-ran"
    Boom.marker = str(marker)
    payload = np.empty(1, dtype=object)
    payload[0] = Boom()
    assert b"touch" in pickle.dumps(payload)
    with np.load(saved, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    for target in ("movie_embeddings", "extra/evil"):
        arrays_with = dict(arrays, **{target: payload})
        buffer = io.BytesIO()
        np.savez(buffer, **arrays_with)
        saved.write_bytes(buffer.getvalue())
        refused(saved)
        assert not marker.exists()


def test_no_pickle_anywhere_in_the_package() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            code = line.split("#", 1)[0]
            if re.search(r"\bimport pickle\b|\bpickle\.|allow_pickle\s*=\s*True|\bjoblib\b", code):
                offenders.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
            if re.search(r"np\.load\(|numpy\.load\(", code) and "allow_pickle=False" not in code:
                offenders.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert offenders == []
