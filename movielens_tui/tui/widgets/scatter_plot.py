"""A plotext scatter plot of several coloured point groups (embedding map, norms)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual_plotext import PlotextPlot

# 256-colour codes, distinct on dark and light backgrounds; the Map legend uses the same.
PALETTE: tuple[int, ...] = (
    196,
    46,
    33,
    226,
    201,
    51,
    208,
    129,
    118,
    39,
    214,
    163,
    34,
    99,
    220,
    160,
    30,
    177,
    142,
    67,
)
MUTED = 240


@dataclass(frozen=True)
class Series:
    """One group of points drawn in one colour."""

    xs: Sequence[float]
    ys: Sequence[float]
    color: int | str
    label: str = ""


class ScatterPlot(PlotextPlot):
    """Scatter groups of points; :meth:`show` replaces them and redraws."""

    DEFAULT_CSS = """
    ScatterPlot { height: 1fr; min-height: 6; }
    """

    def __init__(self, title: str = "", *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.chart_title = title
        self.series: list[Series] = []
        self.xlabel = ""
        self.ylabel = ""
        self.marker = "dot"

    def on_mount(self) -> None:
        super().on_mount()
        self.replot()

    def show(
        self,
        series: Sequence[Series],
        *,
        title: str | None = None,
        xlabel: str = "",
        ylabel: str = "",
    ) -> None:
        self.series = [s for s in series if len(s.xs)]
        if title is not None:
            self.chart_title = title
        self.xlabel, self.ylabel = xlabel, ylabel
        self.replot()

    @property
    def point_count(self) -> int:
        return sum(len(s.xs) for s in self.series)

    def replot(self) -> None:
        plt = self.plt
        plt.clear_figure()
        plt.title(self.chart_title)
        for s in self.series:
            plt.scatter(list(map(float, s.xs)), list(map(float, s.ys)),
                        color=s.color, marker=self.marker)  # fmt: skip
        if self.xlabel:
            plt.xlabel(self.xlabel)
        if self.ylabel:
            plt.ylabel(self.ylabel)
        self.refresh()
