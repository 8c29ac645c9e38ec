"""A deterministic randomness source for tests and test vectors. Never for production.

``SeededRng(seed)`` returns the stream SHA-512(seed || counter) for counter = 0, 1, 2, …
(counter as 8 bytes big-endian), read in order. Production code uses
``group.system_rng`` (the OS CSPRNG) whenever no ``rng`` is given.
"""

from __future__ import annotations

import hashlib
import struct


class SeededRng:
    """Callable n -> bytes, reproducible from its seed (docs/protocol.md, appendix)."""

    def __init__(self, seed: bytes):
        self._seed = bytes(seed)
        self._counter = 0
        self._buffer = b""

    def __call__(self, n: int) -> bytes:
        while len(self._buffer) < n:
            block = hashlib.sha512(self._seed + struct.pack(">Q", self._counter)).digest()
            self._counter += 1
            self._buffer += block
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out
