"""Prometheus exposition for every process.

* The API serves ``/metrics``. Under ``uvicorn --workers N`` (or whenever ``PROMETHEUS_MULTIPROC_DIR``
  is set) prometheus_client's multiprocess mode is on: every process writes its values to files in
  that directory and each scrape merges all of them, so any worker answers for the whole API.
* Long-running processes without HTTP (``genius relay``, ``consume``, ``beat``, ``worker``) serve
  their own registry on a small metrics port (``GENIUS_METRICS_PORT_<ROLE>``, 0 = off).
  ``genius worker`` with the prefork pool runs in multiprocess mode in a private directory, so the
  pool children's metrics reach its port too; their task counters also go to Redis (the fleet view
  in the API's ``/metrics``).
* Collectors that read shared state (the worker fleet in Redis) are registered with
  :func:`register_shared` so that the multiprocess exposition includes them.

The multiprocess switch is read by prometheus_client when it is first imported, so the ``use_*``
functions must run before anything imports it.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import structlog

log = structlog.get_logger("genius.metrics")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_LIVE_FILE = re.compile(r"^gauge_live\w+_(\d+)\.db$")

_shared: list[Any] = []
_exposition: Any = None
_server: Any = None


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or os.environ.get(MULTIPROC_ENV.lower()) or None


def _check_not_imported() -> None:
    if "prometheus_client" in sys.modules:
        raise RuntimeError("the metrics mode must be chosen before prometheus_client is imported")


def use_private_multiprocess_dir(role: str) -> Path:
    """Multiprocess mode in a fresh directory of this process tree (a Celery prefork worker: the
    pool children write files there, the main process's metrics port merges them). Removed at exit."""
    _check_not_imported()
    _remove_stale_dirs(f"genius-metrics-{role}-")
    path = Path(tempfile.mkdtemp(prefix=f"genius-metrics-{role}-{os.getpid()}-"))
    os.environ[MULTIPROC_ENV] = str(path)
    os.environ.pop(MULTIPROC_ENV.lower(), None)
    pid = os.getpid()

    def _cleanup() -> None:
        if os.getpid() == pid:  # not in a forked child that happens to run atexit hooks
            shutil.rmtree(path, ignore_errors=True)

    atexit.register(_cleanup)
    return path


def use_single_process() -> None:
    """A single-process role (relay, consume, beat): an inherited PROMETHEUS_MULTIPROC_DIR belongs to
    another process tree (the API's) and would mix its metrics into ours."""
    if multiprocess_dir() is None:
        return
    _check_not_imported()
    os.environ.pop(MULTIPROC_ENV, None)
    os.environ.pop(MULTIPROC_ENV.lower(), None)


def use_api_multiprocess_if_forked() -> str | None:
    """Called by the ASGI factory module before it imports the app. A process started by uvicorn's
    ``--workers N`` (or ``--reload``) supervisor has a multiprocessing parent: its siblings share one
    directory named after that parent, unless PROMETHEUS_MULTIPROC_DIR says where."""
    import multiprocessing

    given = multiprocess_dir()
    if given:
        Path(given).mkdir(parents=True, exist_ok=True)
        return given
    if multiprocessing.parent_process() is None or "prometheus_client" in sys.modules:
        return None
    _remove_stale_dirs("genius-metrics-api-")
    path = Path(tempfile.gettempdir()) / f"genius-metrics-api-{os.getppid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(path)
    return str(path)


def _remove_stale_dirs(prefix: str) -> None:
    """Directories of earlier runs whose owning process is gone (killed before its cleanup)."""
    for path in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        pid = path.name[len(prefix) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) not in (os.getpid(), os.getppid()) and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_dead_processes(path: str) -> list[int]:
    """Drop the live-gauge files of processes that died without saying so (kill -9, OOM): their
    in-progress counts must not linger. Counters and histograms of dead processes are kept."""
    from prometheus_client import multiprocess

    dead: set[int] = set()
    for name in os.listdir(path):
        m = _LIVE_FILE.match(name)
        if m and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
            dead.add(int(m.group(1)))
    for pid in dead:
        multiprocess.mark_process_dead(pid, path)
    return sorted(dead)


def mark_this_process_dead() -> None:
    path = multiprocess_dir()
    if path:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid(), path)


class _Reaper:
    """Collects nothing; reaps dead processes' live gauges before the merge reads the files."""

    def __init__(self, path: str) -> None:
        self.path = path

    def collect(self) -> Iterator[Any]:
        try:
            reap_dead_processes(self.path)
        except OSError as exc:
            log.warning("metrics_reap_failed", error=str(exc))
        return iter(())

    def describe(self) -> list[Any]:
        return []


def register_shared(collector: Any) -> None:
    """A collector reading state shared by all processes (Redis): in the default registry and in
    the multiprocess exposition."""
    from prometheus_client import REGISTRY

    REGISTRY.register(collector)
    _shared.append(collector)
    if _exposition is not None and _exposition is not REGISTRY:
        _exposition.register(collector)


def exposition_registry() -> Any:
    """The registry to expose: the default one, or (multiprocess mode) every process's files merged."""
    global _exposition
    if _exposition is not None:
        return _exposition
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess

    path = multiprocess_dir()
    if path is None:
        _exposition = REGISTRY
        return REGISTRY
    registry = CollectorRegistry()
    registry.register(_Reaper(path))
    multiprocess.MultiProcessCollector(registry, path=path)
    for collector in _shared:
        registry.register(collector)
    _exposition = registry
    return registry


def latest() -> tuple[bytes, str]:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return generate_latest(exposition_registry()), CONTENT_TYPE_LATEST


def serve(role: str, host: str, port: int | None) -> str | None:
    """Serve ``/metrics`` of this process on host:port in a daemon thread; returns its URL. A busy
    port is logged, not fatal: a process must not stop working because its metrics cannot be read."""
    global _server
    if not port:
        return None
    from prometheus_client import start_http_server

    try:
        _server, _thread = start_http_server(port, addr=host, registry=exposition_registry())
    except OSError as exc:
        log.error("metrics_port_unavailable", role=role, host=host, port=port, error=str(exc))
        return None
    url = f"http://{host}:{port}/metrics"
    log.info("metrics_serving", role=role, url=url)
    return url


def close_inherited_server() -> None:
    """In a forked child (Celery pool process): close the copy of the parent's listening socket, so
    the port is freed when the parent goes, even while a child lingers."""
    if _server is not None:
        try:
            _server.socket.close()
        except OSError:
            pass
