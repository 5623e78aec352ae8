"""Spot colours for print: fills and strokes in a marker sRGB become a Separation.

WeasyPrint writes every CSS colour as DeviceRGB (``r g b rg`` / ``RG``). For the print
variant the finisher rewrites the content streams (pages and the form XObjects they use):
each colour operator whose value is an ink's marker becomes ``/SpotN cs 1 scn`` (``CS`` /
``SCN`` for strokes), and the page gets a ``[/Separation /Name /DeviceCMYK tint]`` colour
space whose tint transform maps 0..1 to white..the ink's CMYK alternate.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal

import pikepdf

from ..paths import TEMPLATES_DIR
from . import content
from .separation import separation

SPOTS_FILE = TEMPLATES_DIR / "common" / "spot-colours.toml"
TOLERANCE = 0.6 / 255  # WeasyPrint writes 6 decimals of value/255


@dataclass(frozen=True)
class SpotColour:
    key: str
    name: str
    marker: tuple[float, float, float]  # 0..1 sRGB
    cmyk: tuple[float, float, float, float]

    def matches(self, operands) -> bool:
        return len(operands) == 3 and all(
            abs(float(v) - m) <= TOLERANCE for v, m in zip(operands, self.marker, strict=True)
        )


def load_spots() -> tuple[SpotColour, ...]:
    with SPOTS_FILE.open("rb") as fh:
        table = tomllib.load(fh)
    spots = []
    for key, entry in table.items():
        hex_rgb = entry["marker"].lstrip("#")
        r, g, b = (int(hex_rgb[i : i + 2], 16) / 255 for i in (0, 2, 4))
        c, m, y, k = (float(v) for v in entry["cmyk"])
        spots.append(SpotColour(key, entry["name"], (r, g, b), (c, m, y, k)))
    return tuple(spots)


def apply_spots(pdf: pikepdf.Pdf, spots: tuple[SpotColour, ...]) -> int:
    """Turn every marker colour into its Separation; returns how many operators changed."""
    names = {spot.key: f"Spot{i}" for i, spot in enumerate(spots)}
    replaced = 0

    def to_spots(owner, instructions: list[content.Instruction]) -> list | None:
        nonlocal replaced
        out: list[content.Instruction] = []
        used: set[str] = set()
        for operands, operator in instructions:
            op = str(operator)
            spot = next((s for s in spots if op in ("rg", "RG") and s.matches(operands)), None)
            if spot is None:
                out.append((operands, operator))
                continue
            name = pikepdf.Name("/" + names[spot.key])
            stroke = op == "RG"
            out.append(([name], pikepdf.Operator("CS" if stroke else "cs")))
            out.append(([1], pikepdf.Operator("SCN" if stroke else "scn")))
            used.add(spot.key)
            replaced += 1
        resources = owner.get("/Resources")
        if resources is None:
            resources = owner.Resources = pikepdf.Dictionary()
        if not used:
            return None
        spaces = resources.get("/ColorSpace")
        if spaces is None:
            spaces = resources.ColorSpace = pikepdf.Dictionary()
        for key in used:
            spot = next(s for s in spots if s.key == key)
            spaces[pikepdf.Name("/" + names[key])] = separation(
                pdf,
                spot.name,
                pikepdf.Name.DeviceCMYK,
                [0, 0, 0, 0],
                [Decimal(str(c)) for c in spot.cmyk],
            )
        return out

    content.rewrite(pdf, to_spots)
    return replaced
