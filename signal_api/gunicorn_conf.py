"""gunicorn settings shared by ``make run``, ``signal-api serve`` and the Docker image."""
import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8080')}"
worker_class = "gevent"
# One worker on purpose: it owns the signal-cli daemon connection, the WebSocket subscribers and
# the scheduler. A gevent worker serves ~1000 concurrent connections on its own.
workers = 1
worker_connections = 1000
# The app starts background work at import; it must be imported after gevent patches the worker.
preload_app = False
timeout = 0
graceful_timeout = 15
# gunicorn 23+ opens a control socket under ~/.gunicorn; the service writes only to its own dirs.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").replace("warn", "warning")
