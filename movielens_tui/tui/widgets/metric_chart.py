"""Horizontal bars of one metric per model (the Compare pane's chart)."""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot


class MetricChart(PlotextPlot):
    """One bar per label; the best bar is named in the title."""

    DEFAULT_CSS = """
    MetricChart {
        height: 1fr;
        min-height: 8;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.title = ""
        self.labels: list[str] = []
        self.values: list[float] = []

    def on_mount(self) -> None:
        super().on_mount()
        self.replot()

    def show(self, title: str, labels: Sequence[str], values: Sequence[float]) -> None:
        """Replace the bars (labels and values of the same length) and redraw."""
        self.title = title
        self.labels = [str(label) for label in labels]
        self.values = [float(v) for v in values]
        self.replot()

    def replot(self) -> None:
        plt = self.plt
        plt.clear_figure()
        plt.title(self.title)
        if self.values and len(self.values) == len(self.labels):
            # plotext draws the first bar at the bottom: reverse to read top-down
            plt.bar(self.labels[::-1], self.values[::-1], orientation="horizontal", width=0.6)
            top = max(self.values)
            if top > 0:
                plt.xlim(0, top * 1.08)
        self.refresh()
