"""Draw the Teams app icons: ``python -m tools.make_icons`` writes ``manifest/*.png``.

The symbol is a compass star in a ring (a *pejlemærke*, a bearing). Teams wants a 192×192
full-colour icon and a 32×32 outline icon that is white on a transparent background. The
shape is drawn as an alpha mask at 8× size and scaled down, so the edges are smooth and the
outline icon's visible pixels are all pure white. Needs Pillow (a dev dependency).
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

MANIFEST_DIR = Path(__file__).resolve().parent.parent / "manifest"
ACCENT = (15, 92, 110)  # #0F5C6E, also the manifest's accentColor
SUPERSAMPLE = 8


def star_mask(size: int, scale: float) -> Image.Image:
    """An ``L`` mask of the symbol, ``scale`` = the symbol's diameter relative to ``size``."""
    big = size * SUPERSAMPLE
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    centre = big / 2
    outer = big * scale / 2  # tip of the long points
    inner = outer * 0.26  # the waist between two points
    points = []
    for step in range(8):
        angle = math.pi / 2 + step * math.pi / 4
        radius = outer if step % 2 == 0 else inner
        points.append((centre + radius * math.cos(angle), centre - radius * math.sin(angle)))
    draw.polygon(points, fill=255)
    ring = outer * 0.62
    width = max(1, round(outer * 0.14))
    draw.ellipse(
        (centre - ring, centre - ring, centre + ring, centre + ring), outline=255, width=width
    )
    return mask.resize((size, size), Image.Resampling.LANCZOS)


def color_icon() -> Image.Image:
    """192×192: the white symbol on the accent colour, inside Teams' central safe area."""
    mask = star_mask(192, 0.66)
    icon = Image.new("RGBA", (192, 192), (*ACCENT, 255))
    icon.paste(Image.new("RGBA", (192, 192), (255, 255, 255, 255)), (0, 0), mask)
    return icon


def outline_icon() -> Image.Image:
    """32×32: the symbol in white; everything else fully transparent."""
    icon = Image.new("RGBA", (32, 32), (255, 255, 255, 0))
    icon.putalpha(star_mask(32, 0.94))
    return icon


def main() -> None:
    """Write ``manifest/color.png`` and ``manifest/outline.png``."""
    for name, image in (("color.png", color_icon()), ("outline.png", outline_icon())):
        path = MANIFEST_DIR / name
        image.save(path, format="PNG", optimize=True)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
