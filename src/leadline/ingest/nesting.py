"""How deeply a JSON text nests, measured without parsing it.

``json.loads`` recurses once per bracket, so a few kilobytes of ``[[[[...`` raise RecursionError
(a traceback that lost a whole file, or a 500 for a webhook). Measuring the depth first lets the
caller refuse only that value, with a reason, before anything recurses.
"""

from __future__ import annotations

import re
from itertools import accumulate

# A JSON string (escapes included): brackets inside strings do not nest.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = [0] * 256
for _open in b"[{":
    _STEP[_open] = 1
for _close in b"]}":
    _STEP[_close] = -1


def json_depth(data: bytes | str) -> int:
    """The deepest bracket nesting of a JSON text (0 for a scalar); for invalid JSON an
    approximation that the parser will refuse anyway."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def too_deep(data: bytes | str, max_depth: int) -> str | None:
    """Why the text is refused for nesting past ``max_depth``, or None when it is within it."""
    depth = json_depth(data)
    if depth > max_depth:
        return f"nests {depth} levels deep, more than ingest.max_nesting_depth ({max_depth})"
    return None
