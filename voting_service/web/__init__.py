"""Flask application factory: one blueprint per audience."""

from __future__ import annotations

import os
from datetime import timedelta

from flask import Flask

from ..config import load_settings
from ..store.db import make_engine, make_session_factory
from . import assets, errors, i18n, logs


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app from VOTING_* environment variables, overridden by `test_config`
    (same names, e.g. {"VOTING_MODE": "test", "VOTING_DATABASE_URL": ...})."""
    env = dict(os.environ)
    env.update(test_config or {})
    settings = load_settings(env)

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        SESSION_COOKIE_NAME="vs_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        TESTING=settings.mode == "test",
        JSON_SORT_KEYS=False,
    )
    if settings.trusted_proxies:
        # Behind the reverse proxy every request comes from 127.0.0.1: take the client
        # address (login rate limits) and scheme from the headers the proxies set.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies,
                                x_proto=settings.trusted_proxies)
    engine = make_engine(settings.database_url)
    app.extensions["voting"] = {
        "settings": settings,
        "engine": engine,
        "sessions": make_session_factory(engine),
    }
    logs.configure(app, settings.log_format)
    errors.register(app)
    i18n.register(app)
    assets.register(app)

    from . import admin, api, api_voters, public  # noqa: F401 (api_* add routes)
    from . import api_ballots, api_board, api_polling  # noqa: F401

    app.register_blueprint(public.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)

    @app.before_request
    def _refuse_nul_characters():
        # No database column can hold NUL, and no legitimate path or query carries one.
        from flask import abort, request

        if "\x00" in request.path or any("\x00" in key or "\x00" in value
                                         for key, value in request.args.items(multi=True)):
            abort(400)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
        )
        return response

    return app
