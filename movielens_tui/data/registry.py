"""Dataset entries: name, source URL, checksum and file layout.

Adding ml-1m or a larger release means adding an entry here (and a parser for its
layout if it differs); callers only ever ask for a :class:`DatasetSpec` by name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DatasetSpec:
    """Everything needed to fetch, verify and lay out one MovieLens release."""

    name: str
    url: str
    md5: str
    size: int
    folder: str  # top-level folder inside the zip
    layout: str  # parser family, e.g. "100k"
    required: tuple[str, ...]  # files that must exist in the folder
    optional: tuple[str, ...] = ()  # extracted when present (folds, README)

    @property
    def zip_name(self) -> str:
        return f"{self.folder}.zip"

    @property
    def members(self) -> tuple[str, ...]:
        """Zip members we are willing to extract (everything else is ignored)."""
        return tuple(f"{self.folder}/{name}" for name in self.required + self.optional)


ML_100K = DatasetSpec(
    name="ml-100k",
    url="https://files.grouplens.org/datasets/movielens/ml-100k.zip",
    md5="0e33842e24a9c977be4e0107933c0723",
    size=4_924_029,
    folder="ml-100k",
    layout="100k",
    required=("u.data", "u.item", "u.user", "u.genre"),
    optional=(
        "README",
        "u.info",
        "u.occupation",
        *(f"u{k}.{part}" for k in range(1, 6) for part in ("base", "test")),
        "ua.base",
        "ua.test",
        "ub.base",
        "ub.test",
    ),
)

REGISTRY: dict[str, DatasetSpec] = {ML_100K.name: ML_100K}
DEFAULT = ML_100K.name


def get(name: str = DEFAULT) -> DatasetSpec:
    """Look up a dataset entry by name."""
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        from movielens_tui.errors import DataError

        raise DataError(f"unknown dataset {name!r}; known: {known}") from None
