"""The user's own movie ratings ("rate movies yourself"), kept as JSON in the user data dir.

One file per dataset (``paths.my_ratings_path(name)``) maps *original* MovieLens movie
ids to ratings, whole stars as integers and half stars as decimals::

    {"format": 1, "dataset": "ml-latest-small", "ratings": {"1": 5, "71": 3.5}}

A file may hold any MovieLens rating (0.5 to 5 in half stars). Ratings are checked
against the open dataset's scale: a new one off the scale is refused with a clear
message; stored ones off the scale (a half star in a whole-star dataset's file) are
kept in the file, left out of :meth:`MyRatings.positions` and named in the one-line
warning :meth:`MyRatings.open` returns, so nothing is ever lost.

Every change is written at once and atomically. A file that cannot be understood is
never overwritten: it is renamed aside (``*.corrupt-<time>.json``) and the caller gets
a one-line message naming both paths.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from movielens_tui import paths
from movielens_tui.errors import DataError

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset

FORMAT = 1
MAX_FILE_BYTES = 64 * 1024 * 1024  # every movie of ml-32m rated is about 2 MB
MIN_RATING = 0.5  # the widest MovieLens scale: 0.5 to 5 in half stars
MAX_RATING = 5.0
STEP = 0.5


class Scale(Protocol):
    """What a :class:`~movielens_tui.data.movielens.RatingScale` offers here."""

    low: float
    high: float

    def allows(self, value: float) -> bool: ...

    def describe(self) -> str: ...


class CorruptRatingsFile(DataError):
    """The ratings file was unreadable; it has been moved to ``moved_to``."""

    def __init__(self, message: str, path: Path, moved_to: Path | None) -> None:
        super().__init__(message)
        self.path = path
        self.moved_to = moved_to


def _on_widest_scale(value: float) -> bool:
    steps = (value - MIN_RATING) / STEP
    return MIN_RATING <= value <= MAX_RATING and abs(steps - round(steps)) < 1e-6


def check_rating(rating: float, scale: Scale | None = None, dataset_name: str = "") -> float:
    """``rating`` as a float, or ValueError with a one-line reason.

    Without ``scale`` any MovieLens rating passes (0.5 to 5 in half stars); with it
    only the values ``scale`` allows (``dataset_name`` names it in the message).
    """
    use = scale.describe() if scale is not None else f"{MIN_RATING:g} to {MAX_RATING:g}"
    if isinstance(rating, bool):
        raise ValueError(f"rating {rating!r} is not a number; use {use}")
    try:
        value = float(rating)
    except (TypeError, ValueError):
        raise ValueError(f"rating {rating!r} is not a number; use {use}") from None
    if not math.isfinite(value) or not MIN_RATING <= value <= MAX_RATING:
        raise ValueError(f"rating {rating!r} is outside {MIN_RATING:g} to {MAX_RATING:g}")
    if not _on_widest_scale(value):
        raise ValueError(f"rating {rating!r} is not a whole or half star")
    if scale is not None and not scale.allows(value):
        whose = f"{dataset_name}'s" if dataset_name else "the"
        raise ValueError(f"rating {value:g} is not on {whose} scale ({use})")
    return value


def parse(text: str) -> dict[int, float]:
    """Parse the JSON text of a ratings file; ValueError with a one-line reason if invalid."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise ValueError(f"not valid JSON ({where}: {exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("ratings"), dict):
        raise ValueError('expected an object with a "ratings" object')
    version = data.get("format", FORMAT)
    if version != FORMAT:
        raise ValueError(f"format {version!r} is not understood (this version reads {FORMAT})")
    out: dict[int, float] = {}
    for key, value in data["ratings"].items():
        try:
            movie_id = int(key)
        except ValueError:
            raise ValueError(f"movie id {key!r} is not a whole number") from None
        try:
            out[movie_id] = check_rating(value)
        except ValueError as exc:
            raise ValueError(f"movie {movie_id}: {exc}") from None
    return out


def dumps(ratings: Mapping[int, float], dataset_name: str) -> bytes:
    """The JSON bytes written for ``ratings``; whole ratings are stored as integers."""
    body = {
        str(int(m)): int(r) if float(r).is_integer() else float(r)
        for m, r in sorted(ratings.items())
    }
    doc = {"format": FORMAT, "dataset": dataset_name, "ratings": body}
    return (json.dumps(doc, indent=1) + "\n").encode("utf-8")


def _move_aside(path: Path) -> Path | None:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.corrupt-{stamp}{path.suffix}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.stem}.corrupt-{stamp}-{n}{path.suffix}")
        n += 1
    try:
        path.rename(target)
    except OSError:
        return None
    return target


