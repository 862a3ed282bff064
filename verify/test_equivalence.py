"""The equivalence cases: each converted by the project's CLI and run on both sides."""

from __future__ import annotations

import pytest
from all_cases import all_cases
from conftest import record_diff
from harness.run_case import CaseFailure, run_case

CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case, cli_conversions, request):
    conversion = cli_conversions[case.name]
    if conversion.source is None:
        pytest.fail(f"conversion failed: {conversion.error}", pytrace=False)
    try:
        diff = run_case(case, conversion.source)
    except CaseFailure as exc:
        record_diff(request, exc.max_abs_diff)
        pytest.fail(str(exc), pytrace=False)
    record_diff(request, diff)
