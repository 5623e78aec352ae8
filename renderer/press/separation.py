"""The one builder (and reader) of Separation colour spaces.

A Separation ``[/Separation /Name alternate tint]`` is one ink: where the device has no
plate for it, the tint transform (a type 2 function of the tint 0..1) gives the colour in
the alternate space. The press code makes three kinds: the registration colour ``All`` (crop
marks on every plate), the spot colours of the print variants (white to the ink's CMYK), and
the studio's plates (an ink shown as grey on white).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pikepdf


def separation(
    pdf: pikepdf.Pdf,
    name: str | pikepdf.Name,
    alternate: pikepdf.Name,
    no_ink: Sequence,
    full_ink: Sequence,
) -> pikepdf.Array:
    """The colour space of ink ``name``: tint 0 is ``no_ink`` and tint 1 ``full_ink`` in
    ``alternate`` (linear between them)."""
    tint = pikepdf.Dictionary(
        FunctionType=2, Domain=[0, 1], C0=list(no_ink), C1=list(full_ink), N=1
    )
    ink = name if isinstance(name, pikepdf.Name) else pikepdf.Name("/" + name)
    return pikepdf.Array([pikepdf.Name.Separation, ink, alternate, pdf.make_indirect(tint)])


def separation_name(space) -> str | None:
    """The ink of a Separation colour space (its name decoded), None for any other space."""
    if isinstance(space, pikepdf.Array) and len(space) == 4 and space[0] == "/Separation":
        return re.sub(r"#([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), str(space[1])[1:])
    return None
