"""A real nginx for tests and benchmarks, with the configuration of `nginx_config`.

    from tests.publishing.nginx import raw_request, request, running_nginx

    with running_nginx(tmp_path, root, upstream_port) as (base_url, port):
        status, headers, body = request(base_url, "/articles/5/")
        status, headers, body = raw_request(base_url, "GET /巫溪 HTTP/1.1\r\n…".encode())

`root` is the folder nginx serves (normally a `current` symlink to a release);
`upstream_port` the port of Django (gunicorn, `runserver`, or a fake) on 127.0.0.1.
Everything nginx writes (configuration, pid, logs, temp files, microcache) goes to a
fresh folder under `tmp_path`; nginx listens on a free port of 127.0.0.1, runs in the
foreground and is stopped by its PID when the block ends. Keyword arguments go on to
`nginx_config` (`microcache_seconds=60`, `static_root=…`); `settings` (pytest-django's
fixture) overrides such as `STATIC_ROOT` must be made before the block starts.
Without nginx the test is skipped.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from wuxi_news.publishing.nginx import nginx_config

STARTUP_SECONDS = 10


def nginx_binary() -> str:
    """The nginx executable, or the test is skipped."""
    found = shutil.which("nginx")
    if found:
        return found
    for candidate in ("/usr/sbin/nginx", "/usr/local/sbin/nginx"):
        if os.access(candidate, os.X_OK):
            return candidate
    pytest.skip(
        "nginx is not installed: no `nginx` on PATH nor in /usr/sbin "
        "(apt-get install nginx)"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(
    base_url: str,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    source: str | None = None,
    timeout: float = 10,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One HTTP request as it is written (no normalising of `path`), from `source`
    (a local address such as 127.0.0.2) if given: (status, headers, body)."""
    host, _, port = base_url.removeprefix("http://").partition(":")
    connection = http.client.HTTPConnection(
        host,
        int(port),
        timeout=timeout,
        source_address=(source, 0) if source else None,
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def raw_request(
    base_url: str, data: bytes, *, timeout: float = 10
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """Send `data` as it is (a request no HTTP client would write: raw UTF-8 in its
    request line, a URL or header over 8 KB) and read the answer."""
    host, _, port = base_url.removeprefix("http://").partition(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(data)
        response = http.client.HTTPResponse(sock, method="GET")
        response.begin()
        return response.status, response.headers, response.read()


def _answers(port: int) -> bool:
    """nginx accepts a connection and answers HTTP (a path that never reaches Django)."""
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        connection.request("HEAD", "/static/")
        connection.getresponse().read()
        connection.close()
        return True
    except OSError:
        return False


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # the master stops its workers
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own group: master and workers
        process.wait(timeout=10)


@contextmanager
def running_nginx(
    tmp_path: Path, root: Path, upstream_port: int, **options
) -> Iterator[tuple[str, int]]:
    """nginx serving `root` and proxying to 127.0.0.1:`upstream_port`:
    yields (base_url, port), e.g. ("http://127.0.0.1:41234", 41234)."""
    binary = nginx_binary()
    prefix = Path(tempfile.mkdtemp(prefix="nginx-", dir=tmp_path))
    if os.geteuid() == 0:
        # Workers would otherwise drop to `nobody`, who cannot read tmp_path.
        options.setdefault("user", "root")
    config_file = prefix / "nginx.conf"
    stderr_file = prefix / "stderr.log"
    for _attempt in range(3):  # another process may take the free port meanwhile
        port = free_port()
        config_file.write_text(
            nginx_config(
                listen=f"127.0.0.1:{port}",
                upstream=f"127.0.0.1:{upstream_port}",
                root=root,
                prefix=prefix,
                **options,
            )
        )
        with stderr_file.open("wb") as stderr:
            process = subprocess.Popen(
                [binary, "-p", f"{prefix}/", "-c", str(config_file)]
                + ["-g", "daemon off;"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while process.poll() is None and time.monotonic() < deadline:
            if _answers(port):
                break
            time.sleep(0.02)
        if process.poll() is None and _answers(port):
            break
        _stop(process)
        log = stderr_file.read_text(errors="replace")
        error_log = prefix / "error.log"
        if error_log.exists():
            log += error_log.read_text(errors="replace")
        if "Address already in use" not in log:
            raise RuntimeError(f"nginx did not start:\n{log}")
    else:
        raise RuntimeError("nginx found no free port in three attempts")
    try:
        yield f"http://127.0.0.1:{port}", port
    finally:
        _stop(process)
