"""A plotext bar chart that keeps its data and redraws itself (histograms, distributions)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from textual.app import RenderResult
from textual_plotext import PlotextPlot

Y_AXIS_WIDTH = 9  # room taken by the y tick labels and the axis


class BarChart(PlotextPlot):
    """Bars over labelled or numeric x values, with a title naming what is counted."""

    DEFAULT_CSS = """
    BarChart {
        height: 12;
        min-height: 6;
    }
    """

    def __init__(self, title: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.chart_title = title
        self.labels: list[str] | list[float] = []
        self.values: list[int] = []
        self.xlabel = ""

    def on_mount(self) -> None:
        super().on_mount()
        self.replot()

    def show(self, labels: Sequence[str] | Sequence[float], values: Sequence[int],
             xlabel: str = "") -> None:  # fmt: skip
        """Replace the bars and redraw."""
        self.labels = list(labels)  # type: ignore[assignment]
        self.values = [int(v) for v in values]
        self.xlabel = xlabel
        self.replot()

    def replot(self) -> None:
        plt = self.plt
        plt.clear_figure()
        plt.title(self.chart_title)
        if self.values and len(self.values) == len(self.labels):
            plt.bar(self.labels, self.values, marker="hd")
            top = max(self.values)
            ticks = sorted({round(top * i / 4) for i in range(5)})
            plt.yticks(ticks, [f"{t:,}" for t in ticks])
            if self.xlabel:
                plt.xlabel(self.xlabel)
        self.refresh()

    def render(self) -> RenderResult:
        """Draw with as many x labels as fit, chosen the same way at every size."""
        if self.values and len(self.values) == len(self.labels):
            labels = [str(label) for label in self.labels]
            room = max(1, self.size.width - Y_AXIS_WIDTH)
            widest = max(len(label) for label in labels) + 1
            step = max(1, math.ceil(len(labels) * widest / room))
            positions = list(range(1, len(labels) + 1))[::step]
            self.plt.xticks(positions, labels[::step])
        return super().render()
