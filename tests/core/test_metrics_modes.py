"""The metrics mode of each process role, in fresh interpreters (prometheus_client reads it once)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import ROOT


def run(code: str, **env: str) -> str:
    base = {k: v for k, v in os.environ.items() if not k.lower().startswith("prometheus_multiproc_dir")}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**base, **env},
        cwd=str(ROOT),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_forked_children_metrics_reach_the_parents_port() -> None:
    """What a Celery prefork worker does: children count, the main process's exposition adds them up,
    a child killed without notice loses its live gauges, and the directory goes with the process."""
    out = run(
        """
        import os, signal, sys
        from genius.core.observability import metrics
        path = metrics.use_private_multiprocess_dir("worker")
        from prometheus_client import Counter, Gauge
        from genius.core.kit.breaker import BREAKER_OPEN
        done = Counter("genius_test_children_total", "t")
        done.inc()
        for n in (1, 2):
            pid = os.fork()
            if pid == 0:
                done.inc(n * 10)
                BREAKER_OPEN.labels("anaf").set(1)
                if n == 2:
                    os.kill(os.getpid(), signal.SIGKILL)  # no goodbye
                metrics.mark_this_process_dead()
                os._exit(0)
            os.waitpid(pid, 0)
        body, _ = metrics.latest()
        print(body.decode())
        print("DIR", path)
        """
    )
    assert "genius_test_children_total 31.0" in out
    assert 'genius_circuit_open{name="anaf"}' not in out  # both children are gone (livemax)
    path = Path(out.split("DIR ", 1)[1].strip())
    assert not path.exists()  # removed at exit


def test_single_process_roles_ignore_an_inherited_multiprocess_dir(tmp_path: Path) -> None:
    out = run(
        """
        import os
        from genius.core.observability import metrics
        metrics.use_single_process()
        print("ENV", os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        from prometheus_client import REGISTRY
        print(metrics.exposition_registry() is REGISTRY)
        """,
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
    )
    assert "ENV None" in out and "True" in out
    assert list(tmp_path.iterdir()) == []
