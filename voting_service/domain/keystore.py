"""Server key files in VOTING_KEY_DIR, readable by their owner only.

`load_or_create` is for the operator commands that issue keys (freezing an election creates
the record signing key); the web application only `load`s, so a worker pointed at the wrong
folder refuses to sign instead of silently minting a key nobody knows.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from .errors import Conflict, InvalidInput

log = logging.getLogger("voting_service")


class KeyUnavailable(Conflict):
    code = "key_unavailable"


def _read(path: Path, size: int) -> bytes:
    if path.stat().st_mode & 0o077:
        raise InvalidInput(f"{path} is readable by others: chmod 600 it", "key_exposed")
    data = path.read_bytes()
    if len(data) != size:
        raise InvalidInput(f"{path} must hold exactly {size} bytes", "bad_key_file")
    return data


def load(key_dir: Path, name: str, size: int = 32) -> bytes:
    """An existing key; the error shown to clients names no path (the log has it)."""
    path = Path(key_dir) / name
    try:
        return _read(path, size)
    except (OSError, InvalidInput) as error:
        log.error("key %s unusable: %s", name, getattr(error, "message", error))
        raise KeyUnavailable(f"the server's {name} key is not available: ask the IT "
                             "direction to check the key folder")


def load_or_create(key_dir: Path, name: str, size: int = 32) -> bytes:
    path = Path(key_dir) / name
    if path.exists():
        return _read(path, size)
    Path(key_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
    data = secrets.token_bytes(size)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return _read(path, size)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return data
