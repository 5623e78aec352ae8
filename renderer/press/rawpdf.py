"""A PDF written as bytes, for output too large to build object by object in a PDF library
(the envelope imprint: thousands of pages a file).

Objects are named (``"catalog"``, ``("page", 3)``, ``"font.descriptor"``) and numbered in the
order they are first named, by a reference or ``number``; a reference is written by name,
so no writer has to know another's object numbers. The file identifier is a hash of the
file's body, so the same objects give the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


class RawPdf:
    def __init__(self) -> None:
        self._numbers: dict[Hashable, int] = {}
        self._bodies: dict[int, bytes] = {}

    def number(self, name: Hashable) -> int:
        """The object number of ``name``, given now if it has none."""
        number = self._numbers.get(name)
        if number is None:
            number = self._numbers[name] = len(self._numbers) + 1
        return number

    def ref(self, name: Hashable) -> bytes:
        return b"%d 0 R" % self.number(name)

    def put(self, name: Hashable, body: bytes) -> None:
        """The object ``name`` is ``body`` (a dictionary, array, … in PDF syntax)."""
        number = self.number(name)
        if number in self._bodies:
            raise ValueError(f"object {name!r} written twice")
        self._bodies[number] = body

    def put_stream(self, name: Hashable, deflated: bytes, entries: bytes = b"") -> None:
        """A stream object of Flate-compressed data, with ``entries`` in its dictionary."""
        self.put(
            name,
            b"<< /Length %d /Filter /FlateDecode %s>>\nstream\n%s\nendstream"
            % (len(deflated), entries + b" " if entries else b"", deflated),
        )

    def write(self, root: Hashable, info: Hashable) -> bytes:
        """The file: every object named, in number order, the cross-reference table and the
        trailer (``root`` the catalog, ``info`` the document information)."""
        count = len(self._numbers)
        unwritten = [name for name, n in self._numbers.items() if n not in self._bodies]
        if unwritten:
            raise ValueError(f"objects referred to but not written: {unwritten[:5]!r}")
        out = bytearray(HEADER)
        offsets = []
        for number in range(1, count + 1):
            offsets.append(len(out))
            out += b"%d 0 obj\n%s\nendobj\n" % (number, self._bodies[number])
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (count + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        digest = hashlib.md5(bytes(out[:xref])).hexdigest().encode("ascii")
        out += (
            b"trailer\n<< /Size %d /Root %s /Info %s /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
            % (
                count + 1,
                self.ref(root),
                self.ref(info),
                digest,
                digest,
                xref,
            )
        )
        return bytes(out)
