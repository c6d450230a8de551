"""Filter users by a short text, using only the attributes the dataset has.

The text holds space-separated terms: a number is a user id (``196``, ``id:196``,
``#196``); where users have a sex, ``F`` / ``M``; where they have ages, ``20-30``,
``age:25`` or ``50+``; where they have occupations, any other word (``student``, ``eng``
for engineer). ml-1m gives ages only as bands (its ``age`` is the band's lower end, 1
for "Under 18"): a range matches the users whose band overlaps it, so ``25-34`` or
``age:30`` picks the 25-34 band. A term for an attribute the dataset lacks (on
ml-latest-small: everything but the id) filters nothing and is named in the
explanation. No Textual here: the CLI can use it too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from movielens_tui.data.movielens import Dataset

DEMOGRAPHICS: tuple[str, ...] = ("age", "sex", "occupation")
BAND_STARTS: tuple[int, ...] = (1, 18, 25, 35, 45, 50, 56)  # ml-1m's age codes
OLDEST = 200
_RANGE = re.compile(r"^(?:age[:=])?([0-9]{1,3})\s*-\s*([0-9]{1,3})$")
_AGE = re.compile(r"^age[:=]([0-9]{1,3})$")
_OVER = re.compile(r"^(?:age[:=])?([0-9]{1,3})\+$")
# ASCII digits only ([0-9], not \d) and at most 12 of them: int() refuses 4,300+ digits
_ID = re.compile(r"^(?:id[:=]|#)?([0-9]{1,12})$")
_SEX = ("m", "f", "sex:m", "sex:f", "sex=m", "sex=f")


def attributes_of(dataset: Dataset) -> tuple[str, ...]:
    """The filterable user attributes of ``dataset`` (a subset of age, sex, occupation)."""
    return tuple(a for a in DEMOGRAPHICS if a in dataset.user_attributes)


def banded_ages(dataset: Dataset) -> bool:
    """Whether the dataset's ages are band codes (ml-1m) rather than years."""
    return "age" in dataset.user_attributes and "age_band" in dataset.users.columns


def hint(attributes: Sequence[str], banded: bool = False) -> str:
    """A short line saying what the filter can use, e.g. ``by id, sex, age or occupation``."""
    names = ["id", *(a for a in DEMOGRAPHICS if a in attributes)]
    if len(names) == 1:
        return "by user id only (no demographics)"
    if banded and "age" in names:
        names[names.index("age")] = "age band"
    return "by " + ", ".join(names[:-1]) + " or " + names[-1]


def _band_ranges(codes: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Lowest and highest age of each user's ml-1m band."""
    import numpy as np
    import pandas as pd

    starts = np.asarray(BAND_STARTS)
    ends = np.append(starts[1:] - 1, OLDEST)
    numeric = codes.to_numpy(dtype=float, na_value=np.nan)
    at = np.searchsorted(starts, numeric, side="right") - 1
    known = (at >= 0) & ~np.isnan(numeric)
    low = np.where(known, np.where(at == 0, 0, starts[at.clip(0)]), np.nan)
    high = np.where(known, ends[at.clip(0)], np.nan)
    return pd.Series(low, index=codes.index), pd.Series(high, index=codes.index)


def filter_users(
    table: pd.DataFrame,
    text: str,
    attributes: Sequence[str] = DEMOGRAPHICS,
    banded: bool = False,
) -> tuple[pd.DataFrame, str]:
    """Rows of ``table`` (``user_id`` plus the columns in ``attributes``) matching ``text``.

    ``banded``: ``age`` holds ml-1m band codes. Returns the matching rows and a one-line
    explanation of the filter applied (terms the dataset cannot answer are named there).
    """
    import pandas as pd

    mask = pd.Series(True, index=table.index)
    said: list[str] = []
    ignored: list[str] = []
    has = set(attributes)
    occupations = sorted({str(o) for o in table["occupation"]}) if "occupation" in has else []
    ages = pd.to_numeric(table["age"], errors="coerce") if "age" in has else None
    low = high = None
    if ages is not None and banded:
        low, high = _band_ranges(ages)

    def age_between(lo: int, hi: int) -> pd.Series:
        assert ages is not None
        if low is not None and high is not None:
            return (low <= hi) & (high >= lo)
        return ages.between(lo, hi)

    for term in text.replace(",", " ").split():
        word = term.lower()
        if m := _ID.match(word):
            mask &= table["user_id"] == int(m.group(1))
            said.append(f"id {m.group(1)}")
        elif _RANGE.match(word) or _AGE.match(word) or _OVER.match(word):
            if ages is None:
                ignored.append(term)
            elif m := _RANGE.match(word):
                lo, hi = sorted((int(m.group(1)), int(m.group(2))))
                mask &= age_between(lo, hi)
                said.append(f"age {lo}-{hi}")
            elif m := _OVER.match(word):
                mask &= age_between(int(m.group(1)), OLDEST)
                said.append(f"age {m.group(1)}+")
            elif m := _AGE.match(word):
                age = int(m.group(1))
                mask &= age_between(age, age) if banded else ages == age
                said.append(f"age {age}")
        elif word in _SEX:
            if "sex" not in has:
                ignored.append(term)
                continue
            sex = word[-1].upper()
            mask &= table["sex"].astype(str).str.upper() == sex
            said.append(f"sex {sex}")
        elif "occupation" in has:
            job = word.removeprefix("occupation:").removeprefix("occ:")
            hits = [o for o in occupations if o.lower().startswith(job)] or [
                o for o in occupations if job in o.lower()
            ]
            mask &= table["occupation"].isin(hits)
            said.append(f"occupation {'/'.join(hits) if hits else repr(job) + ' (none)'}")
        else:
            ignored.append(term)
    if ignored:
        what = "users have only an id" if not has else "no such attribute here"
        said.append(f"ignored {' '.join(ignored)} ({what})")
    return table[mask], ", ".join(said)
