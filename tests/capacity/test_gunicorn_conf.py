"""gunicorn.conf.py: a streamed download longer than gunicorn's timeout runs to its end.

gunicorn started as in production (from the project's directory, so it reads
gunicorn.conf.py) with its timeout at 3 s serves a response that streams for 6 s (a
threaded worker reports to gunicorn about once a second, so 3 s leaves room on a busy machine). With
gunicorn's default sync worker the same response is cut off part way: the worker is
killed as hung (what would happen to a long CSV export).
"""

import http.client
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

APP = textwrap.dedent(
    """
    import os, time

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/pid":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [str(os.getpid()).encode()]
        start_response("200 OK", [("Content-Type", "text/csv")])

        def rows():
            for number in range(24):
                time.sleep(0.25)
                yield f"row {number}\\n".encode()

        return rows()
    """
)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port, path, timeout=30):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def _serve(tmp_path, *extra):
    (tmp_path / "slow_app.py").write_text(APP)
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "slow_app:app", "--pythonpath", str(tmp_path)]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "3", *extra]
    # Started in the project's directory, as a deployment starts it: gunicorn reads ./gunicorn.conf.py.
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    deadline = time.monotonic() + 30
    while True:
        try:
            _get(port, "/pid", timeout=2)
            return server, port
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("gunicorn did not start")
            time.sleep(0.1)


def _download(tmp_path, *extra):
    server, port = _serve(tmp_path, *extra)
    try:
        _status, before = _get(port, "/pid")
        try:
            status, body = _get(port, "/export.csv")
        except (http.client.IncompleteRead, ConnectionError):
            status, body = None, ""
        _status, after = _get(port, "/pid")
        return status, body, before != after
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_a_download_longer_than_the_timeout_runs_to_its_end(tmp_path):
    status, body, replaced = _download(tmp_path)
    assert status == 200
    assert body.splitlines() == [f"row {number}" for number in range(24)]
    assert not replaced  # the same worker served before and after: it was not killed


def test_the_sync_worker_would_have_cut_it_off(tmp_path):
    status, body, replaced = _download(tmp_path, "--worker-class", "sync")
    assert body.count("\n") < 24
    assert replaced  # the arbiter killed the worker mid-download and started another


def test_the_settings_file_is_threaded_and_balanced():
    settings = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), settings)  # noqa: S102 - our own settings file
    assert settings["worker_class"] == "gthread"
    # A worker takes no connection it has no free thread for, and keeps none open.
    assert settings["worker_connections"] == settings["threads"]
    assert settings["keepalive"] == 0
