"""Run the numerical equivalence suite and print its table.

    .venv/bin/python verify/run.py [pytest args...]

Prints one row per test (case, max abs diff, pass/fail) and ends with the line
``N passed, M failed``. Skipped tests count as failed (the suite allows no
skips on a machine that has the packages). Exit status 0 only when M == 0 and
at least one test ran.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


class TablePlugin:
    def __init__(self) -> None:
        self.rows: dict[str, list] = {}  # nodeid -> [name, diff, outcome, message]

    @staticmethod
    def _name(report) -> str:
        test = report.nodeid.split("::")[-1]
        for prefix in ("test_case[", "test_fixture_case["):
            if test.startswith(prefix) and test.endswith("]"):
                return test[len(prefix) : -1]  # an equivalence case: its own name
        module = report.nodeid.split("::")[0].rsplit("/", 1)[-1].removesuffix(".py")
        return f"{module}::{test}"

    def pytest_runtest_logreport(self, report) -> None:
        row = self.rows.setdefault(report.nodeid, [self._name(report), None, "pass", ""])
        for key, value in report.user_properties:
            if key == "max_abs_diff":
                row[1] = value
        if report.failed:
            row[2] = "FAIL"
            crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
            text = getattr(crash, "message", None) or getattr(report, "longreprtext", "") or ""
            lines = text.strip().splitlines()
            row[3] = lines[0][:200] if lines else ""
        elif report.skipped and row[2] == "pass":
            row[2] = "SKIP"
            row[3] = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.rows[report.nodeid or "collection"] = [
                f"collect {report.nodeid}",
                None,
                "FAIL",
                str(report.longrepr).strip().splitlines()[-1][:160],
            ]


def main(argv: list[str]) -> int:
    plugin = TablePlugin()
    t0 = time.perf_counter()
    pytest.main(["-q", "-p", "no:cacheprovider", "--tb=line", str(HERE), *argv], plugins=[plugin])
    seconds = time.perf_counter() - t0
    rows = list(plugin.rows.values())
    width = max([len(r[0]) for r in rows] + [4])
    print()
    print(f"{'case':<{width}}  {'max abs diff':>12}  result")
    print(f"{'-' * width}  {'-' * 12}  ------")
    for name, diff, outcome, message in rows:
        d = "-" if diff is None else f"{diff:.3g}"
        tail = f"  {message}" if outcome != "pass" and message else ""
        print(f"{name:<{width}}  {d:>12}  {outcome}{tail}")
    passed = sum(r[2] == "pass" for r in rows)
    failed = len(rows) - passed
    print(f"\n{len(rows)} tests in {seconds:.1f}s")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