def load_file(path: Path) -> dict[int, float]:
    """Ratings stored at ``path`` ({} when there is no file yet).

    An unreadable or invalid file is renamed aside and :class:`CorruptRatingsFile`
    is raised; the caller can then start from no ratings without losing the old file.
    """
    from movielens_tui.files import NotARegularFile, TooLarge, describe, read_regular

    path = Path(path)
    try:
        raw = read_regular(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        return {}
    except (NotARegularFile, TooLarge) as exc:
        raise DataError(f"{path}: your ratings file {describe(exc)}; move it away") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read your ratings ({exc.strerror})") from None
    try:
        return parse(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        if isinstance(exc, UnicodeDecodeError):
            reason = "is not UTF-8 text"
        elif isinstance(exc, RecursionError):
            reason = "is nested too deeply to be a ratings file"
        else:
            reason = str(exc)
        moved = _move_aside(path)
        where = f"moved it to {moved.name}" if moved else "left it in place (could not rename)"
        raise CorruptRatingsFile(
            f"{path}: {reason}; {where} and started with no ratings", path, moved
        ) from None


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<path>.lock`` (advisory, between movielens-tui apps)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a+b") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: no merge lock, still atomic writes
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class MyRatings:
    """The user's ratings for one dataset; every change is saved at once.

    ``ratings`` holds everything in the file; with a ``scale``, ratings off it (see
    :meth:`off_scale`) stay there and in the file but are not used.
    """

    def __init__(
        self, dataset_name: str, path: Path | None = None, scale: Scale | None = None
    ) -> None:
        self.dataset_name = dataset_name
        self.path = Path(path) if path is not None else paths.my_ratings_path(dataset_name)
        self.scale = scale
        self.ratings: dict[int, float] = {}
        self._writable = True

    @classmethod
    def open(
        cls, dataset_name: str, path: Path | None = None, scale: Scale | None = None
    ) -> tuple[MyRatings, str | None]:
        """Load the stored ratings; returns the store and a warning (None when all is well).

        A corrupt file yields an empty store plus the warning; a file that could not be
        moved aside is never written over (the store stays read-only). Stored ratings
        off ``scale`` are kept (in memory and in the file) and named in the warning.
        """
        store = cls(dataset_name, path, scale)
        try:
            store.ratings = load_file(store.path)
        except CorruptRatingsFile as exc:
            store._writable = exc.moved_to is not None
            return store, str(exc)
        except DataError as exc:
            store._writable = False
            return store, str(exc)
        return store, store.off_scale_warning()

    def off_scale(self) -> list[int]:
        """Movie ids whose stored rating the dataset's scale does not allow."""
        if self.scale is None:
            return []
        return sorted(m for m, r in self.ratings.items() if not self.scale.allows(r))

    def off_scale_warning(self) -> str | None:
        """One line naming the stored ratings that are kept but not used, or None."""
        off = self.off_scale()
        if not off or self.scale is None:
            return None
        first = off[0]
        many = f"{len(off)} of your ratings are" if len(off) > 1 else "1 of your ratings is"
        return (
            f"{self.path}: {many} not on {self.dataset_name}'s scale "
            f"({self.scale.describe()}), e.g. movie {first}: {self.ratings[first]:g}; "
            "kept in the file but not used"
        )

    def usable(self, movie_id: int) -> bool:
        """Whether the stored rating of ``movie_id`` is on the dataset's scale."""
        rating = self.ratings.get(int(movie_id))
        return rating is not None and (self.scale is None or self.scale.allows(rating))

    def __len__(self) -> int:
        return len(self.ratings)

    def get(self, movie_id: int) -> float | None:
        return self.ratings.get(int(movie_id))

    def set(self, movie_id: int, rating: float) -> None:
        """Rate a movie (original id) and save; ValueError when off the dataset's scale."""
        value = check_rating(rating, self.scale, self.dataset_name)
        self._save(lambda ratings: ratings.__setitem__(int(movie_id), value))

    def remove(self, movie_id: int) -> bool:
        """Forget a rating and save; False when the movie was not rated."""
        if int(movie_id) not in self.ratings:
            return False
        self._save(lambda ratings: ratings.pop(int(movie_id), None))
        return True

    def clear(self) -> None:
        self._save(lambda ratings: ratings.clear())

    def _save(self, change: Callable[[dict[int, float]], object]) -> None:
        """Apply ``change`` to the file's current ratings and write them back, under a
        lock: another app rating movies of the same dataset at the same time keeps its
        ratings too (each change merges into what is on disk, never over it)."""
        if not self._writable:
            raise DataError(
                f"{self.path}: not saving over a file that could not be read; "
                "move or fix it, then restart"
            )
        try:
            with _locked(self.path):
                try:
                    ratings = load_file(self.path)
                except CorruptRatingsFile:
                    ratings = dict(self.ratings)  # the damaged file was moved aside
                change(ratings)
                paths.atomic_write_bytes(self.path, dumps(ratings, self.dataset_name))
        except OSError as exc:
            raise DataError(f"{self.path}: cannot save your ratings ({exc.strerror})") from None
        self.ratings = ratings

    def positions(self, dataset: Dataset) -> dict[int, float]:
        """``{internal movie position: rating}`` for the rated movies ``dataset`` has,
        leaving out ratings its scale does not allow."""
        out: dict[int, float] = {}
        for movie_id, rating in self.ratings.items():
            if not dataset.scale.allows(rating):
                continue
            try:
                out[dataset.movie_index(movie_id)] = rating
            except DataError:
                continue
        return out

    def unknown_ids(self, dataset: Dataset) -> list[int]:
        """Rated movie ids that ``dataset`` does not have."""
        known = {int(m) for m in dataset.movies["movie_id"]}
        return sorted(m for m in self.ratings if m not in known)
