"""The MovieLens releases: name, source URL, checksum, size and file layout.

Callers only ever ask for a :class:`DatasetSpec` by name. A release's ``layout`` names
the loader in :mod:`movielens_tui.data.layouts` that parses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BASE_URL = "https://files.grouplens.org/datasets/movielens/"
MB = 1024 * 1024


@dataclass(frozen=True)
class DatasetSpec:
    """Everything needed to fetch, verify and lay out one MovieLens release."""

    name: str
    md5: str
    size: int  # bytes of the zip
    folder: str  # top-level folder inside the zip
    layout: str  # "100k" (u.*), "dat" (:: separated) or "csv"
    required: tuple[str, ...]  # files that must exist in the folder
    optional: tuple[str, ...] = ()  # extracted when present (folds, tags, README)
    half_stars: bool = False  # ratings 0.5-5 in half stars (else whole stars 1-5)
    demographics: bool = False  # users have age, sex and occupation
    max_extracted: int = 64 * MB  # refuse a zip whose wanted members exceed this in total
    summary: str = ""  # one line for the dataset picker
    bundled: bool = False  # shipped inside the package (works offline)
    url: str = ""  # defaults to GroupLens: BASE_URL + zip_name

    def __post_init__(self) -> None:
        if not self.url:
            object.__setattr__(self, "url", BASE_URL + self.zip_name)

    @property
    def zip_name(self) -> str:
        return f"{self.name}.zip"

    @property
    def members(self) -> tuple[str, ...]:
        """Zip members we are willing to extract (everything else is ignored)."""
        return tuple(f"{self.folder}/{name}" for name in self.required + self.optional)

    @property
    def marker(self) -> str:
        """The file whose presence identifies a folder of this release."""
        return self.required[0]


_CSV_OPTIONAL = ("tags.csv", "links.csv", "README.txt")

ML_100K = DatasetSpec(
    name="ml-100k",
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
    demographics=True,
    summary="1998 · 943 users, 1,682 movies, 100,000 ratings · demographics, u1-u5 folds",
)
ML_LATEST_SMALL = DatasetSpec(
    name="ml-latest-small",
    md5="31a303aabbc519bd33d025e44d6c2570",
    size=978_202,
    folder="ml-latest-small",
    layout="csv",
    required=("ratings.csv", "movies.csv"),
    optional=_CSV_OPTIONAL,
    half_stars=True,
    summary="2018 · 610 users, 9,742 movies, 100,836 ratings · half stars, tags · bundled",
    bundled=True,
)
ML_1M = DatasetSpec(
    name="ml-1m",
    md5="c4d9eecfca2ab87c1945afe126590906",
    size=5_917_549,
    folder="ml-1m",
    layout="dat",
    required=("ratings.dat", "movies.dat", "users.dat"),
    optional=("README",),
    demographics=True,
    max_extracted=128 * MB,
    summary="2003 · 6,040 users, 3,883 movies, 1,000,209 ratings · demographics",
)
ML_10M = DatasetSpec(
    name="ml-10m",
    md5="ce571fd55effeba0271552578f2648bd",
    size=65_566_137,
    folder="ml-10M100K",
    layout="dat",
    required=("ratings.dat", "movies.dat"),
    optional=("tags.dat", "README.html"),
    half_stars=True,
    max_extracted=1024 * MB,
    summary="2009 · 69,878 users, 10,681 movies, 10,000,054 ratings · half stars, tags",
)
ML_20M = DatasetSpec(
    name="ml-20m",
    md5="cd245b17a1ae2cc31bb14903e1204af3",
    size=198_702_078,
    folder="ml-20m",
    layout="csv",
    required=("ratings.csv", "movies.csv"),
    optional=_CSV_OPTIONAL,
    half_stars=True,
    max_extracted=2048 * MB,
    summary="2015 · 138,493 users, 27,278 movies, 20,000,263 ratings · half stars, tags",
)
ML_25M = DatasetSpec(
    name="ml-25m",
    md5="6b51fb2759a8657d3bfcbfc42b592ada",
    size=261_978_986,
    folder="ml-25m",
    layout="csv",
    required=("ratings.csv", "movies.csv"),
    optional=_CSV_OPTIONAL,
    half_stars=True,
    max_extracted=2048 * MB,
    summary="2019 · 162,541 users, 62,423 movies, 25,000,095 ratings · half stars, tags",
)
ML_32M = DatasetSpec(
    name="ml-32m",
    md5="d472be332d4daa821edc399621853b57",
    size=238_950_008,
    folder="ml-32m",
    layout="csv",
    required=("ratings.csv", "movies.csv"),
    optional=(*_CSV_OPTIONAL, "checksums.txt"),
    half_stars=True,
    max_extracted=2048 * MB,
    summary="2023 · 200,948 users, 87,585 movies, 32,000,204 ratings · half stars, tags",
)

REGISTRY: dict[str, DatasetSpec] = {
    spec.name: spec for spec in (ML_100K, ML_LATEST_SMALL, ML_1M, ML_10M, ML_20M, ML_25M, ML_32M)
}
DEFAULT = ML_100K.name
OFFLINE_FALLBACK = ML_LATEST_SMALL.name


def get(name: str = DEFAULT) -> DatasetSpec:
    """Look up a dataset entry by name."""
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(REGISTRY)
        from movielens_tui.errors import DataError

        raise DataError(f"unknown dataset {name!r}; choose one of: {known}") from None


def bundled_zip(spec: DatasetSpec) -> Path | None:
    """The copy of ``spec``'s original zip shipped inside the package, if there is one."""
    if not spec.bundled:
        return None
    path = Path(__file__).parent / "bundled" / spec.zip_name
    return path if path.is_file() else None
