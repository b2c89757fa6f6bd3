"""gunicorn configuration shared by `make run` (scripts/serve.sh) and docker-compose's `web`.

Load it with ``gunicorn -c scripts/gunicorn.conf.py verbund.wsgi:application``; the caller
passes the address (``--bind``) and the number of workers, which differ between the two.
(``gunicorn.conf.py`` is gunicorn's own name for its config file; benchmarks/ looks for it
here too.) It is read as a file, not imported, so mypy does not see it; ruff does.

What it does: send no ``Server`` header, and open no control socket (below). gunicorn
(27.0.1, pinned) writes ``Server: gunicorn`` itself, in
``gunicorn.http.wsgi.Response.default_headers()``, on every HTTP/1 response, from the
module constant ``gunicorn.http.wsgi.SERVER``. It has no setting to turn that off (upstream
issue benoitc/gunicorn#825 was closed without one). Setting the constant to ``""`` still
sends an empty ``Server:`` line, so the smallest override is left: wrap
``default_headers()`` and drop its ``Server:`` line. Everything else gunicorn sends (status
line, ``Date``, ``Connection``, chunking) is unchanged. The wrapper is installed when
gunicorn reads this file in the master, before the workers fork, so every worker inherits
it. If a future gunicorn renames the method, reading this file fails (AttributeError) at
once instead of quietly sending the header again, and tests/verbund/test_serving.py checks
the headers of real responses.

Not covered, because Verbund does not use them: gunicorn's HTTP/2 (``http2/response.py``
adds its own ``server`` header) and the ASGI worker. gunicorn's bare error pages for
unparseable requests (``util.write_error``) never had a Server header.
"""

from __future__ import annotations

from gunicorn.http import wsgi as _gunicorn_wsgi

_original_default_headers = _gunicorn_wsgi.Response.default_headers


def _default_headers_without_server(self: _gunicorn_wsgi.Response) -> list[str]:
    """Return gunicorn's default header lines less ``Server:`` (no server or version)."""
    return [
        line for line in _original_default_headers(self) if not line.lower().startswith("server:")
    ]


_gunicorn_wsgi.Response.default_headers = _default_headers_without_server

# The application, unless the command line names another.
wsgi_app = "verbund.wsgi:application"
# Access log to stdout (docker-compose); scripts/run.sh passes a file in var/log/ instead.
accesslog = "-"
# No control socket (gunicorn 25.1+ opens $HOME/.gunicorn/gunicorn.ctl for `gunicornc` by
# default): nothing here uses it, and two servers of one user (`make run` next to a second
# checkout's, or a benchmark's) would fight over the same path.
control_socket_disable = True
# The longest request line gunicorn takes (its maximum; default 4094): a long filtered query
# reaches Django, which answers its own JSON errors (400) instead of gunicorn's HTML 414.
limit_request_line = 8190
# gthread when the caller passes --threads > 1: keep-alive and a few requests per process.
# Requests waiting on a busy SQLite writer give up after the database's busy timeout
# (verbund.settings.dev, 20 s), before gunicorn's worker timeout (30 s) would kill them.
timeout = 30
# Keep-alive (gthread workers; scripts/serve.sh runs 2 workers x 4 threads for 2 cores): an
# API client reuses its connection for 5 s between requests instead of a new TCP handshake
# per search (issue 19).
keepalive = 5
