"""Server key files in VOTING_KEY_DIR, created on first use with owner-only permissions."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .errors import InvalidInput


def load_or_create(key_dir: Path, name: str, size: int = 32) -> bytes:
    path = Path(key_dir) / name
    if path.exists():
        if path.stat().st_mode & 0o077:
            raise InvalidInput(f"{path} is readable by others: chmod 600 it", "key_exposed")
        data = path.read_bytes()
        if len(data) != size:
            raise InvalidInput(f"{path} must hold exactly {size} bytes", "bad_key_file")
        return data
    Path(key_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
    data = secrets.token_bytes(size)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return load_or_create(key_dir, name, size)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return data


CHECKIN_KEY = "checkin-mac.key"
