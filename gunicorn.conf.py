"""gunicorn settings for site_core: ``gunicorn -c gunicorn.conf.py wsgi:app``.

gunicorn reads this file from the working directory by default, so a plain
``gunicorn wsgi:app`` from the repository root uses it too. Every value can
be overridden on the command line (``-w 8``, ``-b 0.0.0.0:8000``) or by the
environment variables below. See docs/deployment.md.

- ``SITE_BIND``: where to listen (default ``127.0.0.1:8000``: behind nginx
  on the same host). A Unix socket is ``unix:/run/site/gunicorn.sock``.
- ``WEB_CONCURRENCY``: number of worker processes (default: 2 per CPU
  available to this process, plus one).
- ``SITE_THREADS``: threads per worker (default 8) that read requests and
  write answers. A connection that has sent nothing waits in the worker's
  poller; a client that stalls half-way through its request holds one
  thread, never the app, so a worker keeps answering others until
  ``SITE_THREADS`` clients stall on it at once. More than that is nginx's
  job (docs/deployment.md). The app itself runs one request at a time per
  worker (see ``post_worker_init``).
- ``SITE_WORKER_CONNECTIONS``: connections a worker holds at once (default
  2 × ``SITE_THREADS``); at most half of them wait idle between keep-alive
  requests, the others are closed after their answer. A worker runs one
  request at a time, so a worker that took most of the open keep-alive
  connections would keep one core busy and leave the others idle: with
  gunicorn's default (1,000) 32 keep-alive clients sometimes all landed on
  one worker, at half the throughput (bench/README.md, "Issue 16"). The cap
  spreads them over at least ``connections / SITE_WORKER_CONNECTIONS``
  workers. Behind nginx (docs/deployment.md) each request comes on a
  connection of its own and the cap never binds.
- ``SITE_PRELOAD``: ``1`` (default) imports the app once in the master
  before forking (less memory, start-up errors stop the master at once);
  ``0`` imports it in every worker.
"""
import gc
import io
import os
import threading


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (containers, taskset)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


bind = os.environ.get("SITE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * _cpus() + 1)
worker_class = "gthread"
threads = int(os.environ.get("SITE_THREADS") or 8)
worker_connections = int(os.environ.get("SITE_WORKER_CONNECTIONS") or 2 * threads)
preload_app = os.environ.get("SITE_PRELOAD", "1") != "0"
timeout = 30
graceful_timeout = 20
keepalive = 5
# Larger than nginx's (docs/nginx/site-http.conf): behind it, nginx answers an
# oversized request itself, with the site's headers.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
errorlog = "-"
# X-Forwarded-Proto is trusted from these addresses only (nginx on this host).
# Client addresses come from the app's TRUSTED_PROXY_COUNT (Werkzeug's ProxyFix).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def post_fork(server, worker):
    """Give each worker its own database connections.

    With ``preload_app`` the app (and its SQLAlchemy engines) was built in
    the master; a pooled connection inherited across ``fork`` would be
    shared by two processes. ``dispose(close=False)`` drops the inherited
    pool without closing the master's sockets, so each worker opens fresh
    connections on first use.
    """
    app = getattr(server.app, "callable", None) if server.cfg.preload_app else None
    if app is None or not hasattr(app, "app_context"):
        return
    from site_core.db import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


def post_worker_init(worker):
    """Run the app for one request at a time per worker, once that request is all here.

    The worker's threads wait for slow clients; the app sees exactly the
    concurrency of one sync worker per process, which the SQLite write lock
    and the database pools are sized for (32 threads writing to SQLite at
    once made some wait past ``SQLITE_BUSY_TIMEOUT_MS``). A body is read
    before the app's turn, up to one byte more than ``MAX_CONTENT_LENGTH``,
    and handed on with its length, chunked or not, so the app answers 413
    beyond (Werkzeug would cut a chunked body at the limit without a word).
    Each request is stamped on arrival and a reader page's content version
    read before it waits for its turn: the round trip to the database
    overlaps the requests before it, and one read serves every request that
    arrived before it began (``site_core.content_version.read_ahead``).
    """
    worker.wsgi = _one_request_at_a_time(worker.wsgi)
    # What exists now (the app, its templates and modules: most of the heap) lives as long as the
    # worker: the garbage collector's full passes skip it from here on, so they are short and
    # never touch (so never copy) the memory the master shared with the worker (the Python docs'
    # advice for preforking servers; p99 measured in bench/README.md, "Issue 16").
    gc.freeze()


def _one_request_at_a_time(app):
    from site_core.content_version import read_ahead, stamp_arrival

    limit = getattr(app, "config", {}).get("MAX_CONTENT_LENGTH") or 1024 * 1024
    turn = threading.Lock()

    def application(environ, start_response):
        stamp_arrival(environ)
        read_ahead(app, environ)
        declared = environ.get("CONTENT_LENGTH")
        if (declared or environ.get("HTTP_TRANSFER_ENCODING")) and int(declared or 0) <= limit:
            body = environ["wsgi.input"].read(limit + 1)
            environ.pop("HTTP_TRANSFER_ENCODING", None)  # no longer chunked: its length is known
            environ.update({"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))})
        with turn:
            return app(environ, start_response)

    return application
