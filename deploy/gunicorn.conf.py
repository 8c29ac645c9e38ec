# gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py 'voting_service.web:create_app()'`
bind = "127.0.0.1:8000"
workers = 4
worker_class = "gthread"  # keep-alive: a cast costs no new connection
threads = 4
keepalive = 5
timeout = 60
graceful_timeout = 20
accesslog = None  # the app logs requests itself, without query strings or bodies
max_requests = 5000
max_requests_jitter = 500
