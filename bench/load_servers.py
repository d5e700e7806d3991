"""The servers ``bench/load_site.py`` measures: a demo instance, gunicorn, nginx's page cache.

Each server is started on a free loopback port and stopped by its own pid;
its CPU time and its workers' peak memory come from Linux's ``/proc``.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

from site_core.testing import free_port, nginx_config, start_gunicorn, stop_process

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent

def environment(instance: Path) -> dict:
    env = {**os.environ, "SITE_INSTANCE_PATH": str(instance), "PYTHONUNBUFFERED": "1"}
    for key in ("SITE_SAFE_MODE", "WEB_CONCURRENCY", "SITE_BIND", "FLASK_APP"):
        env.pop(key, None)
    return env


def flask(instance: Path, *command: str) -> str:
    """``flask --app wsgi:app COMMAND`` on ``instance``; its output."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi:app", *command], cwd=ROOT,
                          env=environment(instance), capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"flask {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def make_instance(folder: Path, database: str, cache: dict, plugins: dict, proxies: int) -> Path:
    """An instance folder with the demo content loaded (``flask load-demo``)."""
    import tomlkit

    instance = folder / "instance"
    instance.mkdir(parents=True)
    config = {"SECRET_KEY": uuid.uuid4().hex * 2, "SQLALCHEMY_DATABASE_URI": database,
              "TRUSTED_PROXY_COUNT": proxies, "PLUGINS": plugins, **cache}
    (instance / "config.toml").write_text(tomlkit.dumps(config), encoding="utf-8")
    flask(instance, "load-demo")
    return instance


@contextlib.contextmanager
def database(kind: str, folder: Path, postgres_url: str):
    """The URL of a fresh database: a SQLite file in ``folder``, or a scratch PostgreSQL schema."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'site.db'}"
        return
    from site_core.testing import postgres_reachable, scratch_schema

    reason = postgres_reachable(postgres_url)
    if reason:
        raise SystemExit(reason)
    with scratch_schema(postgres_url) as url:
        yield url


def _children(pid: int) -> list[int]:
    with contextlib.suppress(FileNotFoundError):
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by a server's master ``pid`` and its workers."""
    total = 0
    for each in [pid, *_children(pid)]:
        with contextlib.suppress(FileNotFoundError):
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> list[float]:
    """Each worker's peak resident memory so far (VmHWM), in MB."""
    peaks = []
    for child in _children(pid):
        with contextlib.suppress(FileNotFoundError):
            found = re.search(r"^VmHWM:\s+(\d+) kB", Path(f"/proc/{child}/status").read_text(), re.M)
            peaks.append(int(found.group(1)) / 1024)
    return peaks


def cpu_split() -> tuple[list[str], list[str]]:
    """(taskset prefix for the servers, for wrk): two cores for the servers when there are more."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) > 2 and shutil.which("taskset"):
        return (["taskset", "-c", f"{cpus[0]},{cpus[1]}"],
                ["taskset", "-c", ",".join(str(c) for c in cpus[2:])])
    return [], []  # a two-core machine: the servers and wrk share it


class Gunicorn:
    """``gunicorn -c gunicorn.conf.py APP`` on a free loopback port, as the README deploys it."""

    def __init__(self, app: str, instance: Path, log: Path, prefix: list[str], extra: list[str] = ()):
        self.log = log
        self.process, self.url = start_gunicorn(ROOT, app, environment(instance), log,
                                                ("--access-logfile", "/dev/null", *extra), tuple(prefix), limit=120)

    def workers(self) -> int:
        return len(re.findall(r"Booting worker with pid", self.log.read_text(errors="replace")))

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def peak_rss_mb(self) -> list[float]:
        return peak_rss_mb(self.process.pid)

    def stop(self) -> None:
        stop_process(self.process)


class Nginx:
    """nginx as the deployment guide sets it up, with its page cache, in front of ``upstream``, on a free port."""

    def __init__(self, upstream: str, folder: Path, prefix: list[str]):
        port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "nginx.conf"
        config.write_text(nginx_config(folder, ROOT / "docs" / "nginx", upstream.removeprefix("http://"), port),
                          encoding="utf-8")
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        checked = subprocess.run([nginx, "-t", "-c", str(config), "-p", str(folder)], capture_output=True, text=True)
        if checked.returncode != 0:
            raise SystemExit(f"nginx -t failed:\n{checked.stderr}")
        self.process = subprocess.Popen([*prefix, nginx, "-c", str(config), "-p", str(folder)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            time.sleep(0.1)
        self.stop()
        raise SystemExit("nginx did not start")

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def stop(self) -> None:
        stop_process(self.process)
