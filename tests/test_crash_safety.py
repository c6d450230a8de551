"""A real writer process killed (SIGKILL) mid-save never costs the user their file.

The writer is a separate Python process saving the user's own ratings or a trained model
(``models/store.py``); the test kills it
either at a chosen point of the save (frozen by a hook: bytes written but not synced, or
synced but not renamed) or at random moments of a tight save loop. Afterwards the file
on disk must parse and hold either the old or a completely saved state.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from movielens_tui.my_ratings import MyRatings, load_file

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")

WRITER = r"""
import os, sys, time
from pathlib import Path

mode, path, what = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
if what == "ratings":
    from movielens_tui.my_ratings import MyRatings
    store, warning = MyRatings.open("ml-100k", path)
    assert warning is None, warning
    def save_one(i=0):
        store.set(999 if i == 0 else 1000 + i % 400, i % 5 + 1)
else:
    import numpy as np
    from movielens_tui.models import store as model_store
    from movielens_tui.models.trained import TrainedModel
    def save_one(i=0):
        rng = np.random.default_rng(i + 1)
        model = TrainedModel(preset="mf", kind="mf", params={"seed": i + 1},
                             movie_embeddings=rng.normal(size=(400, 16)).astype(np.float32))
        model_store.save(model, path)

def freeze(*args, **kwargs):
    print("FROZEN", flush=True)
    time.sleep(120)

if mode == "before-sync":        # bytes handed to the OS, not synced, not renamed
    os.fsync = freeze
    save_one()
elif mode == "before-rename":    # synced temp file complete, rename not yet done
    os.replace = freeze
    save_one()
elif mode == "half-written":     # killed in the middle of writing the bytes
    real_fdopen = os.fdopen
    class Half:
        def __init__(self, handle): self.handle = handle
        def __enter__(self): return self
        def __exit__(self, *exc): self.handle.close()
        def write(self, payload):
            self.handle.write(payload[: len(payload) // 2]); self.handle.flush(); freeze()
        def __getattr__(self, name): return getattr(self.handle, name)
    os.fdopen = lambda fd, mode="r", *a, **k: Half(real_fdopen(fd, mode, *a, **k))
    save_one()
elif mode == "loop":             # save over and over until killed
    print("FROZEN", flush=True)
    i = 0
    while True:
        i += 1
        save_one(i)
"""

OLD = {1: 5.0, 50: 4.0, 172: 3.5}


def start_writer(mode: str, path: Path, what: str = "ratings") -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, mode, str(path), what],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    line = proc.stdout.readline() if proc.stdout else ""
    if line.strip() != "FROZEN":
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"writer did not start: {line!r} {err}")
    return proc


def kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL


@pytest.fixture
def ratings_path(tmp_path: Path) -> Path:
    path = tmp_path / "home" / "my-ratings-ml-100k.json"
    store, warning = MyRatings.open("ml-100k", path)
    assert warning is None
    for movie, rating in OLD.items():
        store.set(movie, rating)
    return path


@pytest.mark.parametrize("mode", ["half-written", "before-sync", "before-rename"])
def test_ratings_file_survives_writer_killed_mid_save(ratings_path: Path, mode: str) -> None:
    before = ratings_path.read_bytes()
    proc = start_writer(mode, ratings_path)
    kill(proc)
    assert ratings_path.read_bytes() == before  # the old file, byte for byte
    store, warning = MyRatings.open("ml-100k", ratings_path)
    assert warning is None and store.ratings == OLD
    store.set(7, 2)  # and it can be written again
    assert load_file(ratings_path) == {**OLD, 7: 2.0}


def test_ratings_file_survives_random_kills_of_a_save_loop(ratings_path: Path) -> None:
    rng = random.Random(6)
    for _ in range(4):
        proc = start_writer("loop", ratings_path)
        time.sleep(rng.uniform(0.02, 0.25))
        kill(proc)
        ratings = load_file(ratings_path)  # never corrupt: raises CorruptRatingsFile if so
        assert {m: ratings[m] for m in OLD} == OLD
        assert all(1 <= r <= 5 for r in ratings.values())
    leftovers = [p.name for p in ratings_path.parent.iterdir() if p != ratings_path]
    lock = ratings_path.name + ".lock"  # the (empty) merge lock stays, by design
    assert all(name.endswith(".tmp") or name == lock for name in leftovers)


# --------------------------------------------------------------------------- model files


def model_arrays(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(400, 16)).astype(np.float32)


@pytest.fixture
def model_path(tmp_path: Path) -> Path:
    from movielens_tui.models import store
    from movielens_tui.models.trained import TrainedModel

    path = tmp_path / "home" / "models" / "ml-100k.npz"
    old = TrainedModel(preset="mf", kind="mf", params={"seed": 0}, movie_embeddings=model_arrays(0))
    return store.save(old, path)


@pytest.mark.parametrize("mode", ["half-written", "before-sync", "before-rename"])
def test_model_file_survives_writer_killed_mid_save(model_path: Path, mode: str) -> None:
    from movielens_tui.models import store

    before = model_path.read_bytes()
    proc = start_writer(mode, model_path, "model")
    kill(proc)
    assert model_path.read_bytes() == before
    model = store.load(model_path)
    assert model.params == {"seed": 0}
    assert np.array_equal(model.movie_embeddings, model_arrays(0))


def test_model_file_survives_random_kills_of_a_save_loop(model_path: Path) -> None:
    from movielens_tui.models import store

    rng = random.Random(7)
    for _ in range(3):
        proc = start_writer("loop", model_path, "model")
        time.sleep(rng.uniform(0.05, 0.3))
        kill(proc)
        model = store.load(model_path)  # ModelError if the file were half-written
        seed = model.params["seed"]
        assert np.array_equal(model.movie_embeddings, model_arrays(seed))
