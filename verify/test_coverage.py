"""Coverage rule: every knowledge-base entry that maps an op has a numerical case."""

from __future__ import annotations

from cases_modules import MODULE_CASES
from cases_optim import OPTIM_CASES, SCHEDULER_CASES
from harness.cases import OP_KINDS, kb_errors, kb_files, load_kb
from harness.paths import semantics_dir


def uncovered(entries, module_cases) -> list[str]:
    written = {key for case in module_cases for key in case.covers}
    return sorted(
        f"{e.key} ({e.file})"
        for e in entries
        if e.kind in OP_KINDS
        and not (e.test or {}).get("expr")
        and not (e.test or {}).get("none")
        and e.key not in written
    )


def test_knowledge_base_found():
    files = kb_files()
    assert files, f"no knowledge-base JSON files in {semantics_dir()} (SWITCHEROO_SEMANTICS_DIR)"
    assert load_kb(), f"the knowledge base in {semantics_dir()} has no entries"


def test_knowledge_base_readable():
    errors = kb_errors()
    assert not errors, "unreadable knowledge-base files:\n  " + "\n  ".join(errors)


def test_every_op_entry_has_a_case():
    missing = uncovered(load_kb(), MODULE_CASES + OPTIM_CASES + SCHEDULER_CASES)
    assert not missing, (
        f"{len(missing)} knowledge-base entries map an op but have no numerical case "
        "(add a `test` spec to the entry, or a module case in verify/cases_modules.py "
        "that lists the key in `covers`):\n  " + "\n  ".join(missing)
    )
