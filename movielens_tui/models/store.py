"""Save and load trained models: one ``.npz`` (no pickle) with a JSON metadata entry.

Arrays are stored under their field names (``extra`` arrays as ``extra/<name>``); the
metadata (format version, preset, kind, params, history, metric groups, dataset name and
fingerprint, fit seconds, global mean) is UTF-8 JSON in the ``__metadata__`` uint8 array.
Writes are atomic (temporary file + rename) and never replace a folder, device or FIFO.
A model that cannot be saved where asked goes to a fallback file in the temporary folder
(:func:`save_or_fallback`), so a failed save never loses a freshly trained model.
Loading refuses anything it cannot fully trust with a one-line :class:`ModelError`.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from movielens_tui.errors import ModelError
from movielens_tui.models.trained import RATING_RANGE, TrainedModel
from movielens_tui.paths import models_dir

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset

FORMAT = "movielens-tui-model"
FORMAT_VERSION = 1
METADATA_KEY = "__metadata__"
OPTIONAL_ARRAYS = ("user_embeddings", "user_bias", "movie_bias")
EXTRA_PREFIX = "extra/"


def default_model_path(dataset_name: str, preset: str | None = None) -> Path:
    """Where the app keeps the model of ``dataset_name`` (per preset when given)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in dataset_name)
    name = f"{safe}-{preset}.npz" if preset else f"{safe}.npz"
    return models_dir() / name


def to_bytes(model: TrainedModel) -> bytes:
    """The ``.npz`` payload of ``model``."""
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "preset": model.preset,
        "kind": model.kind,
        "params": model.params,
        "history": model.history,
        "metric_groups": model.metric_groups,
        "dataset_name": model.dataset_name,
        "dataset_fingerprint": model.dataset_fingerprint,
        "fit_seconds": float(model.fit_seconds),
        "global_mean": float(model.global_mean),
        "rating_range": [float(v) for v in model.rating_range],
        "arrays": {name: getattr(model, name) is not None for name in OPTIONAL_ARRAYS},
    }
    arrays: dict[str, np.ndarray] = {
        METADATA_KEY: np.frombuffer(json.dumps(metadata).encode("utf-8"), dtype=np.uint8),
        "movie_embeddings": np.asarray(model.movie_embeddings),
    }
    for name in OPTIONAL_ARRAYS:
        value = getattr(model, name)
        if value is not None:
            arrays[name] = np.asarray(value)
    for name, value in model.extra.items():
        value = np.asarray(value)
        if value.dtype == object:
            raise ModelError(f"extra array {name!r} holds Python objects; cannot save it")
        arrays[EXTRA_PREFIX + name] = value
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def save(model: TrainedModel, path: Path | str) -> Path:
    """Write ``model`` to ``path`` atomically; returns the path.

    Raises ``OSError`` when it cannot be written (the old file, if any, is kept) and
    refuses a ``path`` that is a folder, device or FIFO before any rename.
    """
    from movielens_tui.files import atomic_write

    path = Path(path)
    atomic_write(path, to_bytes(model))
    return path


class SaveError(ModelError):
    """Neither the asked path nor a fallback file could be written."""


@dataclass(frozen=True)
class Saved:
    """Where :func:`save_or_fallback` put a model: ``path``, and when that is a fallback
    file, ``error`` (one line: why the asked path failed, where the model went, how to
    use it)."""

    path: Path
    error: str | None = None


def save_or_fallback(
    model: TrainedModel, path: Path | str, fallback_dir: Path | str | None = None
) -> Saved:
    """Save ``model`` at ``path``; if that fails, in a new file in ``fallback_dir``
    (default: the temporary folder), named after ``path``.

    Raises :class:`SaveError` when neither can be written (:class:`ModelError` when the
    model cannot be serialised at all); an old file at ``path`` is kept either way.
    """
    from movielens_tui.files import atomic_write, write_reason

    path = Path(path)
    payload = to_bytes(model)
    try:
        atomic_write(path, payload)
        return Saved(path)
    except OSError as exc:
        reason = write_reason(path, exc)
    folder = Path(fallback_dir) if fallback_dir is not None else Path(tempfile.gettempdir())
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in path.stem) or "model"
    fallback: Path | None = None
    try:
        fd, name = tempfile.mkstemp(prefix=f"movielens-tui-{stem}-", suffix=".npz", dir=folder)
        fallback = Path(name)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        if fallback is not None:
            fallback.unlink(missing_ok=True)
        why = exc.strerror or str(exc) or type(exc).__name__
        raise SaveError(
            f"cannot save the model to {path}: {reason}; nor to a fallback file in "
            f"{folder}: {why[:1].lower() + why[1:]}"
        ) from None
    return Saved(
        fallback,
        f"cannot save the model to {path}: {reason}; saved it to {fallback} instead "
        f"(use it with --model {fallback}, or move it where you want it)",
    )


