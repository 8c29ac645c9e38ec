"""Configuration from environment variables with the VOTING_ prefix.

Every setting has one name, one default and one place where it is read, so operators can
see the whole surface here. Production mode refuses to start without a secret key.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

MODES = ("production", "development", "test")
DEVELOPMENT_PUBLIC_URL = "http://127.0.0.1:8000/"


class ConfigError(RuntimeError):
    """The environment does not describe a runnable service."""


@dataclass(frozen=True)
class Settings:
    mode: str
    instance_dir: Path
    database_url: str
    secret_key: str
    key_dir: Path
    log_format: str
    max_body_bytes: int = 1024 * 1024
    session_hours: int = 8
    trusted_proxies: int = 0
    # Bearer token of GET /metrics; empty: the endpoint answers 404 (web/metrics.py).
    metrics_token: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.mode == "production"


def default_database_url(instance_dir: Path) -> str:
    return f"sqlite:///{(instance_dir / 'voting.db').resolve()}"


@dataclass(frozen=True)
class Paths:
    """Where the service's state lives: what a command needs, without the secret key."""

    instance_dir: Path
    database_url: str
    key_dir: Path
    key_dir_configured: bool = False   # VOTING_KEY_DIR given, rather than ./keys

    @property
    def database_file(self) -> Path | None:
        """The SQLite file the URL names (None for a server database or memory)."""
        if not self.database_url.startswith("sqlite:///"):
            return None
        name = self.database_url[len("sqlite:///"):].split("?", 1)[0]
        return None if name in ("", ":memory:") else Path(name)


def paths(env: dict[str, str] | None = None) -> Paths:
    env = dict(os.environ if env is None else env)
    instance_dir = Path(env.get("VOTING_INSTANCE_DIR", "instance"))
    return Paths(instance_dir=instance_dir,
                 database_url=env.get("VOTING_DATABASE_URL") or default_database_url(instance_dir),
                 key_dir=Path(env.get("VOTING_KEY_DIR") or "keys"),
                 key_dir_configured=bool(env.get("VOTING_KEY_DIR")))


def require_database(where: Paths) -> None:
    """An existing SQLite file, or a clear error: connecting would create an empty one (in
    whatever folder the command happens to run) and fail later on a missing table."""
    path = where.database_file
    if path is not None and not path.is_file():
        raise ConfigError(
            f"no database at {path.resolve()}: set VOTING_DATABASE_URL (or VOTING_INSTANCE_DIR) "
            "as the service is configured, or create one with `voting-service init-db`")


def require_key_dir(where: Paths) -> None:
    """The key folder: a configured one (VOTING_KEY_DIR) is created, owner only, if it does
    not exist yet; the default ./keys must exist, or a command run in the wrong folder
    would make keys there that nobody knows of."""
    if where.key_dir.is_dir():
        return
    if where.key_dir_configured:
        where.key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return
    raise ConfigError(
        f"no key folder at {where.key_dir.resolve()}: set VOTING_KEY_DIR as the service is "
        "configured (`voting-service init-db` creates it for a new installation)")


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read settings from `env` (default: the process environment)."""
    env = dict(os.environ if env is None else env)
    mode = _mode(env)
    where = paths(env)
    instance_dir = where.instance_dir
    database_url = where.database_url
    log_format = env.get("VOTING_LOG_FORMAT", "json" if mode == "production" else "text")
    if log_format not in ("json", "text"):
        raise ConfigError("VOTING_LOG_FORMAT must be 'json' or 'text'")
    secret_key = env.get("VOTING_SECRET_KEY", "")
    if not secret_key:
        if mode == "production":
            raise ConfigError(
                "VOTING_SECRET_KEY is required in production mode "
                "(set VOTING_MODE=development for a local demo)"
            )
        secret_key = _development_secret(instance_dir)
    elif len(secret_key) < 32:
        raise ConfigError("VOTING_SECRET_KEY must be at least 32 characters long")
    return Settings(
        mode=mode,
        instance_dir=instance_dir,
        database_url=database_url,
        secret_key=secret_key,
        key_dir=where.key_dir,
        log_format=log_format,
        max_body_bytes=_number(env, "VOTING_MAX_BODY_BYTES", 1024 * 1024, 1024, 1 << 30),
        session_hours=_number(env, "VOTING_SESSION_HOURS", 8, 1, 24 * 30),
        trusted_proxies=_proxies(env.get("VOTING_TRUSTED_PROXIES", "0")),
        metrics_token=_metrics_token(env.get("VOTING_METRICS_TOKEN", "")),
    )


def mode(env: dict[str, str] | None = None) -> str:
    return _mode(dict(os.environ if env is None else env))


def _mode(env: dict[str, str]) -> str:
    mode = env.get("VOTING_MODE", "production")
    if mode not in MODES:
        raise ConfigError(f"VOTING_MODE must be one of {', '.join(MODES)} (got {mode!r})")
    return mode


def public_url(given: str | None = None, env: dict[str, str] | None = None) -> str:
    """The voting address printed on invitation letters: `given` (a command's option), else
    VOTING_PUBLIC_URL. Production has no default: the development address would otherwise be
    printed on every letter of the city, and letters cannot be recalled."""
    env = dict(os.environ if env is None else env)
    url = given or env.get("VOTING_PUBLIC_URL", "")
    if not url:
        if _mode(env) == "production":
            raise ConfigError("VOTING_PUBLIC_URL is required in production mode: it is the "
                              "voting address printed on every invitation letter (e.g. "
                              "https://vote.example.fr/); or pass --online-url")
        return DEVELOPMENT_PUBLIC_URL
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or not url.isprintable() \
            or " " in url:
        raise ConfigError(f"the public URL must be an http(s) address, got {url[:100]!r}")
    return url


def _number(env: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    text = env.get(name, str(default)).strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high} (got {text!r})")
    return int(text)


def _proxies(text: str) -> int:
    if not text.isdigit() or int(text) > 5:
        raise ConfigError("VOTING_TRUSTED_PROXIES must be a number of proxies from 0 to 5")
    return int(text)


def _metrics_token(text: str) -> str:
    # Scrapers send it on every request, so it must be printable ASCII without spaces; and
    # long enough that guessing it is hopeless (the endpoint is not rate-limited).
    if text and (len(text) < 32 or len(text) > 256 or not text.isascii() or
                 not text.isprintable() or " " in text):
        raise ConfigError("VOTING_METRICS_TOKEN must be 32 to 256 printable ASCII characters "
                          "without spaces (e.g. `python3 -c 'import secrets; "
                          "print(secrets.token_urlsafe(32))'`)")
    return text


def _development_secret(instance_dir: Path) -> str:
    """A random key kept in the instance folder, so dev sessions survive a restart."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
