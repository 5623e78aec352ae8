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
            abs(float(v) - m) <= TOLERANCE for v, m in zip(operands, self.marker)
        )


def load_spots() -> tuple[SpotColour, ...]:
    with SPOTS_FILE.open("rb") as fh:
        table = tomllib.load(fh)
    spots = []
    for key, entry in table.items():
        hex_rgb = entry["marker"].lstrip("#")
        rgb = tuple(int(hex_rgb[i : i + 2], 16) / 255 for i in (0, 2, 4))
        spots.append(SpotColour(key, entry["name"], rgb, tuple(float(c) for c in entry["cmyk"])))
    return tuple(spots)


def _colour_space(pdf: pikepdf.Pdf, spot: SpotColour) -> pikepdf.Array:
    tint = pikepdf.Dictionary(
        FunctionType=2,
        Domain=[0, 1],
        C0=[0, 0, 0, 0],
        C1=[Decimal(str(c)) for c in spot.cmyk],
        N=1,
    )
    return pikepdf.Array(
        [
            pikepdf.Name.Separation,
            pikepdf.Name("/" + spot.name),
            pikepdf.Name.DeviceCMYK,
            pdf.make_indirect(tint),
        ]
    )


def _rewrite(pdf: pikepdf.Pdf, owner, spots, names, done: set) -> int:
    """Rewrite one content stream owner (page or form XObject); returns replacements."""
    if owner.objgen in done and owner.objgen != (0, 0):
        return 0
    done.add(owner.objgen)
    replaced = 0
    instructions = []
    used = set()
    for operands, operator in pikepdf.parse_content_stream(owner):
        op = str(operator)
        spot = next((s for s in spots if op in ("rg", "RG") and s.matches(operands)), None)
        if spot is None:
            instructions.append((operands, operator))
            continue
        name = pikepdf.Name("/" + names[spot.key])
        stroke = op == "RG"
        instructions.append(([name], pikepdf.Operator("CS" if stroke else "cs")))
        instructions.append(([1], pikepdf.Operator("SCN" if stroke else "scn")))
        used.add(spot.key)
        replaced += 1
    resources = owner.get("/Resources")
    if resources is None:
        resources = owner.Resources = pikepdf.Dictionary()
    if used:
        owner_stream = owner if isinstance(owner, pikepdf.Stream) else None
        data = pikepdf.unparse_content_stream(instructions)
        if owner_stream is not None:
            owner_stream.write(data)
        else:
            owner.Contents = pdf.make_stream(data)
        spaces = resources.get("/ColorSpace")
        if spaces is None:
            spaces = resources.ColorSpace = pikepdf.Dictionary()
        for key in used:
            spot = next(s for s in spots if s.key == key)
            spaces[pikepdf.Name("/" + names[key])] = _colour_space(pdf, spot)
    for xobject in (resources.get("/XObject") or {}).values():
        if xobject.get("/Subtype") == "/Form":
            replaced += _rewrite(pdf, xobject, spots, names, done)
    return replaced


def apply_spots(pdf: pikepdf.Pdf, spots: tuple[SpotColour, ...]) -> int:
    """Turn every marker colour into its Separation; returns how many operators changed."""
    names = {spot.key: f"Spot{i}" for i, spot in enumerate(spots)}
    done: set = set()
    return sum(_rewrite(pdf, page.obj, spots, names, done) for page in pdf.pages)
