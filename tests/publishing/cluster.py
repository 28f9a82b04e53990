"""The README's "More than one machine", on one machine, for the cluster drill.

    with running_cluster(folder, base_database_url) as cluster:
        cluster.get("/")                      # through the front nginx
        cluster.kill_node(0)                  # SIGKILL one web node's gunicorn

- a PostgreSQL database of its own (`wuxi_cluster_drill_<pid>`), created and dropped here;
- an S3-compatible server (moto's, a subprocess on 127.0.0.1) holding the pages bucket
  and the uploads bucket;
- web nodes: gunicorn on 127.0.0.2, 127.0.0.3 … (all loopback on Linux), one port, the
  same environment;
- a front nginx in the load balancer/CDN role (`front_config`): a page's object from the
  pages bucket (the key `files.file_for` names), the web nodes for what the README sends
  there (a page parameter, /admin/, /search/, /prefs/, a missing object), with
  `proxy_next_upstream` for idempotent requests; /uploads/ from the uploads bucket;
- publish workers (`manage.py publishworker`) baking into the pages bucket.

Every process is started on loopback in a session of its own and stopped by its PID
(its process group) when the block ends, whatever happened.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

from wuxi_news.publishing.files import KNOWN_PARAMETERS, MAINTENANCE

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(PYTHON).parent
GUNICORN = shutil.which("gunicorn", path=str(BIN)) or shutil.which("gunicorn")
MOTO_SERVER = shutil.which("moto_server", path=str(BIN)) or shutil.which("moto_server")
PAGES_BUCKET = "wuxi-pages"
UPLOADS_BUCKET = "wuxi-uploads"
REGION = "us-east-1"
NODE_ADDRESSES = ("127.0.0.2", "127.0.0.3")
STARTUP_SECONDS = 30


def missing_tools() -> str | None:
    """Why the cluster cannot run here, or None."""
    if GUNICORN is None:
        return "gunicorn is not installed (make install)"
    if MOTO_SERVER is None:
        return "moto's server is not installed (make install-dev: moto[s3], flask)"
    if not (shutil.which("nginx") or os.access("/usr/sbin/nginx", os.X_OK)):
        return "nginx is not installed (apt-get install nginx)"
    return None


def is_postgres(url: str | None) -> bool:
    return bool(url) and urlsplit(url).scheme in ("postgres", "postgresql", "pgsql")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout: float, what: str, interval: float = 0.05):
    """Poll `condition` until it returns something true; TimeoutError after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def answers(
    host: str, port: int, path: str = "/", timeout: float = 2, headers=None
) -> int | None:
    """The status of one GET, or None when nothing answers."""
    try:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        connection.request("GET", path, headers=headers or {})
        status = connection.getresponse().status
        connection.close()
        return status
    except OSError:
        return None


def stop_group(process: subprocess.Popen | None, first=signal.SIGTERM) -> None:
    """Stop a process started here in a session of its own, and everything in its
    group (gunicorn's workers, nginx's)."""
    if process is None:
        return
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, first)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    # The leader gone, its workers may linger: the group goes too.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def public_read_policy(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicRead",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                }
            ],
        }
    )


