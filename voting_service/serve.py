"""gunicorn, embedded: `voting-service serve` needs no separate config file.

Everything a worker needs is checked here before the port is bound (settings, database,
key folder): a misconfigured service stops with one clear line and exit 2, instead of
announcing an address whose workers then crash.

The metrics of all workers are summed from files in one folder (web/metrics.py). The server
makes that folder itself, private (0700) and new at each start, before any worker imports
the app: files left by an earlier run would otherwise be added to this one's. gunicorn's
`child_exit` hook drops a dead worker's live gauges and `on_exit` removes the folder.
deploy/gunicorn.conf.py installs the same hooks for a gunicorn started by systemd.
"""

from __future__ import annotations

import os
import shutil
import tempfile

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


METRICS_ENV = "PROMETHEUS_MULTIPROC_DIR"   # the name prometheus-client reads
_folder: str | None = None


def metrics_folder() -> str:
    """This server's metrics folder, made on the first call. gunicorn reads its config file
    again on SIGHUP: the module stays loaded, so the folder stays the same."""
    global _folder
    if _folder is None or not os.path.isdir(_folder):
        _folder = tempfile.mkdtemp(prefix="voting-metrics-")
    os.environ[METRICS_ENV] = _folder   # inherited by the workers gunicorn forks
    return _folder


def child_exit(server, worker) -> None:
    """gunicorn hook (master): a worker ended, by its own exit or a kill -9."""
    from prometheus_client import multiprocess

    if _folder is not None:
        multiprocess.mark_process_dead(worker.pid, _folder)


def on_exit(server) -> None:
    """gunicorn hook (master): the server stops; its metrics go with it."""
    global _folder
    if _folder is not None:
        shutil.rmtree(_folder, ignore_errors=True)
        _folder = None


class _Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:
            # gunicorn ≥ 25 opens a control socket at one path per user (~/.gunicorn): two
            # servers of one user would fight over it, and nothing here uses it.
            self.cfg.set("control_socket_disable", True)

    def load(self):
        from .web import create_app

        return create_app()


def run(bind: str, workers: int, threads: int = 4, banner: str = "") -> None:
    """``threads`` > 1: gunicorn's threaded worker, which keeps client connections alive
    (a cast then costs no new TCP connection, about a fifth of its server CPU) and overlaps
    one request's database round trips with another's checks; the proofs are checked by
    several worker processes, as the GIL lets one thread compute at a time. Either worker
    is the JSON-errors subclass of web/gunicorn_workers.py."""
    metrics_folder()   # first: before anything imports prometheus-client
    from .web.logs import gunicorn_logconfig

    def announce(worker):
        # Printed once, by the last of the first workers when it is ready: the address
        # (and `make run`'s demo logins) come last, after gunicorn's own start-up lines.
        if banner and worker.age == workers:
            print(banner, flush=True)

    options = {"bind": bind, "workers": workers, "accesslog": None,
               "graceful_timeout": 10, "timeout": 60,
               "logconfig_dict": gunicorn_logconfig(config.load_settings().log_format),
               "child_exit": child_exit, "on_exit": on_exit,
               "worker_class": "voting_service.web.gunicorn_workers.SyncWorker",
               "post_worker_init": announce, **GUNICORN_LIMITS}
    if threads > 1:
        options.update(worker_class="voting_service.web.gunicorn_workers.ThreadWorker",
                       threads=threads, keepalive=5)
    _Server(options).run()
