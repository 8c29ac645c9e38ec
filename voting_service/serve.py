"""gunicorn, embedded: `voting-service serve` needs no separate config file.

Everything a worker needs is checked here before the port is bound (settings, database,
key folder): a misconfigured service stops with one clear line and exit 2, instead of
announcing an address whose workers then crash.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from . import config
from .web.request_limits import GUNICORN_LIMITS


def check_ready() -> config.Settings:
    """Raise ConfigError naming what is missing or wrong."""
    where = config.paths()
    config.require_database(where)
    config.require_key_dir(where)
    settings = config.load_settings()
    from sqlalchemy import inspect

    from .store.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
    except Exception as error:  # noqa: BLE001 (any driver error: the database is unusable)
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0][:300]
        raise config.ConfigError(f"cannot use the database ({reason}); check "
                                 "VOTING_DATABASE_URL") from None
    finally:
        engine.dispose()
    if "alembic_version" not in tables:
        raise config.ConfigError("the database has no schema: run `voting-service init-db`")
    return settings


class _Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from .web import create_app

        return create_app()


def run(bind: str, workers: int, threads: int = 4, banner: str = "") -> None:
    """``threads`` > 1: gunicorn's threaded worker, which keeps client connections alive
    (a cast then costs no new TCP connection, about a fifth of its server CPU) and overlaps
    one request's database round trips with another's checks; the proofs are checked by
    several worker processes, as the GIL lets one thread compute at a time. Either worker
    is the JSON-errors subclass of web/gunicorn_workers.py."""

    def announce(worker):
        # Printed once, by the last of the first workers when it is ready: the address
        # (and `make run`'s demo logins) come last, after gunicorn's own start-up lines.
        if banner and worker.age == workers:
            print(banner, flush=True)

    options = {"bind": bind, "workers": workers, "accesslog": None,
               "graceful_timeout": 10, "timeout": 60,
               "worker_class": "voting_service.web.gunicorn_workers.SyncWorker",
               "post_worker_init": announce, **GUNICORN_LIMITS}
    if threads > 1:
        options.update(worker_class="voting_service.web.gunicorn_workers.ThreadWorker",
                       threads=threads, keepalive=5)
    _Server(options).run()
