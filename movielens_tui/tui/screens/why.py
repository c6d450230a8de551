"""The "Why?" screen (``w`` in Users, Neighbors and You): why a movie is in the list.

Recommendations: the rated movies behind the score, one bar each (scaled to the largest
|contribution|, or to the similarity where the split is an approximation), the base term
and the rest; neighbours: the users who rated both movies and the genres they share.
Fits 80×24; esc, w or q closes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset
    from movielens_tui.models.explain import Explanation, NeighbourExplanation

BAR_WIDTH = 20
TITLE_WIDTH = 34
BLOCKS = " ▏▎▍▌▋▊▉█"


def bar(value: float, largest: float, width: int = BAR_WIDTH) -> str:
    """``|value|`` as block characters, ``largest`` filling ``width`` cells."""
    if largest <= 0 or not value:
        return ""
    cells = min(1.0, abs(value) / largest) * width
    whole, part = int(cells), int((cells - int(cells)) * 8)
    return "█" * whole + (BLOCKS[part] if part and whole < width else "")


def _clip(text: str, width: int = TITLE_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _title(dataset: Dataset, movie: int) -> str:
    return str(dataset.movies["title"].iat[movie])


def recommendation_text(explanation: Explanation, dataset: Dataset, measure: str) -> Text:
    """The body for one recommendation: score, contributors with bars, base, rest."""
    e = explanation
    out = Text()
    out.append(_title(dataset, e.movie), style="bold")
    out.append(f"\n{measure} score {e.score:+.3f}\n\n")
    if e.because:
        head = "because you rated" if e.exact else "because you rated movies like it"
        out.append(head + (":" if e.exact else " (nearest by the model's similarity):") + "\n")
        values = [(c.contribution if e.exact else c.similarity) or 0.0 for c in e.because]
        largest = max(abs(v) for v in values) or 1.0
        for c, value in zip(e.because, values, strict=True):
            out.append(f" ★{c.rating:<3g} ")
            out.append(f"{_clip(c.title):<{TITLE_WIDTH}} ")
            style = "green" if value >= 0 else "red"
            out.append(f"{bar(value, largest):<{BAR_WIDTH}}", style=style)
            out.append(f" {value:+.2f}" if e.exact else f" sim {value:.2f}")
            out.append("\n")
    else:
        out.append("no rated movies to explain it by\n")
    if e.rest is not None:
        out.append(f" the other rated movies: {e.rest:+.3f}\n")
    if e.base is not None:
        out.append(f" base term (mean and biases): {e.base:+.3f}\n")
    out.append("\n")
    label = "exact split" if e.exact else "approximation"
    out.append(label, style="bold green" if e.exact else "bold yellow")
    if e.note:  # the label already says which it is
        note = e.note.removeprefix("exact split: ").removeprefix("approximation: ")
        out.append(f" — {note}", style="dim")
    return out


def neighbour_text(explanation: NeighbourExplanation, dataset: Dataset) -> Text:
    """The body for one neighbour: co-raters (a bar per example's two ratings), genres."""
    e = explanation
    out = Text()
    out.append(_title(dataset, e.neighbour), style="bold")
    out.append(f"\nnear {_title(dataset, e.movie)}\n\n")
    out.append(f"because {e.co_raters:,} co-raters rated both movies")
    out.append(":\n" if e.examples else "\n")
    high = float(dataset.scale.high)
    for c in e.examples:
        out.append(f" user {c.user_id:<7} ")
        out.append(f"★{c.rating_a:<3g} ", style="bold")
        out.append(f"{bar(c.rating_a, high, 10):<10}", style="green")
        out.append(f"  ★{c.rating_b:<3g} ", style="bold")
        out.append(f"{bar(c.rating_b, high, 10):<10}\n", style="green")
    genres = ", ".join(e.shared_genres) or "none"
    out.append(f"\nshared genres: {genres}\n\n")
    out.append("from the data", style="bold green")
    out.append(" — the neighbours themselves come from the model's embeddings", style="dim")
    return out


class WhyScreen(ModalScreen[None]):
    """One explanation; esc, w or q closes it."""

    DEFAULT_CSS = """
    WhyScreen { align: center middle; }
    WhyScreen > VerticalScroll {
        width: 78;
        max-width: 100%;
        height: auto;
        max-height: 22;
        border: round $accent;
        padding: 0 1;
        background: $surface;
    }
    WhyScreen #why-text { height: auto; }
    """
    BINDINGS = [Binding("escape,w,q", "close", "Close", id="why-close")]

    def __init__(self, body: Text) -> None:
        super().__init__()
        self.body = body

    @property
    def text(self) -> str:
        """The plain text shown (for tests)."""
        return self.body.plain

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="why-body") as scroll:
            scroll.border_title = "Why?"
            scroll.border_subtitle = "esc closes"
            yield Static(self.body, id="why-text")

    def action_close(self) -> None:
        self.dismiss(None)
