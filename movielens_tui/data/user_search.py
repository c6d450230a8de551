"""A prepared user filter that answers over every user in milliseconds (200k users).

:func:`movielens_tui.data.users_filter.filter_users` re-reads the whole table on each
call (string conversions, occupation set, band ranges: 30-60 ms at ml-32m's 200,948
users). :class:`UserIndex` does that work once per dataset, as NumPy arrays, and then
answers the same filter language with the same explanation, returning row positions.
Callers show only the first rows (:func:`listing_note` says how many of how many). No
Textual here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from movielens_tui.data.users_filter import (
    _AGE,
    _ID,
    _OVER,
    _RANGE,
    _SEX,
    DEMOGRAPHICS,
    OLDEST,
    _band_ranges,
)

if TYPE_CHECKING:
    import pandas as pd


class UserIndex:
    """Column arrays of a user table (``user_id`` plus the ``attributes`` columns)."""

    def __init__(
        self,
        table: pd.DataFrame,
        attributes: Sequence[str] = DEMOGRAPHICS,
        banded: bool = False,
    ) -> None:
        import pandas as pd

        self.n = len(table)
        self.attributes = tuple(attributes)
        self.ids = table["user_id"].to_numpy(dtype=np.int64)
        has = set(attributes)
        self.ages: np.ndarray | None = None
        self.low: np.ndarray | None = None
        self.high: np.ndarray | None = None
        if "age" in has:
            ages = pd.to_numeric(table["age"], errors="coerce")
            self.ages = ages.to_numpy(dtype=float, na_value=np.nan)
            if banded:
                low, high = _band_ranges(ages)
                self.low, self.high = low.to_numpy(), high.to_numpy()
        self.sex: np.ndarray | None = None
        if "sex" in has:
            self.sex = table["sex"].astype(str).str.upper().to_numpy()
        self.occupations: list[str] = []
        self.occupation_codes: np.ndarray | None = None
        if "occupation" in has:
            codes, uniques = pd.factorize(table["occupation"].astype(str), sort=True)
            self.occupations = [str(u) for u in uniques]
            self.occupation_codes = codes

    def _age_between(self, lo: int, hi: int) -> np.ndarray:
        assert self.ages is not None
        if self.low is not None and self.high is not None:
            return (self.low <= hi) & (self.high >= lo)
        return (self.ages >= lo) & (self.ages <= hi)

    def search(self, text: str) -> tuple[np.ndarray, str]:
        """Row positions matching ``text`` (in table order) and the filter's explanation,
        as :func:`~movielens_tui.data.users_filter.filter_users` gives them."""
        mask: np.ndarray | None = None
        said: list[str] = []
        ignored: list[str] = []
        has = set(self.attributes)

        def narrow(part: np.ndarray) -> None:
            nonlocal mask
            mask = part if mask is None else mask & part

        for term in text.replace(",", " ").split():
            word = term.lower()
            if m := _ID.match(word):
                narrow(self.ids == int(m.group(1)))
                said.append(f"id {m.group(1)}")
            elif _RANGE.match(word) or _AGE.match(word) or _OVER.match(word):
                if self.ages is None:
                    ignored.append(term)
                elif m := _RANGE.match(word):
                    lo, hi = sorted((int(m.group(1)), int(m.group(2))))
                    narrow(self._age_between(lo, hi))
                    said.append(f"age {lo}-{hi}")
                elif m := _OVER.match(word):
                    narrow(self._age_between(int(m.group(1)), OLDEST))
                    said.append(f"age {m.group(1)}+")
                elif m := _AGE.match(word):
                    age = int(m.group(1))
                    banded = self.low is not None
                    narrow(self._age_between(age, age) if banded else self.ages == age)
                    said.append(f"age {age}")
            elif word in _SEX:
                if self.sex is None:
                    ignored.append(term)
                    continue
                sex = word[-1].upper()
                narrow(self.sex == sex)
                said.append(f"sex {sex}")
            elif self.occupation_codes is not None:
                job = word.removeprefix("occupation:").removeprefix("occ:")
                names = self.occupations
                hits = [i for i, o in enumerate(names) if o.lower().startswith(job)] or [
                    i for i, o in enumerate(names) if job in o.lower()
                ]
                narrow(np.isin(self.occupation_codes, hits))
                shown = "/".join(names[i] for i in hits) if hits else repr(job) + " (none)"
                said.append(f"occupation {shown}")
            else:
                ignored.append(term)
        if ignored:
            what = "users have only an id" if not has else "no such attribute here"
            said.append(f"ignored {' '.join(ignored)} ({what})")
        rows = np.arange(self.n) if mask is None else np.flatnonzero(mask)
        return rows, ", ".join(said)


def listing_note(listed: int, matched: int, total: int, filtered: bool) -> str:
    """The line under the filter: how many users are listed of how many.

    ``first 2,000 of 200,948 · type an id or filter`` when the list is capped,
    ``1,512 of 200,948 match`` when a filter narrowed it, ``943 users`` otherwise.
    """
    if listed < matched:
        what = "match" if filtered else "users"
        return f"first {listed:,} of {matched:,} {what} · type an id or filter"
    if filtered:
        return f"{matched:,} of {total:,} match"
    return f"{total:,} users"
