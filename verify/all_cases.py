"""Every equivalence case: generated from the knowledge base plus hand-written modules,
optimizers and initialisations."""

from __future__ import annotations

from cases_init import INIT_CASES
from cases_modules import MODULE_CASES
from cases_optim import OPTIM_CASES, SCHEDULER_CASES
from harness.cases import Case, kb_cases


def all_cases() -> list[Case]:
    return kb_cases() + MODULE_CASES + OPTIM_CASES + SCHEDULER_CASES + INIT_CASES
