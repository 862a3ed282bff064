"""Conversion through the project's CLI (the same engine the extension uses).

Interface used: ``node bin/switcheroo.js convert <in.py> -o <out.py> --json``;
exit 0 on success, a JSON report on stdout. Each case is written to its own
.py file in a temporary folder, and the files are converted by parallel CLI
processes, once per pytest session.

``FixtureConverter`` reads hand-written converted files instead; it exists
only to test the harness's own plumbing and is never used for a verdict on
the engine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .paths import cli_path, fixtures_dir


@dataclass
class Conversion:
    """What the converter produced for one case."""

    source: str | None
    error: str | None = None
    report: Any = None
    seconds: float = 0.0
    command: list[str] = field(default_factory=list)


def file_stem(case_name: str) -> str:
    """A file name for a case name such as 'op:torch.nn.functional.relu'."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", case_name)


class CliConverter:
    """Runs the switcheroo CLI on every case, one process per case file."""

    def __init__(self, cli: Path | None = None, workers: int | None = None):
        self.cli = Path(cli or cli_path())
        self.node = os.environ.get("SWITCHEROO_NODE", shutil.which("node") or "node")
        self.workers = (
            workers or int(os.environ.get("SWITCHEROO_VERIFY_WORKERS", 0)) or (os.cpu_count() or 2)
        )
        self.seconds = 0.0

    def missing(self) -> str | None:
        if not self.cli.exists():
            return (
                f"switcheroo CLI not found at {self.cli} (build the engine and CLI first, "
                "or set SWITCHEROO_CLI)"
            )
        return None

    def _one(self, tmp: Path, name: str, source: str) -> Conversion:
        stem = file_stem(name)
        src = tmp / f"{stem}.py"
        out = tmp / f"{stem}.converted.py"
        src.write_text(source, encoding="utf-8")
        cmd = [self.node, str(self.cli), "convert", str(src), "-o", str(out), "--json"]
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd,
                cwd=self.cli.parent.parent,
                capture_output=True,
                text=True,
                timeout=120,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return Conversion(None, f"CLI did not run: {exc}", command=cmd)
        dt = time.perf_counter() - t0
        report: Any = None
        try:
            report = json.loads(proc.stdout) if proc.stdout.strip() else None
        except json.JSONDecodeError:
            report = proc.stdout
        if proc.returncode != 0:
            return Conversion(
                None,
                f"CLI exited {proc.returncode}: {proc.stderr.strip() or proc.stdout.strip()}",
                report,
                dt,
                cmd,
            )
        if not out.exists():
            return Conversion(None, f"CLI exited 0 but wrote no {out.name}", report, dt, cmd)
        return Conversion(out.read_text(encoding="utf-8"), None, report, dt, cmd)

    def convert_many(self, sources: dict[str, str]) -> dict[str, Conversion]:
        problem = self.missing()
        if problem:
            return {name: Conversion(None, problem) for name in sources}
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="switcheroo-verify-") as d:
            tmp = Path(d)
            with ThreadPoolExecutor(self.workers) as pool:
                futures = {n: pool.submit(self._one, tmp, n, s) for n, s in sources.items()}
                results = {n: f.result() for n, f in futures.items()}
        self.seconds = time.perf_counter() - t0
        return results


class FixtureConverter:
    """Hand-written converted files (verify/fixtures/converted/<case>.py): plumbing tests only."""

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder or fixtures_dir())

    def path(self, name: str) -> Path:
        return self.folder / f"{file_stem(name)}.py"

    def has(self, name: str) -> bool:
        return self.path(name).exists()

    def convert_many(self, sources: dict[str, str]) -> dict[str, Conversion]:
        out = {}
        for name in sources:
            p = self.path(name)
            out[name] = (
                Conversion(p.read_text(encoding="utf-8"))
                if p.exists()
                else Conversion(None, f"no fixture {p}")
            )
        return out
