"""Hedged nonces: fresh randomness mixed with the secret and the statement (protocol.md §6.6).

A Σ-protocol response is s = k + c·x. Two proofs with the same nonce k and the same secret
x give x away: x = (s_1 − s_2)/(c_1 − c_2). Drawing k from the RNG alone trusts the RNG
never to repeat, and a restored VM or kiosk snapshot, or a weak browser source, repeats
it. A purely deterministic nonce (k from x and the message, as in RFC 6979) removes that
trust but gives up the randomness that protects against fault and side-channel attacks
on a fixed computation. A hedged nonce keeps both: every prover reads its random values
from the stream

    N      = T("nonce")[bytes random = 64 fresh bytes from the RNG,
                        scalars secret = the prover's witnesses,
                        bytes statement = output(S, "nonce", 0)]
    stream = output(N, "nonce", 0) ‖ output(N, "nonce", 1) ‖ …

where S is the proof's own challenge transcript holding the whole statement (before any
commitment). A repeated RNG output then still gives independent nonces for any other
statement or secret, and a good RNG makes the nonces uniform whatever the rest is.
The stream is an ``Rng``, so the usual draws (``Scalar.random_nonzero``, Fisher–Yates)
read from it unchanged.
"""

from __future__ import annotations

from typing import Sequence

from .group import Rng, Scalar, system_rng
from .transcript import Transcript

#: Fresh random bytes drawn from the caller's RNG for each hedged stream.
RANDOM_BYTES = 64


class NonceStream:
    """Callable n -> bytes reading output(N, "nonce", 0) ‖ output(N, "nonce", 1) ‖ …"""

    __slots__ = ("_transcript", "_index", "_buffer")

    def __init__(self, transcript: Transcript):
        self._transcript = transcript
        self._index = 0
        self._buffer = b""

    def __call__(self, n: int) -> bytes:
        while len(self._buffer) < n:
            self._buffer += self._transcript.output("nonce", self._index)
            self._index += 1
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out


def hedged(rng: Rng | None, statement: Transcript, secrets: Sequence[Scalar]) -> NonceStream:
    """The prover's random stream for ``statement`` (its challenge transcript before the
    commitments, left unchanged) and its witnesses ``secrets``."""
    random = (rng or system_rng)(RANDOM_BYTES)
    n = Transcript("nonce").bytes("random", random).scalars("secret", secrets)
    return NonceStream(n.bytes("statement", statement.output("nonce")))
