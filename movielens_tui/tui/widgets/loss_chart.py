"""A live plotext line chart of training metrics: one line per metric, NaN never drawn."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from textual_plotext import PlotextPlot

MAX_POINTS = 200  # plotext rebuilds on every repaint: keep the drawn series short
COLORS = ("cyan", "orange", "green", "magenta", "red")
MARKERS = ("braille", "braille", "braille", "braille", "braille")


class LossChart(PlotextPlot):
    """Metric values against training step for a fixed set of metric names."""

    DEFAULT_CSS = """
    LossChart {
        height: 1fr;
        min-height: 6;
    }
    """

    def __init__(
        self, metrics: Sequence[str] = (), title: str = "", *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.metrics: list[str] = list(metrics)
        self.chart_title = title
        self.steps: list[int] = []
        self.series: dict[str, list[float]] = {m: [] for m in self.metrics}

    def on_mount(self) -> None:
        super().on_mount()
        self.replot()

    def reset(self, metrics: Sequence[str] | None = None, title: str | None = None) -> None:
        """Forget every point (optionally switching to other metric names) and redraw."""
        if metrics is not None:
            self.metrics = list(metrics)
        if title is not None:
            self.chart_title = title
        self.steps = []
        self.series = {m: [] for m in self.metrics}
        self.replot()

    def add(self, step: int, values: Mapping[str, float], redraw: bool = True) -> None:
        """Append one point per metric (a missing or non-finite value is a gap)."""
        self.steps.append(int(step))
        for name in self.metrics:
            value = values.get(name)
            self.series[name].append(
                float(value) if value is not None and math.isfinite(value) else math.nan
            )
        if redraw:
            self.replot()

    def replot(self) -> None:
        plt = self.plt
        plt.clear_figure()
        plt.title(self.chart_title)
        plt.xlabel("step")
        stride = max(1, math.ceil(len(self.steps) / MAX_POINTS))
        drawn = False
        for i, name in enumerate(self.metrics):
            points = [
                (s, v)
                for s, v in zip(self.steps[::stride], self.series[name][::stride], strict=True)
                if math.isfinite(v)
            ]
            if self.steps and stride > 1 and math.isfinite(self.series[name][-1]):
                if not points or points[-1][0] != self.steps[-1]:
                    points.append((self.steps[-1], self.series[name][-1]))
            if not points:
                continue
            xs, ys = zip(*points, strict=True)
            plt.plot(list(xs), list(ys), marker=MARKERS[i % len(MARKERS)],
                     color=COLORS[i % len(COLORS)], label=name)  # fmt: skip
            drawn = True
        if drawn:
            low, high = self.steps[0], self.steps[-1]
            plt.xticks(sorted({round(low + (high - low) * i / 4) for i in range(5)}))
        else:
            plt.xlim(0, 1)
            plt.ylim(0, 1)
        self.refresh()
