"""gunicorn's settings for Capacity: read from the working directory (or `-c gunicorn.conf.py`).

The command line and GUNICORN_CMD_ARGS still win (`--workers 4`, `--bind …`).

Threaded workers, because of downloads. gunicorn's default sync worker is killed when one
request takes longer than `timeout` (30 s), streamed responses included (gunicorn #1736):
a CSV export of a few hundred thousand rows on a slow machine would be cut off part way.
A gthread worker's main loop reports to the arbiter while its threads serve, so `timeout`
means what it should — a worker that stopped answering — and a long download runs to its end.
"""

import os

worker_class = "gthread"
# One thread per worker unless told otherwise: Django's pages are CPU-bound here, and more
# threads per process only share one interpreter lock. Raise it where requests wait on the
# network (a remote database) more than they compute.
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A worker that has not reported for this long is hung: it is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Like the sync worker, a worker takes a connection only when a thread is free and closes
# it after the response: a busy worker leaves new connections to an idle one (the kernel
# hands each to a worker waiting in accept), instead of queueing them behind its own.
worker_connections = threads
keepalive = 0
