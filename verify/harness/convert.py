"""Conversion through the project's CLI (the same engine the extension uses).

Interface used: ``node bin/switcheroo.js convert <in.py> -o <out.py> --json``;
exit 0 on success, a JSON report on stdout. Each case is written to its own
.py file in a temporary folder (each file is converted on its own, exactly as
a user's snippet would be), once per pytest session.

Speed: one node process costs ~0.2 s, so the cases are first converted in a
few batched calls, ``convert a.py b.py ... --json`` (the CLI converts each
input separately, writes ``<stem>_jax.py`` and prints a JSON list of reports
with each input's ``output``), one batch per worker. A batch that fails as a
whole (non-zero exit, unreadable report) falls back to one process per file,
so one crashing case cannot take others down.

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


def run_cli(cmd: list[str], cwd: Path, log: Path, timeout: float) -> tuple[int, str, str]:
    """Run the CLI with stdout going to a file, not a pipe.

    Node writes to a pipe asynchronously, and the CLI's process.exit() cuts a
    large --json report off at 64 KiB; writes to a file are synchronous.
    """
    with open(log, "w+", encoding="utf-8") as out:
        proc = subprocess.run(
            cmd, cwd=cwd, stdout=out, stderr=subprocess.PIPE, text=True, timeout=timeout
        )
        out.seek(0)
        return proc.returncode, out.read(), proc.stderr


def parse_report(stdout: str) -> Any:
    """The JSON report the CLI prints (--json); text after the JSON value is ignored."""
    text = stdout.lstrip()
    if not text:
        return None
    try:
        return json.JSONDecoder().raw_decode(text)[0]
    except json.JSONDecodeError:
        return stdout


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
            code, stdout, stderr = run_cli(
                cmd, self.cli.parent.parent, tmp / f"{stem}.report.json", 120
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return Conversion(None, f"CLI did not run: {exc}", command=cmd)
        dt = time.perf_counter() - t0
        report = parse_report(stdout)
        if code != 0:
            return Conversion(
                None,
                f"CLI exited {code}: {stderr.strip() or stdout.strip()}",
                report,
                dt,
                cmd,
            )
        if not out.exists():
            return Conversion(None, f"CLI exited 0 but wrote no {out.name}", report, dt, cmd)
        return Conversion(out.read_text(encoding="utf-8"), None, report, dt, cmd)

    def _batch(self, tmp: Path, names: list[str], sources: dict[str, str]) -> dict[str, Conversion]:
        """Convert several files in one CLI process; per-file fallback if the batch fails."""
        folder = Path(tempfile.mkdtemp(prefix="batch", dir=tmp))
        paths = {}
        for name in names:
            paths[name] = folder / f"{file_stem(name)}.py"
            paths[name].write_text(sources[name], encoding="utf-8")
        cmd = [self.node, str(self.cli), "convert", *map(str, paths.values()), "--json"]
        t0 = time.perf_counter()
        try:
            code, stdout, _ = run_cli(cmd, self.cli.parent.parent, folder / "report.json", 600)
            reports = parse_report(stdout) if code == 0 else None
        except (OSError, subprocess.TimeoutExpired):
            reports = None
        if isinstance(reports, dict):
            reports = [reports]
        by_input = {}
        if isinstance(reports, list):
            by_input = {
                str(Path(r["input"]).resolve()): r
                for r in reports
                if isinstance(r, dict) and "input" in r and "output" in r
            }
        dt = (time.perf_counter() - t0) / max(len(names), 1)
        results: dict[str, Conversion] = {}
        for name, path in paths.items():
            r = by_input.get(str(path.resolve()))
            out = Path(r["output"]) if r else None
            if out is not None and not out.is_absolute():
                out = self.cli.parent.parent / out
            if r and out is not None and out.exists():
                results[name] = Conversion(out.read_text(encoding="utf-8"), None, r, dt, cmd)
            else:
                results[name] = self._one(tmp, name, sources[name])
        return results

    def convert_many(self, sources: dict[str, str]) -> dict[str, Conversion]:
        problem = self.missing()
        if problem:
            return {name: Conversion(None, problem) for name in sources}
        t0 = time.perf_counter()
        names = list(sources)
        chunks = [names[i :: self.workers] for i in range(self.workers) if names[i :: self.workers]]
        results: dict[str, Conversion] = {}
        with tempfile.TemporaryDirectory(prefix="switcheroo-verify-") as d:
            tmp = Path(d)
            with ThreadPoolExecutor(self.workers) as pool:
                for part in pool.map(lambda c: self._batch(tmp, c, sources), chunks):
                    results.update(part)
        self.seconds = time.perf_counter() - t0
        return {n: results[n] for n in names}


class FixtureConverter:
    """Hand-written converted files (verify/fixtures/converted/<case>.py): plumbing tests only.

    A line ``# include: <file>`` stands for ``include/<file>``: a helper the engine defines once
    per notebook (RecurrentLayer, MultiheadAttention) is written down once for all the fixtures
    that use it."""

    INCLUDE = re.compile(r"^# include: (\S+)\n", re.M)

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder or fixtures_dir())

    def path(self, name: str) -> Path:
        return self.folder / f"{file_stem(name)}.py"

    def has(self, name: str) -> bool:
        return self.path(name).exists()

    def text(self, name: str) -> str:
        """The fixture's code, includes expanded."""
        raw = self.path(name).read_text(encoding="utf-8")
        include = self.folder / "include"
        return self.INCLUDE.sub(lambda m: (include / m[1]).read_text(encoding="utf-8"), raw)

    def convert_many(self, sources: dict[str, str]) -> dict[str, Conversion]:
        return {
            name: Conversion(self.text(name))
            if self.has(name)
            else Conversion(None, f"no fixture {self.path(name)}")
            for name in sources
        }
