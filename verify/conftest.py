"""pytest configuration of the numerical equivalence suite."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "verify"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))
