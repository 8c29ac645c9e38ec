"""gunicorn, embedded: `voting-service serve` needs no separate config file."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


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


def run(bind: str, workers: int, threads: int = 4) -> None:
    """``threads`` > 1: gunicorn's threaded worker, which keeps client connections alive
    (a cast then costs no new TCP connection, about a fifth of its server CPU) and overlaps
    one request's database round trips with another's checks; the proofs are checked by
    several worker processes, as the GIL lets one thread compute at a time."""
    options = {"bind": bind, "workers": workers, "accesslog": None,
               "graceful_timeout": 10, "timeout": 60}
    if threads > 1:
        options.update(worker_class="gthread", threads=threads, keepalive=5)
    _Server(options).run()
