"""Charts for the HTML report, drawn by matplotlib as SVG (no JavaScript, no network) and embedded as data: URIs,
so each chart is isolated from the page (no shared IDs, no script) and the report stays one file.

matplotlib's object-oriented API (``Figure``) is used without pyplot, so no GUI backend or global state is
involved; ``svg.hashsalt`` and an empty date make the SVG bytes the same on every run.
"""

from __future__ import annotations

import base64
import io

COLOURS = (
    "#3949ab",
    "#00897b",
    "#e53935",
    "#fb8c00",
    "#8e24aa",
    "#6d4c41",
    "#546e7a",
    "#c0ca33",
    "#1e88e5",
    "#757575",
)


def _svg_uri(figure) -> str:
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "lcdkb", "svg.fonttype": "path"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def trend_chart(weeks: list[str], series: list[int], title: str) -> str:
    """A small weekly bar chart for one spike or pattern."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(6.0, 2.2), dpi=100)
    axes = figure.add_subplot()
    labels = [week[5:] for week in weeks]
    axes.bar(range(len(series)), series, color=COLOURS[0])
    axes.set_xticks(range(len(series)), labels, rotation=60, fontsize=7)
    axes.set_ylabel("denied lines", fontsize=8)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(title, fontsize=9)
    axes.tick_params(axis="y", labelsize=7)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg_uri(figure)


def reasons_chart(rows: list[dict], groups: list[str], labels: dict[str, str]) -> str:
    """Stacked horizontal bars: denied lines by reason group for each payer."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    height = max(2.0, 0.45 * len(rows) + 1.2)
    figure = Figure(figsize=(8.0, height), dpi=100)
    axes = figure.add_subplot()
    names = [row["payer_id"] for row in rows]
    left = [0] * len(rows)
    for index, group in enumerate(groups):
        values = [row["counts"].get(group, 0) for row in rows]
        if not any(values):
            continue
        axes.barh(names, values, left=left, color=COLOURS[index % len(COLOURS)], label=labels.get(group, group))
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.invert_yaxis()
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("denied lines in the window", fontsize=8)
    axes.tick_params(labelsize=8)
    axes.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg_uri(figure)
