"""Configuration: one prefix, safe defaults, production refuses to start without a key."""

import pytest

from voting_service.config import ConfigError, load_settings


def test_production_requires_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="VOTING_SECRET_KEY"):
        load_settings({"VOTING_INSTANCE_DIR": str(tmp_path)})


def test_short_secret_key_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="32"):
        load_settings({"VOTING_SECRET_KEY": "short", "VOTING_INSTANCE_DIR": str(tmp_path)})


def test_development_mode_keeps_a_generated_key(tmp_path):
    env = {"VOTING_MODE": "development", "VOTING_INSTANCE_DIR": str(tmp_path)}
    first = load_settings(env)
    assert len(first.secret_key) >= 32
    assert load_settings(env).secret_key == first.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_defaults_and_overrides(tmp_path):
    settings = load_settings({"VOTING_MODE": "test", "VOTING_SECRET_KEY": "k" * 40,
                              "VOTING_INSTANCE_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'voting.db'}"
    assert settings.log_format == "text" and str(settings.key_dir) == "keys"
    other = load_settings({"VOTING_SECRET_KEY": "k" * 40, "VOTING_DATABASE_URL": "sqlite://",
                           "VOTING_KEY_DIR": "/srv/keys", "VOTING_LOG_FORMAT": "json"})
    assert other.production and other.database_url == "sqlite://"
    assert str(other.key_dir) == "/srv/keys"


@pytest.mark.parametrize("env", [{"VOTING_MODE": "staging"}, {"VOTING_LOG_FORMAT": "xml"}])
def test_bad_values_are_named(env):
    env = {"VOTING_SECRET_KEY": "k" * 40, **env}
    with pytest.raises(ConfigError):
        load_settings(env)


def test_app_refuses_to_start_in_production_without_key(tmp_path, monkeypatch):
    from voting_service.web import create_app

    monkeypatch.delenv("VOTING_SECRET_KEY", raising=False)
    monkeypatch.delenv("VOTING_MODE", raising=False)
    with pytest.raises(ConfigError):
        create_app({"VOTING_INSTANCE_DIR": str(tmp_path)})


def test_trusted_proxies_give_the_client_address(tmp_path):
    from flask import request

    from voting_service.web import create_app

    app = create_app({"VOTING_MODE": "test", "VOTING_SECRET_KEY": "k" * 40,
                      "VOTING_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
                      "VOTING_TRUSTED_PROXIES": "1"})
    seen = {}

    @app.get("/whoami-test")
    def _whoami():
        seen["addr"] = request.remote_addr
        return ""

    app.test_client().get("/whoami-test", headers={"X-Forwarded-For": "203.0.113.7"},
                          environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert seen["addr"] == "203.0.113.7"
    with pytest.raises(ConfigError):
        load_settings({"VOTING_SECRET_KEY": "k" * 40, "VOTING_TRUSTED_PROXIES": "many"})


def test_the_public_url_has_no_default_in_production():
    from voting_service.config import DEVELOPMENT_PUBLIC_URL, public_url

    with pytest.raises(ConfigError, match="VOTING_PUBLIC_URL is required"):
        public_url(env={})
    with pytest.raises(ConfigError, match="VOTING_PUBLIC_URL is required"):
        public_url(env={"VOTING_MODE": "production", "VOTING_PUBLIC_URL": ""})
    assert public_url(env={"VOTING_MODE": "development"}) == DEVELOPMENT_PUBLIC_URL
    assert public_url(env={"VOTING_PUBLIC_URL": "https://vote.lyon.fr/"}) == \
        "https://vote.lyon.fr/"
    assert public_url("https://bp.lyon.fr", env={}) == "https://bp.lyon.fr"
    for bad in ("vote.lyon.fr", "javascript:alert(1)", "https://", "https://a b.fr/"):
        with pytest.raises(ConfigError, match="http"):
            public_url(bad, env={})
