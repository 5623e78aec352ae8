"""The one content-stream walker: parse, visit or rewrite, unparse (pikepdf).

A page and each form XObject it draws (``/Resources /XObject``, recursively) own a content
stream. ``owners`` gives each of them once, a page before the forms it uses, and refuses
forms nested deeper than ``MAX_FORM_DEPTH`` (our renders nest two or three deep; a deeper
chain is a malformed file, not a drawing). ``rewrite`` parses each owner's stream, lets an
edit return new instructions, and writes them back; ``drawn`` follows a page in drawing
order, entering a form where a ``Do`` draws it, bracketed by ``q``/``Q`` as PDF defines a
form's painting, so a visitor tracking the graphics state sees what applies where.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import pikepdf

MAX_FORM_DEPTH = 16  # form XObjects inside form XObjects

Instruction = tuple[Any, pikepdf.Operator]  # (operands: a sequence of objects, operator)
Edit = Callable[[pikepdf.Object, list[Instruction]], list[Instruction] | None]


class ContentDepthError(ValueError):
    """Form XObjects nested deeper than ``MAX_FORM_DEPTH``."""


def parse(owner: pikepdf.Object) -> list[Instruction]:
    """The (operands, operator) instructions of a page's or a form's content stream."""
    return [(i.operands, i.operator) for i in pikepdf.parse_content_stream(owner)]


def write(pdf: pikepdf.Pdf, owner: pikepdf.Object, instructions: list[Instruction]) -> None:
    """Replace the owner's content stream (a page's ``/Contents``, a form's own data)."""
    data = pikepdf.unparse_content_stream(instructions)
    if isinstance(owner, pikepdf.Stream):
        owner.write(data)
    else:
        owner.Contents = pdf.make_stream(data)


def forms(owner: pikepdf.Object, resources: pikepdf.Object | None = None) -> dict[str, Any]:
    """The form XObjects of the owner's resources (or ``resources``), by resource name."""
    if resources is None:
        resources = owner.get("/Resources")
    xobjects = resources.get("/XObject") if resources is not None else None
    return {
        str(name): xobject
        for name, xobject in (xobjects or {}).items()
        if xobject.get("/Subtype") == "/Form"
    }


def owners(pdf: pikepdf.Pdf, patterns: bool = False) -> Iterator[pikepdf.Object]:
    """Every page, then depth first each form XObject it uses (with ``patterns``, also its
    tiling patterns), each object once."""
    seen: set[tuple[int, int]] = set()

    def visit(owner: pikepdf.Object, depth: int) -> Iterator[pikepdf.Object]:
        if depth > MAX_FORM_DEPTH:
            raise ContentDepthError(f"form XObjects nested deeper than {MAX_FORM_DEPTH}")
        if owner.objgen != (0, 0):
            if owner.objgen in seen:
                return
            seen.add(owner.objgen)
        yield owner  # the caller may change it before its forms are read
        children = list(forms(owner).values())
        resources = owner.get("/Resources")
        if patterns and resources is not None:
            children += [
                p
                for p in (resources.get("/Pattern") or {}).values()
                if isinstance(p, pikepdf.Stream)
            ]
        for child in children:
            yield from visit(child, depth + 1)

    for page in pdf.pages:
        yield from visit(page.obj, 0)


def rewrite(pdf: pikepdf.Pdf, edit: Edit) -> None:
    """``edit(owner, instructions)`` for every owner; where it returns instructions, they
    replace the owner's content (``None``: left as it is, not re-encoded)."""
    for owner in owners(pdf):
        changed = edit(owner, parse(owner))
        if changed is not None:
            write(pdf, owner, changed)


class Drawn(NamedTuple):
    """One instruction as drawn: with the resources it is read against and the form depth."""

    operands: Sequence[Any]
    operator: str
    resources: pikepdf.Object
    depth: int


def drawn(page: pikepdf.Object) -> Iterator[Drawn]:
    """The page's instructions in drawing order, each form's inside where a ``Do`` draws it
    (between a ``q`` and a ``Q``, after the ``Do``); a form without resources of its own
    reads its parent's."""

    def walk(owner: pikepdf.Object, resources: pikepdf.Object, depth: int) -> Iterator[Drawn]:
        if depth > MAX_FORM_DEPTH:
            raise ContentDepthError(f"form XObjects nested deeper than {MAX_FORM_DEPTH}")
        named = forms(owner, resources)
        for operands, operator in parse(owner):
            op = str(operator)
            yield Drawn(operands, op, resources, depth)
            if op == "Do" and str(operands[0]) in named:
                form = named[str(operands[0])]
                yield Drawn([], "q", resources, depth)
                yield from walk(form, form.get("/Resources", resources), depth + 1)
                yield Drawn([], "Q", resources, depth)

    yield from walk(page, page.get("/Resources", pikepdf.Dictionary()), 0)
