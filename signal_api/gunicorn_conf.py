"""gunicorn settings shared by ``make run``, ``signal-api serve`` and the Docker image."""
import os

# Loopback unless HOST says otherwise: anyone who can reach the port can use every account when
# auth is off (SIGNAL_API_AUTH=none). The Docker image sets HOST=0.0.0.0.
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8080')}"
worker_class = "gevent"
# One gevent worker serves ~1000 concurrent connections on its own; WORKERS=N (json-rpc modes)
# runs N that share one daemon: one of them leads (daemon, receiving, webhooks, retention), every
# one serves requests and sockets. The worker's Config reports a bad WORKERS value by name.


def _workers(raw: str | None) -> int:
    try:
        return max(1, int((raw or "1").strip()))
    except ValueError:
        return 1


workers = _workers(os.environ.get("WORKERS"))
worker_connections = 1000
# The app starts background work at import; it must be imported after gevent patches the worker.
preload_app = False
timeout = 0
graceful_timeout = 15
# gunicorn 23+ opens a control socket under ~/.gunicorn; the service writes only to its own dirs.
control_socket_disable = True
# The service logs one line per request itself (with its request id, secrets masked):
# gunicorn's access log only with ACCESS_LOG=1.
accesslog = "-" if os.environ.get("ACCESS_LOG", "").strip().lower() in ("1", "true") else None
# The access log (when on) masks ?token= values and anything shaped like an API token.
logger_class = "signal_api.observability.access_log.RedactingLogger"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").replace("warn", "warning")
if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
    logger_class = "signal_api.observability.gunicorn_logging.JsonLogger"


# Server hooks. They run in the worker and import the app lazily: the master must not import it
# before gevent patches the worker.

def post_worker_init(worker):
    """On SIGTERM, besides gunicorn's own handling, close WebSockets (1001) and end receives at once.

    gunicorn then waits for open connections up to graceful_timeout; a WebSocket never ends by
    itself, so without this every stop took the full timeout and ended with SIGKILL.
    """
    import signal

    def handle_term(sig, frame):
        worker.handle_exit(sig, frame)
        _in_background(_begin_shutdown, worker)

    signal.signal(signal.SIGTERM, handle_term)
    signal.siginterrupt(signal.SIGTERM, False)


def worker_int(worker):
    """SIGINT/SIGQUIT: the worker exits right after this hook; tell the WebSocket clients first."""
    _begin_shutdown(worker, wait=2.0)


def worker_exit(server, worker):
    """The worker is exiting (any way but SIGKILL): stop the daemon and the link processes now."""
    if worker.pid != os.getpid() or getattr(worker, "wsgi", None) is None:
        return  # called in the master for a worker that is already gone
    from signal_api.app import stop_background

    stop_background(worker.wsgi)


def post_request(worker, req, environ, resp):
    """After each response, let every other connection with a request waiting run first.

    A keep-alive connection whose next request has already arrived would otherwise be served
    again at once, without passing through gevent's hub, while others wait: at 32 connections
    some waited 0.4-0.9 s (p99) for a 1 ms request. Yielding here makes the order round-robin.
    """
    import gevent

    gevent.sleep(0)


def _begin_shutdown(worker, wait=0.0):
    app = getattr(worker, "wsgi", None)
    if app is None:
        return
    from signal_api.app import begin_shutdown

    begin_shutdown(app, wait=wait)


def _in_background(function, *args):
    # A signal handler must not block; gevent runs the work in a greenlet (see gunicorn #1126).
    try:
        import gevent
    except ImportError:
        import threading

        threading.Thread(target=function, args=args, daemon=True).start()
    else:
        gevent.spawn(function, *args)
