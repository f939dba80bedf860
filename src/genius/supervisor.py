"""A tiny process supervisor for ``genius demo``: the relay, the workers and beat run as child
processes, are restarted when they exit unexpectedly (a worker's ``restart`` signal is such an exit)
and are stopped, politely then firmly, when the demo stops."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import structlog

log = structlog.get_logger("genius.supervisor")


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = 0.0


@dataclass
class Supervisor:
    children: list[Child] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def add(self, name: str, *args: str) -> None:
        self.children.append(Child(name, [sys.executable, "-m", "genius.cli", *args]))

    def _spawn(self, child: Child) -> None:
        # Own process group: Ctrl-C in the terminal reaches the demo, which stops children in order.
        child.process = subprocess.Popen(child.argv, env=os.environ.copy(), start_new_session=True)
        child.started_at = time.monotonic()
        log.info("child_started", name=child.name, pid=child.process.pid)

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self.stopping.wait(1.0):
            for child in self.children:
                if (
                    child.process is not None
                    and child.process.poll() is not None
                    and not self.stopping.is_set()
                ):
                    log.warning("child_exited", name=child.name, code=child.process.returncode)
                    # Back off if it keeps dying right away.
                    if time.monotonic() - child.started_at < 5:
                        time.sleep(min(30, 2 ** min(child.restarts, 5)))
                    child.restarts += 1
                    self._spawn(child)

    def stop(self, timeout: float = 20.0) -> None:
        self.stopping.set()
        for child in self.children:
            if child.process is not None and child.process.poll() is None:
                # The child itself, not its group: a Celery worker's warm shutdown lets its pool
                # processes finish their tasks (a SIGTERM to them loses the tasks they are running).
                with contextlib.suppress(ProcessLookupError):
                    child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait(5)
