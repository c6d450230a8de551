"""Fuzzy title search: prefixes, typos, article order, accents, years, tiers, robustness."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from movielens_tui.search import Match, TitleIndex, normalize, split_title

EXTRA = [
    "Aladdin's Lamp (1950)",
    "Shawshank Redemption, The (1994)",
    "Uomo delle stelle, L' (1995)",
    "Blechtrommel, Die (1979)",
    "Strada, La (1954)",
    "Jardin, El (2001)",
    "Star Wars: Episode I (1999)",
    "Wars of Stars (1990)",
    "Scar Face (1932)",
    "Ghost in the Shell (Kokaku kidotai) (1995)",
    "unknown",
]


@pytest.fixture(scope="module")
def generated_titles() -> list[str]:
    from movielens_tui.data.synthetic import KNOWN_TITLES

    filler = [f"Night River {i} ({1930 + i % 68})" for i in range(200)]
    return list(KNOWN_TITLES) + EXTRA + filler


@pytest.fixture(scope="module")
def index(generated_titles: list[str]) -> TitleIndex:
    return TitleIndex(generated_titles)


def titles(matches: list[Match]) -> list[str]:
    return [m.title for m in matches]


def test_prefix_lists_both_aladdins_first(index: TitleIndex) -> None:
    found = titles(index.search("Aladd"))
    assert found[0] == "Aladdin (1992)"
    assert set(found[1:3]) == {"Aladdin and the King of Thieves (1996)", "Aladdin's Lamp (1950)"}


def test_typo_finds_the_godfather(index: TitleIndex) -> None:
    assert titles(index.search("godfathr"))[0] == "Godfather, The (1972)"
    assert titles(index.search("shawshenk"))[0] == "Shawshank Redemption, The (1994)"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("the godfather", "Godfather, The (1972)"),
        ("Godfather, The", "Godfather, The (1972)"),
        ("the godfather part ii", "Godfather: Part II, The (1974)"),
        ("les miserables", "Misérables, Les (1995)"),
        ("l'uomo delle stelle", "Uomo delle stelle, L' (1995)"),
        ("die blechtrommel", "Blechtrommel, Die (1979)"),
        ("la strada", "Strada, La (1954)"),
        ("el jardin", "Jardin, El (2001)"),
        ("the lion king", "Lion King, The (1994)"),
    ],
)
def test_article_order(index: TitleIndex, query: str, expected: str) -> None:
    top = index.search(query)[0]
    assert top.title == expected
    assert top.score == 100.0


def test_accents_either_way(index: TitleIndex) -> None:
    assert titles(index.search("miserables"))[0] == "Misérables, Les (1995)"
    assert titles(index.search("Misérables"))[0] == "Misérables, Les (1995)"
    assert titles(index.search("MISERABLES"))[0] == "Misérables, Les (1995)"


def test_exact_prefix_and_substring_rank_above_fuzzy(index: TitleIndex) -> None:
    found = index.search("star wars", limit=5)
    assert titles(found)[:2] == ["Star Wars (1977)", "Star Wars: Episode I (1999)"]
    assert found[0].score == 100.0
    # "Scar Face" is only a fuzzy match for "star": it comes after every real match.
    star = index.search("star", limit=20)
    fuzzy_at = titles(star).index("Scar Face (1932)") if "Scar Face (1932)" in titles(star) else 99
    assert all(t.startswith(("Star", "Wars of Stars")) for t in titles(star)[: min(fuzzy_at, 3)])
    # A word in the middle ("wars") still beats fuzzy look-alikes.
    assert titles(index.search("wars"))[0].startswith(("Wars of Stars", "Star Wars"))


def test_words_in_any_order_and_alternative_titles(index: TitleIndex) -> None:
    assert titles(index.search("king thieves"))[0] == "Aladdin and the King of Thieves (1996)"
    assert titles(index.search("kokaku"))[0] == "Ghost in the Shell (Kokaku kidotai) (1995)"


def test_year_in_query(index: TitleIndex) -> None:
    assert titles(index.search("star wars 1999"))[0] == "Star Wars: Episode I (1999)"
    assert titles(index.search("star wars (1977)"))[0] == "Star Wars (1977)"
    assert titles(index.search("aladdin 1996"))[0] == "Aladdin and the King of Thieves (1996)"


def test_empty_and_junk_queries(index: TitleIndex) -> None:
    assert index.search("") == []
    assert index.search("   ") == []
    assert index.search("!!!") == []
    assert index.search("aladdin", limit=0) == []
    assert TitleIndex([]).search("aladdin") == []


def test_limit_and_indices(index: TitleIndex, generated_titles: list[str]) -> None:
    found = index.search("night river", limit=7)
    assert len(found) == 7
    for m in found:
        assert generated_titles[m.index] == m.title


def test_popularity_breaks_ties() -> None:
    same = ["Night (1990)", "Night (1991)", "Night (1992)"]
    assert TitleIndex(same).search("night")[0].index == 0
    assert TitleIndex(same, popularity=[1, 50, 3]).search("night")[0].index == 1


def test_normalisation_helpers() -> None:
    assert normalize("Misérables, Les") == "miserables les"
    assert normalize("Schindler's List") == "schindlers list"
    assert split_title("Godfather: Part II, The (1974)") == ("The Godfather: Part II", [], 1974)
    assert split_title("Nikita (La Femme Nikita) (1990)") == ("Nikita", ["La Femme Nikita"], 1990)
    assert split_title("unknown") == ("unknown", [], None)


def test_real_ml100k_titles(ml100k) -> None:  # noqa: ANN001 - fixture
    movie_titles = list(ml100k.movies["title"])
    index = TitleIndex(movie_titles)
    assert titles(index.search("Aladd"))[:2] == [
        "Aladdin (1992)",
        "Aladdin and the King of Thieves (1996)",
    ]
    assert titles(index.search("godfathr"))[:2] == [
        "Godfather, The (1972)",
        "Godfather: Part II, The (1974)",
    ]
    assert titles(index.search("the godfather"))[0] == "Godfather, The (1972)"
    assert titles(index.search("miserables"))[0] == "Misérables, Les (1995)"
    assert titles(index.search("shawshank"))[0] == "Shawshank Redemption, The (1994)"
    assert titles(index.search("empire strikes back"))[0] == "Empire Strikes Back, The (1980)"
    assert titles(index.search("silence lambs"))[0] == "Silence of the Lambs, The (1991)"
    assert titles(index.search("independance day"))[0] == "Independence Day (ID4) (1996)"


@pytest.fixture(scope="module")
def property_index() -> TitleIndex:
    return TitleIndex(
        ["Aladdin (1992)", "Godfather, The (1972)", "Misérables, Les (1995)", "Ça (2001)"]
        + [f"Title {i} ({1950 + i})" for i in range(40)]
        + ["ß-Movie (1999)", "東京物語 (1953)", "", "()", "(1999)", "a, the"]
    )


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=40), limit=st.integers(min_value=-2, max_value=15))
def test_any_query_is_safe(property_index: TitleIndex, query: str, limit: int) -> None:
    found = property_index.search(query, limit=limit)
    assert len(found) <= max(limit, 0)
    scores = [m.score for m in found]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 100 for s in scores)
    assert len({m.index for m in found}) == len(found)
    for m in found:
        assert property_index.titles[m.index] == m.title


@settings(max_examples=100, deadline=None)
@given(titles_=st.lists(st.text(max_size=30), max_size=30), query=st.text(max_size=20))
def test_any_titles_are_safe(titles_: list[str], query: str) -> None:
    index = TitleIndex(titles_)
    found = index.search(query, limit=5)
    assert len(found) <= 5
    if normalize(query) and query in titles_:
        assert found, "a title typed exactly is always found"
