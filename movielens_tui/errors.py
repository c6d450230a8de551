"""User-facing errors: each carries a one-line message that says what to do."""

from __future__ import annotations


class MovieLensError(Exception):
    """Base class for errors shown to the user as one line (no traceback)."""


class DataError(MovieLensError):
    """The dataset files are missing or malformed."""


class DownloadError(MovieLensError):
    """Fetching or verifying the dataset failed."""


class ModelError(MovieLensError):
    """A model cannot be trained, loaded or used."""


class ParamError(MovieLensError):
    """A hyperparameter is out of range or not a number."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message
