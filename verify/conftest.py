"""pytest configuration of the numerical equivalence suite."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "verify"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))


def record_diff(request: pytest.FixtureRequest, value: float | None) -> None:
    """Attach a case's max abs diff to its report (read by verify/run.py)."""
    if value is not None:
        request.node.user_properties.append(("max_abs_diff", float(value)))


@pytest.fixture(scope="session")
def cli_conversions():
    """Every case converted by the project's CLI, once per session."""
    from all_cases import all_cases
    from harness.convert import CliConverter

    cases = all_cases()
    converter = CliConverter()
    results = converter.convert_many({c.name: c.source for c in cases})
    sys.stderr.write(
        f"\n[verify] converted {len(cases)} cases with the CLI in {converter.seconds:.1f}s\n"
    )
    return results
