"""Draws the installable app's icons: an open book on the navigation bar's red, as SVG and as PNG (192 and
512 px, the sizes browsers ask for), with no drawing library. Run again after changing the drawing:

    .venv/bin/python -m lms.offline.icons
"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

from lms.config import ROOT

RED = (0x8A, 0x11, 0x11)
PAPER = (0xFF, 0xFF, 0xFF)
GOLD = (0xFF, 0xCC, 0x33)
# On a 100 x 100 canvas, inside the middle 80 % (the "safe zone" of a maskable icon).
LEFT_PAGE = [(18, 34), (48, 40), (48, 76), (18, 70)]
RIGHT_PAGE = [(52, 40), (82, 34), (82, 70), (52, 76)]
STAR = [(50, 12), (53.5, 22.2), (64.3, 22.4), (55.7, 28.9), (58.8, 39.3), (50, 33.1), (41.2, 39.3),
        (44.3, 28.9), (35.7, 22.4), (46.5, 22.2)]
SHAPES = ((LEFT_PAGE, PAPER), (RIGHT_PAGE, PAPER), (STAR, GOLD))


def _inside(x: float, y: float, polygon) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _pixel(px: int, py: int, size: int, samples: int = 3) -> tuple[int, int, int]:
    total = [0, 0, 0]
    for sy in range(samples):
        for sx in range(samples):
            x = (px + (sx + 0.5) / samples) * 100 / size
            y = (py + (sy + 0.5) / samples) * 100 / size
            color = RED
            for polygon, fill in SHAPES:
                if _inside(x, y, polygon):
                    color = fill
            for i in range(3):
                total[i] += color[i]
    return tuple(round(c / samples**2) for c in total)


def png(size: int) -> bytes:
    rows = b"".join(b"\x00" + bytes(c for x in range(size) for c in _pixel(x, y, size)) for y in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def svg() -> str:
    def points(polygon) -> str:
        return " ".join(f"{x:g},{y:g}" for x, y in polygon)

    hex_of = lambda rgb: "#{:02x}{:02x}{:02x}".format(*rgb)  # noqa: E731
    shapes = "".join(f'<polygon points="{points(p)}" fill="{hex_of(c)}"/>' for p, c in SHAPES)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
            f'<rect width="100" height="100" fill="{hex_of(RED)}"/>{shapes}</svg>\n')


def main() -> None:
    folder = ROOT / "static" / "icons"
    folder.mkdir(exist_ok=True)
    for size in (192, 512):
        Path(folder / f"icon-{size}.png").write_bytes(png(size))
    (folder / "icon.svg").write_text(svg(), encoding="utf-8")


if __name__ == "__main__":
    main()
