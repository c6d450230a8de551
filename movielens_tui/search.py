"""Fuzzy movie-title search, fast enough to run on every keystroke.

Titles are normalised once: accents stripped, case folded, punctuation dropped, the
trailing article MovieLens writes last moved to the front ("Godfather, The (1972)" ->
"the godfather"), alternative titles in parentheses kept, the year set aside.

A query is answered in tiers, each strictly above the next, so exact matches always
beat fuzzy ones and lower tiers are only computed while fewer than ``limit`` results
were found:

==========  =============================================================
score       tier
==========  =============================================================
100         the query is the whole main title (with or without its article)
90 - 99.9   the title starts with the query (also right after its article)
80 - 89.9   a word of the title starts with the query
70 - 79.9   every query word starts a word of the title, in any order
60 - 69.9   the query occurs inside a word
0 - 59.9    fuzzy (rapidfuzz WRatio x 0.6) among trigram-prefiltered candidates
==========  =============================================================

Within a tier, titles the query covers more of (shorter ones) come first, then more
popular ones when a popularity is given, then lower indices. A trailing year in the
query ("aladdin 1992") keeps only titles of that year when any of them match.

Prefix and word-start tiers use a sorted array of word suffixes (binary search);
substrings use one concatenated haystack; the fuzzy tier scores only the best
``candidates`` titles by shared trigrams (a numpy inverted index), so a keystroke
costs well under a millisecond at 1,682 titles and a few at 62,000.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

__all__ = ["Match", "TitleIndex", "normalize", "split_title"]

# Articles MovieLens moves to the end ("Misérables, Les", "Uomo delle stelle, L'").
ARTICLES = frozenset(
    "the a an le la les l' un une el los las il lo gli i der die das den det dem ein eine "
    "o os as de het een en ett".split()
)
_ARTICLE_AT_END = re.compile(r"^(?P<body>.+?),\s*(?P<article>[^\s,]+)$")
_TRAILING_GROUP = re.compile(r"\s*\(([^()]*)\)\s*$")
_YEAR = re.compile(r"^\s*(\d{4})(?:\s*[-–]\s*(?:\d{4})?)?\s*$")
_DROP = str.maketrans("", "", "'’`´.")
_NON_ALNUM = re.compile(r"[\W_]+")
_SEP = "\x00"
_TOP = "\U0010ffff"
_PRESELECT = 8  # a tier pre-selects 8 x limit entries before deduplicating titles
_MAX_OCCURRENCES = 20_000  # substring tier: occurrences looked at, at most
_CODE_BITS = 21  # every code point fits in 21 bits; three fit in one uint64


@dataclass(frozen=True, slots=True)
class Match:
    """One search result: position in the titles given to the index, title, score 0-100."""

    index: int
    title: str
    score: float


def normalize(text: str) -> str:
    """Casefold, strip accents, drop apostrophes and dots, turn other punctuation to spaces."""
    text = text.casefold()
    if not text.isascii():
        text = text.encode("utf-8", "ignore").decode("utf-8")  # lone surrogates
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.translate(_DROP).replace("&", " and ")
    return _NON_ALNUM.sub(" ", text).strip()


def _front_article(part: str) -> str:
    """'Godfather: Part II, The' -> 'The Godfather: Part II'; "Uomo, L'" -> "L'Uomo"."""
    m = _ARTICLE_AT_END.match(part.strip())
    if m and m.group("article").casefold() in ARTICLES:
        article = m.group("article")
        sep = "" if article.endswith(("'", "’")) else " "
        return f"{article}{sep}{m.group('body')}"
    return part


def split_title(title: str) -> tuple[str, list[str], int | None]:
    """Split a MovieLens title into (main title, alternative titles, year), articles in front.

    >>> split_title("Horseman on the Roof, The (Hussard sur le toit, Le) (1995)")
    ('The Horseman on the Roof', ['Le Hussard sur le toit'], 1995)
    """
    rest, groups, year = title.strip(), [], None
    while (m := _TRAILING_GROUP.search(rest)) and m.start() > 0:
        inner = m.group(1)
        y = _YEAR.match(inner)
        if y and year is None:
            year = int(y.group(1))
        elif inner.strip():
            groups.insert(0, _front_article(inner))
        rest = rest[: m.start()]
    return _front_article(rest), groups, year


def _word_starts(key: str) -> list[int]:
    return [0] + [i + 1 for i, c in enumerate(key) if c == " "]


class TitleIndex:
    """A search index over ``titles`` (e.g. ``dataset.movies["title"]``).

    ``popularity`` (e.g. number of ratings per title) only breaks ties within a tier.
    ``candidates`` bounds how many trigram-prefiltered titles the fuzzy tier scores.
    """

    def __init__(
        self,
        titles: Sequence[str],
        popularity: Sequence[float] | None = None,
        candidates: int = 200,
    ) -> None:
        self.titles: list[str] = [str(t) for t in titles]
        n = len(self.titles)
        self.candidates = candidates
        keys: list[str] = []
        main_len = np.zeros(n, np.int32)
        content_start = np.zeros(n, np.int32)
        years = np.full(n, -1, np.int32)
        for i, title in enumerate(self.titles):
            main, alts, year = split_title(title)
            main_key = normalize(main)
            first, _, after = main_key.partition(" ")
            if after and first in _ARTICLE_WORDS:
                content_start[i] = len(first) + 1
            key = " ".join(k for k in [main_key, *map(normalize, alts)] if k)
            keys.append(key)
            main_len[i] = len(main_key)
            years[i] = -1 if year is None else year
        self.keys = keys
        self._main_len = main_len
        self._content_start = content_start
        self._key_len = np.fromiter((len(k) for k in keys), np.int32, n)
        self._years = years
        if popularity is None:
            self._pop = np.zeros(n)
        else:
            pop = np.log1p(np.maximum(np.asarray(popularity, dtype=np.float64), 0))
            self._pop = pop / pop.max() if n and pop.max() > 0 else np.zeros(n)
        self._build_word_suffixes()
        self._build_haystack()
        self._build_trigrams()

    # -- building ---------------------------------------------------------------------

    def _build_word_suffixes(self) -> None:
        entries = [(k[p:], i, p) for i, k in enumerate(self.keys) if k for p in _word_starts(k)]
        entries.sort()
        self._suffixes = [e[0] for e in entries]
        self._suf_title = np.fromiter((e[1] for e in entries), np.int32, len(entries))
        self._suf_pos = np.fromiter((e[2] for e in entries), np.int32, len(entries))

    def _build_haystack(self) -> None:
        self._haystack = _SEP + _SEP.join(self.keys) + _SEP
        lengths = self._key_len.astype(np.int64) + 1
        self._starts = np.concatenate([[1], 1 + np.cumsum(lengths)[:-1]]).astype(np.int64)

    def _build_trigrams(self) -> None:
        padded = [f" {k} " if k else "" for k in self.keys]
        text = _SEP.join(padded)
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        n = len(self.keys)
        self._tri_count = np.array([max(len(p) - 2, 0) for p in padded], np.int32)
        if len(codes) < 3:
            self._tri_keys = np.zeros(0, np.uint64)
            self._tri_title = np.zeros(0, np.int32)
            return
        grams = _pack(codes[:-2], codes[1:-1], codes[2:])
        lengths = np.array([len(p) + 1 for p in padded], np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        title = (np.searchsorted(starts, np.arange(len(grams)), side="right") - 1).astype(np.int32)
        sep = np.uint64(0)
        ok = (codes[:-2] != sep) & (codes[1:-1] != sep) & (codes[2:] != sep)
        grams, title = grams[ok], title[ok]
        order = np.lexsort((title, grams))
        grams, title = grams[order], title[order]
        keep = np.ones(len(grams), bool)
        keep[1:] = (grams[1:] != grams[:-1]) | (title[1:] != title[:-1])
        self._tri_keys, self._tri_title = grams[keep], title[keep]
        distinct = np.bincount(self._tri_title, minlength=n)
        self._tri_count = np.maximum(distinct, 1).astype(np.int32)

    def __len__(self) -> int:
        return len(self.titles)

    # -- searching --------------------------------------------------------------------

    def search(self, query: str, limit: int = 10) -> list[Match]:
        """The best ``limit`` titles for ``query``, best first; [] for an empty query."""
        if limit <= 0 or not self.titles:
            return []
        main, alts, year = split_title(query)
        q = normalize(" ".join([main, *alts]))
        words = q.split()
        if year is None and len(words) > 1 and len(words[-1]) == 4 and words[-1].isdigit():
            if 1870 <= int(words[-1]) <= 2100:
                year = int(words[-1])
                words = words[:-1]
                q = " ".join(words)
        if not q:
            return []
        if year is not None:
            allowed = self._years == year
            if allowed.any():
                found = self._search(q, words, limit, allowed)
                if found:
                    rest = [_demote(m, 0.5) for m in self._search(q, words, limit, ~allowed)]
                    return sorted(found + rest, key=lambda m: -m.score)[:limit]
        return self._search(q, words, limit, None)

    def _search(
        self, q: str, words: list[str], limit: int, allowed: np.ndarray | None
    ) -> list[Match]:
        scores: dict[int, float] = {}
        self._tier_words(q, scores, allowed, limit)
        if len(scores) < limit and len(words) > 1:
            self._tier_all_words(q, words, scores, allowed, limit)
        if len(scores) < limit and len(q) >= 3:
            self._tier_substring(q, scores, allowed, limit)
        if len(scores) < limit and len(q) >= 3:
            self._tier_fuzzy(q, scores, allowed, limit)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], -self._pop[kv[0]], kv[0]))
        return [Match(i, self.titles[i], round(s, 3)) for i, s in ranked[:limit]]

    def _merge(
        self, scores: dict[int, float], titles: np.ndarray, score: np.ndarray, limit: int
    ) -> None:
        """Add a tier's best ``limit`` titles (best score per title), never lowering a score.

        Tiers are strictly ordered and a lower tier only runs while fewer than ``limit``
        titles were found, so titles beyond a tier's best ``limit`` can never be shown.
        """
        if not len(titles):
            return
        if len(titles) > _PRESELECT * limit:  # a short query: keep sorting cheap
            key = score - titles * 1e-11  # equal scores: lower index first
            part = np.argpartition(-key, _PRESELECT * limit - 1)[: _PRESELECT * limit]
            if len(np.unique(titles[part])) >= limit:
                titles, score = titles[part], score[part]
        order = np.argsort(-score, kind="stable")
        titles, score = titles[order], score[order]
        uniq, first = np.unique(titles, return_index=True)
        best = score[first]
        if len(uniq) > limit:
            top = np.lexsort((uniq, -self._pop[uniq], -best))[:limit]
            uniq, best = uniq[top], best[top]
        for i, s in zip(uniq.tolist(), best.tolist(), strict=True):
            if s > scores.get(i, -1.0):
                scores[i] = s

    def _within(self, covered: np.ndarray | float, titles: np.ndarray) -> np.ndarray:
        """Tie-break inside a tier: coverage of the key, then popularity (0 .. 9.9)."""
        coverage = np.minimum(covered / np.maximum(self._key_len[titles], 1), 1.0)
        return 9.9 * (0.85 * coverage + 0.15 * self._pop[titles])

    def _word_range(self, prefix: str) -> tuple[int, int]:
        lo = bisect_left(self._suffixes, prefix)
        return lo, bisect_left(self._suffixes, prefix + _TOP, lo)

    def _tier_words(
        self, q: str, scores: dict[int, float], allowed: np.ndarray | None, limit: int
    ) -> None:
        lo, hi = self._word_range(q)
        if lo == hi:
            return
        titles, pos = self._suf_title[lo:hi], self._suf_pos[lo:hi]
        if allowed is not None:
            keep = allowed[titles]
            titles, pos = titles[keep], pos[keep]
        at_start = (pos == 0) | (pos == self._content_start[titles])
        exact = at_start & (self._main_len[titles] - pos == len(q))
        score = np.where(at_start, 90.0, 80.0) + self._within(len(q), titles)
        score = np.where(exact, 100.0, score)
        self._merge(scores, titles, score, limit)

    def _tier_all_words(
        self,
        q: str,
        words: list[str],
        scores: dict[int, float],
        allowed: np.ndarray | None,
        limit: int,
    ) -> None:
        ranges = sorted((self._word_range(w) for w in set(words)), key=lambda r: r[1] - r[0])
        lo, hi = ranges[0]
        common = np.unique(self._suf_title[lo:hi])
        mark = np.zeros(len(self.titles), bool)
        for lo, hi in ranges[1:]:
            if not len(common):
                return
            mark[:] = False
            mark[self._suf_title[lo:hi]] = True
            common = common[mark[common]]
        if not len(common):
            return
        if allowed is not None:
            common = common[allowed[common]]
        covered = sum(len(w) for w in words)
        self._merge(scores, common, 70.0 + self._within(covered, common), limit)

    def _tier_substring(
        self, q: str, scores: dict[int, float], allowed: np.ndarray | None, limit: int
    ) -> None:
        offsets, hay, at = [], self._haystack, self._haystack.find(q)
        while at >= 0 and len(offsets) < _MAX_OCCURRENCES:
            offsets.append(at)
            at = hay.find(q, at + 1)
        if not offsets:
            return
        titles = (np.searchsorted(self._starts, offsets, side="right") - 1).astype(np.int32)
        if allowed is not None:
            titles = titles[allowed[titles]]
        self._merge(scores, titles, 60.0 + self._within(len(q), titles), limit)

    def _tier_fuzzy(
        self, q: str, scores: dict[int, float], allowed: np.ndarray | None, limit: int
    ) -> None:
        padded = f" {q} "
        codes = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        grams = np.unique(_pack(codes[:-2], codes[1:-1], codes[2:]))
        lo = np.searchsorted(self._tri_keys, grams, side="left")
        hi = np.searchsorted(self._tri_keys, grams, side="right")
        if not (hi > lo).any():
            return
        hits = np.concatenate([self._tri_title[a:b] for a, b in zip(lo, hi, strict=True) if b > a])
        shared = np.bincount(hits, minlength=len(self.titles)).astype(np.float64)
        # Containment of the query's trigrams, slightly favouring titles of similar size.
        rank = shared / len(grams) - 0.01 * np.abs(self._tri_count - len(grams)) / 100
        rank[shared == 0] = -1
        if allowed is not None:
            rank[~allowed] = -1
        if scores:
            rank[np.fromiter(scores, np.int64, len(scores))] = -1
        k = min(self.candidates, int((rank > 0).sum()))
        if k == 0:
            return
        best = np.argpartition(-rank, k - 1)[:k]
        fuzzy = _fuzzy_scores(_strip_article(q), [self._content(int(i)) for i in best])
        keep = fuzzy >= 55
        self._merge(scores, best[keep].astype(np.int32), 0.6 * fuzzy[keep], limit)

    def _content(self, i: int) -> str:
        """The key without its leading article (fuzzy scoring ignores articles)."""
        return self.keys[i][self._content_start[i] :]


_ARTICLE_WORDS = frozenset(normalize(a) for a in ARTICLES)


def _strip_article(q: str) -> str:
    first, _, rest = q.partition(" ")
    return rest if rest and first in _ARTICLE_WORDS else q


def _fuzzy_scores(q: str, keys: list[str]) -> np.ndarray:
    """rapidfuzz's WRatio without its partial token-set part.

    WRatio gives 85.5 to any two titles sharing one word ("the godfather" vs "the
    brothers mcmullen"); here a title scores by whole-string, reordered-words and, for
    titles much longer than the query, best-substring similarity.
    """

    def score(scorer: object) -> np.ndarray:
        return process.cdist([q], keys, scorer=scorer, processor=None, dtype=np.float32)[0]

    ratio = score(fuzz.ratio)
    long = np.fromiter((len(k) for k in keys), np.float32, len(keys)) >= 1.5 * len(q)
    whole = np.maximum.reduce([ratio, 0.95 * score(fuzz.token_sort_ratio),
                               0.95 * score(fuzz.token_set_ratio)])  # fmt: skip
    part = np.maximum.reduce([ratio, 0.9 * score(fuzz.partial_ratio),
                              0.855 * score(fuzz.partial_token_sort_ratio)])  # fmt: skip
    return np.where(long, part, whole).astype(np.float64)


def _pack(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    return (a << np.uint64(2 * _CODE_BITS)) | (b << np.uint64(_CODE_BITS)) | c


def _demote(match: Match, factor: float) -> Match:
    return Match(match.index, match.title, round(match.score * factor, 3))