MAX_MODEL_BYTES = 8 * 1024**3  # an EASE of 40k movies is 6.4 GB; nothing saved is larger
MAX_RATIO = 50  # deflate ratio allowed in a model archive (random floats barely compress)


def load(path: Path | str, dataset: Dataset | None = None) -> TrainedModel:
    """Read a model; with ``dataset``, refuse one trained on other data."""
    from movielens_tui.files import NotARegularFile, TooLarge, read_regular

    path = Path(path)
    try:
        raw = read_regular(path, MAX_MODEL_BYTES)
    except FileNotFoundError:
        raise ModelError(f"{path}: no such model file; train one and save it first") from None
    except NotARegularFile as exc:
        raise ModelError(f"{exc}; give a model file saved by movielens-tui (.npz)") from None
    except TooLarge as exc:
        raise ModelError(f"{exc} bytes, more than any model this app saves") from None
    except OSError as exc:
        raise ModelError(f"{path}: cannot read it ({exc.strerror})") from None
    model = from_bytes(raw, str(path))
    if dataset is not None:
        check_dataset(model, dataset, str(path))
    return model


def from_bytes(raw: bytes, source: str = "model") -> TrainedModel:
    """Parse an ``.npz`` payload written by :func:`to_bytes`."""
    damaged = f"{source}: not a movielens-tui model or damaged"
    _check_members(raw, damaged)
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (
        zipfile.BadZipFile,
        ValueError,
        OSError,
        EOFError,
        KeyError,
        NotImplementedError,
        RuntimeError,
    ) as exc:  # zip flags: method, encryption
        raise ModelError(f"{damaged} ({exc}); retrain and save it again") from None
    if METADATA_KEY not in arrays or "movie_embeddings" not in arrays:
        raise ModelError(f"{damaged} (metadata or embeddings missing); retrain and save again")
    try:
        metadata = json.loads(arrays.pop(METADATA_KEY).tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{damaged} (metadata: {exc}); retrain and save it again") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ModelError(f"{damaged} (unknown format); retrain and save it again")
    version = metadata.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ModelError(f"{damaged} (bad format version {version!r})")
    if version > FORMAT_VERSION:
        raise ModelError(
            f"{source}: written by a newer movielens-tui (model format {version}, this "
            f"version reads up to {FORMAT_VERSION}); upgrade movielens-tui or retrain"
        )
    movies = arrays.pop("movie_embeddings")
    _check_array(movies, "movie_embeddings", damaged, ndim=2)
    optional = {name: arrays.pop(name, None) for name in OPTIONAL_ARRAYS}
    for name, value in optional.items():
        if value is not None:
            _check_array(value, name, damaged, ndim=2 if name == "user_embeddings" else 1)
    users = optional["user_embeddings"]
    if users is not None and users.shape[1] != movies.shape[1]:
        raise ModelError(f"{damaged} (user and movie embeddings differ in width)")
    unknown = sorted(name for name in arrays if not name.startswith(EXTRA_PREFIX))
    if unknown:
        raise ModelError(f"{damaged} (unexpected array {unknown[0]!r}); retrain and save it again")
    saved = [name for name in OPTIONAL_ARRAYS if metadata.get("arrays", {}).get(name)]
    missing = [name for name in saved if optional[name] is None]
    if missing:
        raise ModelError(f"{damaged} ({missing[0]} is missing); retrain and save it again")
    extra = {
        name[len(EXTRA_PREFIX) :]: value
        for name, value in arrays.items()
        if name.startswith(EXTRA_PREFIX)
    }
    try:
        return TrainedModel(
            preset=str(metadata["preset"]),
            kind=str(metadata["kind"]),
            params=dict(metadata["params"]),
            movie_embeddings=movies,
            user_embeddings=users,
            user_bias=optional["user_bias"],
            movie_bias=optional["movie_bias"],
            global_mean=float(metadata.get("global_mean", 0.0)),
            history=list(metadata.get("history", [])),
            metric_groups=[list(g) for g in metadata.get("metric_groups", [])],
            dataset_name=str(metadata.get("dataset_name", "")),
            dataset_fingerprint=str(metadata.get("dataset_fingerprint", "")),
            fit_seconds=float(metadata.get("fit_seconds", 0.0)),
            rating_range=_rating_range(metadata.get("rating_range")),
            extra=extra,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"{damaged} (metadata field {exc}); retrain and save it again") from None


def _check_members(raw: bytes, damaged: str) -> None:
    """Refuse an archive whose arrays would not fit in what it holds, before allocating.

    Each ``.npy`` header's shape × item size must match its member's size, members are
    stored (this app never compresses) or compressed at most :data:`MAX_RATIO` : 1, and
    they add up to at most :data:`MAX_MODEL_BYTES`. A 254 KB file claiming a 36 TiB
    array, or a few MB of deflated zeros, is refused at once.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ModelError(f"{damaged} ({exc}); retrain and save it again") from None
    with archive:
        total = 0
        for info in archive.infolist():
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if total > MAX_MODEL_BYTES or (
                info.compress_type != zipfile.ZIP_STORED and ratio > MAX_RATIO
            ):
                raise ModelError(f"{damaged} (member {info.filename} would unpack to "
                                 f"{info.file_size:,} bytes); refusing it")  # fmt: skip
            if not info.filename.endswith(".npy"):
                continue
            try:
                with archive.open(info) as member:
                    version = np.lib.format.read_magic(member)
                    if version == (1, 0):
                        shape, _, dtype = np.lib.format.read_array_header_1_0(member)
                    else:
                        shape, _, dtype = np.lib.format.read_array_header_2_0(member)
                    header = member.tell() if member.seekable() else None
            except (ValueError, OSError, EOFError, zipfile.BadZipFile, RuntimeError,
                    NotImplementedError, SyntaxError) as exc:  # fmt: skip
                raise ModelError(f"{damaged} ({info.filename}: {exc})") from None
            if dtype.hasobject:
                raise ModelError(f"{damaged} ({info.filename} holds Python objects)")
            declared = int(np.prod(shape, dtype=object)) * dtype.itemsize
            body = info.file_size - (header or 0)
            if declared > body:
                raise ModelError(
                    f"{damaged} ({info.filename} claims shape {tuple(shape)}, "
                    f"{declared:,} bytes, in a {info.file_size:,}-byte member); refusing it"
                )


def _rating_range(value: object) -> tuple[float, float]:
    """The saved scale, or the 1-5 default of files written before datasets had scales."""
    if value is None:
        return RATING_RANGE
    low, high = (float(v) for v in value)  # type: ignore[union-attr]
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError("rating_range")
    return low, high


def _check_array(value: np.ndarray, name: str, damaged: str, ndim: int) -> None:
    if value.ndim != ndim or value.dtype.kind != "f":
        raise ModelError(f"{damaged} ({name} has shape {value.shape} and type {value.dtype})")
    if not np.isfinite(value).all():
        raise ModelError(f"{damaged} ({name} holds NaN or infinite values)")


def check_dataset(model: TrainedModel, dataset: Dataset, source: str = "model") -> None:
    """Refuse a model trained on another dataset (fingerprint or shape mismatch)."""
    if model.dataset_fingerprint != dataset.fingerprint:
        raise ModelError(
            f"{source}: trained on another dataset ({model.dataset_name or '?'}, fingerprint "
            f"{model.dataset_fingerprint or '?'}; loaded data is {dataset.name}, "
            f"{dataset.fingerprint}); retrain on this dataset"
        )
    if model.n_movies != dataset.n_movies or model.n_users > dataset.n_users + 1:
        raise ModelError(
            f"{source}: has {model.n_movies} movies and {model.n_users} users but "
            f"{dataset.name} has {dataset.n_movies} and {dataset.n_users}; retrain"
        )
