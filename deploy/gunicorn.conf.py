# gunicorn settings for production (deploy/voting-service.service starts it):
#   gunicorn -c deploy/gunicorn.conf.py 'voting_service.web:create_app()'
# `voting-service serve` embeds the same hooks (voting_service/serve.py).
from voting_service.serve import child_exit, metrics_folder, on_exit  # noqa: F401 (hooks)

# First, before any worker imports the app: a private folder for the workers' metric files,
# new at each start (PROMETHEUS_MULTIPROC_DIR). child_exit drops a dead worker's live
# gauges; on_exit removes the folder.
metrics_folder()

from voting_service.config import load_settings  # noqa: E402
from voting_service.web.logs import gunicorn_logconfig  # noqa: E402
from voting_service.web.request_limits import GUNICORN_LIMITS  # noqa: E402

# The settings are read here, in the master, so a bad configuration stops the start with
# its message before the port is bound.
_settings = load_settings()

# Behind nginx on the same host. For several app servers behind a balancer, bind the
# private address instead (docs/operations.md, "Scale-out") and firewall the port.
bind = "127.0.0.1:8000"
# Casting is CPU-bound (proof checks): about one worker per core, plus one.
workers = 4
# Threads keep client connections alive; the worker class answers gunicorn's own errors
# in JSON, with limits above the app's own (web/request_limits.py).
worker_class = "voting_service.web.gunicorn_workers.ThreadWorker"
globals().update(GUNICORN_LIMITS)
threads = 4
keepalive = 5
timeout = 60
graceful_timeout = 20
# The app logs requests itself, with their X-Request-ID and without query strings or bodies.
accesslog = None
# gunicorn's own lines in the app's format (JSON in production).
logconfig_dict = gunicorn_logconfig(_settings.log_format)
# gunicorn ≥ 25 would open a control socket in the home folder, which the hardened unit
# makes read-only (ProtectHome); the service is managed through systemd instead.
control_socket_disable = True
# A worker is replaced after this many requests (bounded memory growth); each replacement
# leaves one small counter file in the metrics folder, summed as before.
max_requests = 5000
max_requests_jitter = 500
