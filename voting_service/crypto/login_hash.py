"""The slow hash the server keeps of a voter's login token: argon2id (t=2, m=19 MiB, p=1),
computed by libsodium through PyNaCl, in the standard encoded form.

It lives with the crypto rather than with login because whoever draws the codes computes it:
the server on the one-machine path, the credential authority (which has no database) on the
other; the server then only verifies.
"""

from __future__ import annotations

import re

import nacl.pwhash

OPSLIMIT = 2                   # argon2id t
MEMLIMIT = 19 * 1024 * 1024    # argon2id m, bytes (p is 1 in libsodium)

# The encoded form with exactly these parameters: an imported hash with cheaper parameters
# would make a stolen database faster to search.
_ENCODED = re.compile(r"\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}")


def hash_login_token(token: bytes) -> str:
    return nacl.pwhash.argon2id.str(token, opslimit=OPSLIMIT, memlimit=MEMLIMIT).decode("ascii")


def is_login_hash(text: object) -> bool:
    """Whether `text` is an argon2id hash in the form and with the parameters above."""
    return isinstance(text, str) and _ENCODED.fullmatch(text) is not None