def front_config(
    *,
    listen: str,
    nodes: list[str],
    s3: str,
    prefix: Path,
    headers: dict[str, str],
    user: str | None = None,
) -> str:
    """nginx in the CDN/load balancer role in front of the bucket and the web nodes.

    The rules of `wuxi_news/publishing/nginx.py` with the bucket for the folder: a GET
    or HEAD without a page parameter is the object `files.file_for` names (`/a/` →
    `a/index.html`); a page parameter, another method, /admin/, /search/, /prefs/ or a
    missing object goes to the web nodes, the next one when a node cannot be reached
    (idempotent requests only: nginx never sends a POST twice); with no node left, the
    bucket's maintenance page as a 503. A bucket sends no security headers: `headers`
    (the site's, `nginx.security_headers()`) are added to what comes from it.
    """
    known = "|".join(re.escape(name) for name in KNOWN_PARAMETERS)
    web = "\n".join(
        f"        server {node} max_fails=1 fail_timeout=10s;" for node in nodes
    )
    amz = "\n".join(
        f"        proxy_hide_header {name};"
        for name in (
            "x-amz-request-id",
            "x-amz-id-2",
            "x-amz-version-id",
            "x-amzn-requestid",
            "x-amz-content-sha256",
            "x-amz-sdk-checksum-algorithm",
            "access-control-allow-origin",
        )
    )
    security = amz + "".join(
        f'\n        add_header {name} "{value}" always;'
        for name, value in headers.items()
    )
    return f"""\
{f"user {user};" if user else ""}
worker_processes 1;
pid "{prefix}/nginx.pid";
error_log "{prefix}/error.log" warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path "{prefix}/client_body_temp";
    proxy_temp_path "{prefix}/proxy_temp";
    fastcgi_temp_path "{prefix}/fastcgi_temp";
    uwsgi_temp_path "{prefix}/uwsgi_temp";
    scgi_temp_path "{prefix}/scgi_temp";
    log_format front '$remote_addr "$request" $status $body_bytes_sent $request_time '
                     'upstream=$upstream_addr:$upstream_status';
    access_log "{prefix}/access.log" front;
    server_tokens off;

    map $args $django_args {{ default 0; "~(^|&)({known})(=|&|$)" 1; }}
    map $request_method $django_method {{ default 1; GET 0; HEAD 0; }}
    map $uri $baked_file {{ default $uri; "~/$" "${{uri}}index.html"; }}

    upstream bucket {{ server {s3}; }}
    upstream web {{
{web}
    }}

    server {{
        listen {listen};
        client_max_body_size 60m;
        error_page 418 = @web;
        recursive_error_pages on;

        # A page: its object in the bucket; a missing object is the web nodes'.
        location / {{
            if ($django_method) {{ return 418; }}
            if ($django_args) {{ return 418; }}
            proxy_pass http://bucket/{PAGES_BUCKET}$baked_file;
            proxy_set_header Host {s3};
            proxy_set_header Authorization "";
            proxy_intercept_errors on;
            # (error_page here replaces the server's: the 418 is repeated.)
            error_page 418 = @web;
            error_page 403 404 = @web;
{security}
        }}
        location ~ "/\\." {{ return 418; }}
        location = /{MAINTENANCE} {{
            proxy_pass http://bucket/{PAGES_BUCKET}/{MAINTENANCE};
            proxy_set_header Host {s3};
            proxy_method GET;
            add_header Retry-After 30 always;
{security}
        }}
        location ^~ /uploads/ {{
            if ($django_method) {{ return 405; }}
            proxy_pass http://bucket/{UPLOADS_BUCKET}/;
            proxy_set_header Host {s3};
{amz}
        }}
        location ^~ /admin/ {{ return 418; }}
        location ^~ /search/ {{ return 418; }}
        location ^~ /prefs/ {{ return 418; }}
        location ^~ /static/ {{ return 418; }}

        location @web {{
            proxy_pass http://web;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
            # A GET or HEAD goes to the next node when one cannot be reached; a POST
            # only when it was never sent (nginx's default for non-idempotent ones).
            proxy_next_upstream error timeout http_502 http_504;
            proxy_next_upstream_tries 2;
            error_page 502 504 =503 /{MAINTENANCE};
        }}
    }}
}}
"""


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path
    started: float = field(default_factory=time.monotonic)

    @property
    def worker_id(self) -> str:
        return f"publishworker-{self.process.pid}"

    def batches(self) -> list[str]:
        """The lines it printed, one a batch it baked."""
        if not self.log.exists():
            return []
        text = self.log.read_text(errors="replace")
        return re.findall(r"^\d\d:\d\d:\d\d \d+ task\(s\):.*$", text, re.M)

    def text(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


class Cluster:
    """The drill's machines on one: database, bucket server, web nodes, front, workers."""

    def __init__(self, folder: Path, base_database_url: str):
        self.folder = folder
        parts = urlsplit(base_database_url)
        self.database = f"wuxi_cluster_drill_{os.getpid()}"
        self.admin_url = urlunsplit(parts._replace(path="/postgres"))
        self.database_url = urlunsplit(parts._replace(path=f"/{self.database}"))
        self.s3_port = free_port()
        self.s3_endpoint = f"http://127.0.0.1:{self.s3_port}"
        self.node_port = free_port(NODE_ADDRESSES[0])
        self.nodes: list[subprocess.Popen | None] = [None] * len(NODE_ADDRESSES)
        self.node_starts = [0] * len(NODE_ADDRESSES)
        self.front_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.front_port}"
        self.s3: subprocess.Popen | None = None
        self.front: subprocess.Popen | None = None
        self.workers: list[Worker] = []
        self.database_created = False
        inherited = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(
                ("DJANGO_", "PUBLISH_", "PHOTO_", "SITE_", "MEDIA_", "S3_", "AWS_")
            )
            and key not in ("DATABASE_URL", "CACHE_URL")
        }
        self.env = inherited | {
            "DJANGO_SETTINGS_MODULE": "wuxi_news.settings",
            # As test_drill.py: development mode needs no collectstatic.
            "DJANGO_DEBUG": "1",
            "DJANGO_VAR_DIR": str(folder / "var"),
            "DJANGO_LOG_LEVEL": "WARNING",
            "DATABASE_URL": self.database_url,
            "CACHE_URL": "locmem://",
            "PUBLISH_BASE_URL": self.base_url,
            "PUBLISH_S3_BUCKET": PAGES_BUCKET,
            "MEDIA_S3_BUCKET": UPLOADS_BUCKET,
            # The front serves /uploads/ from that bucket, as a CDN would.
            "MEDIA_URL": f"{self.base_url}/uploads/",
            "S3_ENDPOINT_URL": self.s3_endpoint,
            "S3_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        }

    # The database

    def create_database(self) -> None:
        with contextlib.closing(psycopg2.connect(self.admin_url)) as connection:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(
                    f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'
                )
                cursor.execute(f'CREATE DATABASE "{self.database}"')
        self.database_created = True

    def drop_database(self) -> None:
        if not self.database_created:
            return
        with contextlib.closing(psycopg2.connect(self.admin_url)) as connection:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(
                    f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'
                )
        self.database_created = False

    def sql(self, query: str, params=()) -> list[tuple]:
        """One query on the drill's database, outside Django."""
        with contextlib.closing(psycopg2.connect(self.database_url)) as connection:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(query, params)
                return cursor.fetchall() if cursor.description else []

    # Commands

    def manage(self, *args: str, timeout: float = 180) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result.stdout

    def shell(self, code: str) -> dict:
        """Run `code` in `manage.py shell`; it prints one JSON line last."""
        output = self.manage("shell", "--no-imports", "-c", code)
        return json.loads(output.strip().splitlines()[-1])

    def popen(self, args: list[str], log: Path) -> subprocess.Popen:
        with log.open("ab") as out:
            return subprocess.Popen(
                args,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group, stopped as one
            )

    def log(self, name: str) -> str:
        path = self.folder / name
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    # The bucket server

    def start_s3(self) -> None:
        self.s3 = self.popen(
            [MOTO_SERVER, "-H", "127.0.0.1", "-p", str(self.s3_port)],
            self.folder / "moto.log",
        )
        wait_for(
            lambda: (
                self._alive(self.s3, "moto.log")
                and answers("127.0.0.1", self.s3_port, "/") is not None
            ),
            STARTUP_SECONDS,
            "moto's server",
        )
        client = self.s3_client()
        for bucket in (PAGES_BUCKET, UPLOADS_BUCKET):
            client.create_bucket(Bucket=bucket)
            # What a CDN in front of the bucket needs: anyone may read an object (the
            # pages and photos are public); writing takes the site's credentials.
            client.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))

    def s3_client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.s3_endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def object(self, key: str, bucket: str = PAGES_BUCKET) -> bytes | None:
        client = self.s3_client()
        try:
            return client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except client.exceptions.NoSuchKey:
            return None

    def object_keys(self) -> list[str]:
        client = self.s3_client()
        keys = []
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=PAGES_BUCKET
        ):
            keys += [item["Key"] for item in page.get("Contents", [])]
        return keys

    # Web nodes

    def node_address(self, n: int) -> str:
        return NODE_ADDRESSES[n]

    def start_node(self, n: int) -> None:
        address = NODE_ADDRESSES[n]
        if answers(address, self.node_port, "/robots.txt", timeout=1) is not None:
            raise RuntimeError(f"{address}:{self.node_port} is taken")
        self.node_starts[n] += 1
        self.nodes[n] = self.popen(
            [GUNICORN, "--workers", "2", "--worker-class", "sync",
             "--bind", f"{address}:{self.node_port}", "--log-level", "warning",
             "--graceful-timeout", "5", "wuxi_news.wsgi:application"],
            self.folder / f"node{n}.log",
        )  # fmt: skip

    def wait_node(self, n: int) -> None:
        wait_for(
            lambda: (
                self._alive(self.nodes[n], f"node{n}.log")
                and answers(
                    NODE_ADDRESSES[n],
                    self.node_port,
                    "/robots.txt",
                    headers={"Host": f"127.0.0.1:{self.front_port}"},
                )
                == 200
            ),
            STARTUP_SECONDS,
            f"web node {n} to answer",
        )

    def kill_node(self, n: int) -> None:
        """SIGKILL to the node's gunicorn, master and workers (its process group)."""
        process = self.nodes[n]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        wait_for(
            lambda: answers(NODE_ADDRESSES[n], self.node_port, "/", timeout=1) is None,
            10,
            f"web node {n} to be gone",
        )

    # The front

    def start_front(self) -> None:
        from tests.publishing.nginx import nginx_binary

        prefix = Path(tempfile.mkdtemp(prefix="front-", dir=self.folder))
        config = prefix / "nginx.conf"
        config.write_text(
            front_config(
                listen=f"127.0.0.1:{self.front_port}",
                nodes=[f"{address}:{self.node_port}" for address in NODE_ADDRESSES],
                s3=f"127.0.0.1:{self.s3_port}",
                prefix=prefix,
                headers=self.shell(
                    "import json\n"
                    "from wuxi_news.publishing.nginx import security_headers\n"
                    "print(json.dumps(security_headers()))"
                ),
                user="root" if os.geteuid() == 0 else None,
            )
        )
        self.front_prefix = prefix
        with (prefix / "stderr.log").open("wb") as stderr:
            self.front = subprocess.Popen(
                [nginx_binary(), "-p", f"{prefix}/", "-c", str(config)]
                + ["-g", "daemon off;"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        wait_for(
            lambda: (
                self._alive(self.front, prefix / "stderr.log")
                and answers("127.0.0.1", self.front_port, "/robots.txt") is not None
            ),
            STARTUP_SECONDS,
            "the front nginx",
        )

    def front_log(self) -> str:
        path = self.front_prefix / "access.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # Publish workers

    def start_worker(self) -> Worker:
        log = self.folder / f"publishworker-{len(self.workers) + 1}.log"
        worker = Worker(
            self.popen(
                [PYTHON, "manage.py", "publishworker", "--interval", "0.2"], log
            ),
            log,
        )
        self.workers.append(worker)
        return worker

    def enqueue_probe(self) -> None:
        """A publish task of one page that never changes."""
        self.shell(
            "import json\n"
            "from wuxi_news.publishing.queue import publish_changes\n"
            "publish_changes.enqueue(['/robots.txt'], [])\n"
            "print(json.dumps({}))"
        )

    def queue(self) -> dict[str, int]:
        """Publish tasks by status."""
        rows = self.sql(
            "SELECT status, count(*) FROM django_tasks_database_dbtaskresult "
            "WHERE queue_name = 'publish' GROUP BY status"
        )
        return dict(rows)

    # HTTP through the front

    def get(self, path: str, timeout: float = 10):
        """(status, headers, body) of a GET through the front."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.front_port, timeout=timeout
        )
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    # Everything down

    def stop_all(self) -> None:
        for worker in self.workers:
            stop_group(worker.process)
        for node in self.nodes:
            stop_group(node, signal.SIGQUIT)
        stop_group(self.front)
        stop_group(self.s3)

    @staticmethod
    def _alive(process: subprocess.Popen, log) -> bool:
        if process.poll() is not None:
            path = Path(log)
            text = path.read_text(errors="replace")[-3000:] if path.exists() else ""
            raise RuntimeError(
                f"{process.args[0]} exited ({process.returncode}):\n{text}"
            )
        return True


@contextlib.contextmanager
def running_cluster(folder: Path, base_database_url: str) -> Iterator[Cluster]:
    """The database, the bucket server and the front up (nodes and workers are the
    caller's to start); everything stopped and the database dropped at the end."""
    cluster = Cluster(folder, base_database_url)
    try:
        cluster.create_database()
        cluster.start_s3()
        cluster.start_front()
        yield cluster
    finally:
        try:
            cluster.stop_all()
        finally:
            cluster.drop_database()


# Readers and editors through the front


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


@dataclass
class Expected:
    """What a reader must get for a path: the status, and the body exactly (`body`) or
    containing `marker`."""

    status: int
    body: bytes | None = None
    marker: bytes | None = None

    def wrong(self, status: int | None, body: bytes) -> str | None:
        if status != self.status:
            return f"status {status}, expected {self.status}: {body[:160]!r}"
        if self.body is not None and body != self.body:
            return (
                f"body of {len(body)} bytes differs from the expected {len(self.body)}"
            )
        if self.marker is not None and self.marker not in body:
            return f"body lacks {self.marker.decode()!r}"
        if not body.rstrip().endswith((b"</html>", b"</rss>", b"</urlset>")) and (
            b"<html" in body[:200]
        ):
            return "page cut short"
        return None


class Browser:
    """A browser's cookies and requests, one connection a request, to the front."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.host, _, port = base_url.removeprefix("http://").partition(":")
        self.port = int(port)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: list | None = None, timeout=30):
        from http.cookies import SimpleCookie
        from urllib.parse import urlencode

        headers = {}
        body = None
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.base_url
            headers["Referer"] = self.base_url + path
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers, content


def form_fields(html: bytes, form_id: str) -> list[tuple[str, str]]:
    """What a browser submits from the form `form_id` as it was shown, no button
    pressed: inputs (checked boxes only, no files), selected options, text areas."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    form = soup.find("form", id=form_id)
    if form is None:
        raise ValueError(f"no form #{form_id} on the page")
    fields: list[tuple[str, str]] = []
    for element in form.find_all(["input", "select", "textarea"]):
        name = element.get("name")
        if not name or element.has_attr("disabled"):
            continue
        if element.name == "input":
            kind = (element.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                continue
            if kind in ("checkbox", "radio") and not element.has_attr("checked"):
                continue
            fields.append(
                (name, element.get("value", "on" if kind == "checkbox" else ""))
            )
        elif element.name == "textarea":
            fields.append((name, element.text.removeprefix("\n")))
        else:
            options = element.find_all("option")
            chosen = [o for o in options if o.has_attr("selected")]
            if not chosen and options and not element.has_attr("multiple"):
                chosen = options[:1]
            fields += [(name, o.get("value", o.text)) for o in chosen]
    return fields


@dataclass
class Save:
    token: str
    outcome: str  # saved | refused | unavailable | no answer | unclear
    status: int | None
    at: float  # seconds into the load
    seconds: float
    detail: str = ""


class Editor:
    """An editor in /admin/: opens their article's change form, adds a paragraph,
    presses 保存并继续编辑, as a browser does (CSRF token and cookie included)."""

    def __init__(self, base_url: str, username: str, password: str, pk: int):
        self.browser = Browser(base_url)
        self.username = username
        self.password = password
        self.pk = pk
        self.change_url = f"/admin/articles/article/{pk}/change/"
        self.saves: list[Save] = []

    def login(self) -> None:
        status, _, page = self.browser.request("GET", "/admin/login/?next=/admin/")
        assert status == 200, (status, page[:300])
        fields = dict(form_fields(page, "login-form"))
        fields |= {"username": self.username, "password": self.password}
        status, headers, page = self.browser.request(
            "POST", "/admin/login/?next=/admin/", list(fields.items())
        )
        assert status == 302 and headers["Location"] == "/admin/", (status, page[:500])

    def save_once(self, token: str, started: float) -> Save:
        """One round: open the form, add `token` as a paragraph, save."""
        begun = time.monotonic()

        def done(outcome, status=None, detail=""):
            save = Save(
                token,
                outcome,
                status,
                begun - started,
                time.monotonic() - begun,
                detail,
            )
            self.saves.append(save)
            return save

        try:
            status, _, page = self.browser.request("GET", self.change_url)
        except (OSError, http.client.HTTPException) as error:
            return done("not opened", None, repr(error))
        if status != 200:
            return done("not opened", status, page[:200].decode(errors="replace"))
        fields = form_fields(page, "article_form")
        body = [value for name, value in fields if name == "body"]
        assert len(body) == 1, "the change form has no body field"
        fields = [(n, v) for n, v in fields if n != "body"]
        fields += [
            ("body", body[0] + f"<p>{token}</p>"),
            ("_continue", "保存并继续编辑"),
        ]
        try:
            status, headers, page = self.browser.request(
                "POST", self.change_url, fields
            )
        except (OSError, http.client.HTTPException) as error:
            return done("no answer", None, repr(error))
        text = page.decode(errors="replace")
        if status == 302 and headers.get("Location") == self.change_url:
            return done("saved", status)
        if status in (200, 403) and "errornote" in text:
            note = re.search(r'class="errornote">\s*([^<]*)', text)
            return done("refused", status, note[1].strip() if note else "")
        if status == 503 and "<html" in text:
            return done("unavailable", status)
        return done("unclear", status, f"{headers.get('Location')} {text[:200]}")


class Load:
    """Reader threads on keep-alive connections and editors saving in turn, for a
    bounded time, with `event` (a node killed) at `event_at` seconds into it."""

    def __init__(
        self,
        base_url: str,
        expected: dict[str, Expected],
        editors: list[Editor],
        readers: int = 4,
    ):
        self.port = int(base_url.rsplit(":", 1)[1])
        self.expected = expected
        self.editors = editors
        self.readers = readers
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.readings: list[
            tuple[float, float, str, str | None]
        ] = []  # at, s, path, wrong
        self.started = 0.0
        self.event_at: float | None = None

    def read(self, n: int) -> None:
        paths = list(self.expected)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        i = n
        while not self.stopping.is_set():
            path = paths[i % len(paths)]
            i += 1
            begun = time.monotonic()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                status, body = response.status, response.read()
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                status, body = None, repr(error).encode()
            wrong = self.expected[path].wrong(status, body)
            with self.lock:
                self.readings.append(
                    (begun - self.started, time.monotonic() - begun, path, wrong)
                )
        connection.close()

    def edit(self, editor: Editor, n: int) -> None:
        round_ = 0
        while not self.stopping.is_set():
            round_ += 1
            editor.save_once(f"演练保存 {editor.username} 第{round_}次", self.started)

    def run(self, seconds: float, event, event_at: float) -> None:
        threads = [
            threading.Thread(target=self.read, args=(n,)) for n in range(self.readers)
        ] + [
            threading.Thread(target=self.edit, args=(editor, n))
            for n, editor in enumerate(self.editors)
        ]
        self.started = time.monotonic()
        for thread in threads:
            thread.start()
        try:
            if not self.stopping.wait(event_at):
                self.event_at = time.monotonic() - self.started
                event()
            self.stopping.wait(max(0.0, seconds - (time.monotonic() - self.started)))
        finally:
            self.stopping.set()
            for thread in threads:
                thread.join(timeout=60)

    # Figures

    def wrong(self) -> list[str]:
        return [f"{path}: {wrong}" for _, _, path, wrong in self.readings if wrong]

    def latencies(self, after: float = 0.0, until: float = float("inf")) -> list[float]:
        return [s for at, s, _, _ in self.readings if after <= at < until]

    def saves(self) -> list[Save]:
        return [save for editor in self.editors for save in editor.saves]
