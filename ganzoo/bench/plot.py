"""Loss-curve charts drawn with PIL (no plotting library needed), written as PNG."""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ganzoo.base.atomic import write_atomically

Series = list[tuple[float, float]]  # (step, value) points

COLORS = {"loss_d": (31, 119, 180), "loss_g": (255, 127, 14)}
_FALLBACK = [(44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75)]
WIDTH, HEIGHT = 480, 270
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 26, 34


def _label(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000 or abs(value) < 0.01:
        return f"{value:.1e}"
    return f"{value:.3g}"


def _range(values: list[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    if math.isclose(low, high):
        pad = abs(low) * 0.1 or 1.0
        return low - pad, high + pad
    pad = (high - low) * 0.05
    return low - pad, high + pad


def loss_chart(curves: dict[str, list[Series]], title: str, path: Path) -> None:
    """Draw every series of every named curve (one colour per name, one line per seed) to ``path``.

    ``curves`` maps a name such as ``loss_d`` to a list of series, e.g. one per seed.
    """
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    points = [p for series_list in curves.values() for series in series_list for p in series if math.isfinite(p[1])]
    draw.text((LEFT, 6), title, fill="black", font=font)
    x0, y0, x1, y1 = LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM
    draw.rectangle((x0, y0, x1, y1), outline=(120, 120, 120))
    if points:
        xlo, xhi = min(p[0] for p in points), max(p[0] for p in points)
        xhi = xhi if xhi > xlo else xlo + 1
        ylo, yhi = _range([p[1] for p in points])

        def at(step: float, value: float) -> tuple[float, float]:
            return x0 + (step - xlo) / (xhi - xlo) * (x1 - x0), y1 - (value - ylo) / (yhi - ylo) * (y1 - y0)

        for fraction in (0.0, 0.5, 1.0):
            value = ylo + fraction * (yhi - ylo)
            _, y = at(xlo, value)
            draw.line((x0 - 3, y, x0, y), fill="black")
            draw.text((4, y - 6), _label(value), fill="black", font=font)
            step = xlo + fraction * (xhi - xlo)
            x, _ = at(step, ylo)
            draw.line((x, y1, x, y1 + 3), fill="black")
            draw.text((x - 10 if fraction else x, y1 + 6), f"{step:.0f}", fill="black", font=font)
        draw.text(((x0 + x1) // 2 - 12, HEIGHT - 14), "step", fill="black", font=font)
        for index, (name, series_list) in enumerate(curves.items()):
            color = COLORS.get(name, _FALLBACK[index % len(_FALLBACK)])
            for series in series_list:
                finite = [at(s, v) for s, v in series if math.isfinite(v)]
                if len(finite) > 1:
                    draw.line(finite, fill=color, width=1)
                elif finite:
                    draw.point(finite, fill=color)
            legend_x = x1 - 70 * (len(curves) - index)
            draw.line((legend_x, 13, legend_x + 14, 13), fill=color, width=3)
            draw.text((legend_x + 18, 6), name, fill="black", font=font)
    else:
        draw.text((x0 + 10, (y0 + y1) // 2), "no loss records", fill="black", font=font)
    write_atomically(Path(path), lambda tmp: image.save(tmp, format="PNG"))
