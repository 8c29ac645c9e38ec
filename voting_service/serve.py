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


def run(bind: str, workers: int) -> None:
    _Server({"bind": bind, "workers": workers, "accesslog": None,
             "graceful_timeout": 10, "timeout": 60}).run()
