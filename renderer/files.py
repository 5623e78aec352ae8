"""Where a command writes what it made."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def write_output(output: str, content: bytes) -> None:
    """``-`` is standard output; a file is written under a temporary name, then renamed, so
    there is never a half-written file under the asked name."""
    if output == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    out = Path(output)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_bytes(content)
    tmp.replace(out)
