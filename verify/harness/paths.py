"""Where the suite finds the project's CLI and knowledge base (env vars override)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cli_path() -> Path:
    """The switcheroo CLI entry point (SWITCHEROO_CLI overrides)."""
    return Path(os.environ.get("SWITCHEROO_CLI", ROOT / "bin" / "switcheroo.js"))


def semantics_dir() -> Path:
    """The knowledge-base folder (SWITCHEROO_SEMANTICS_DIR overrides)."""
    return Path(os.environ.get("SWITCHEROO_SEMANTICS_DIR", ROOT / "src" / "engine" / "semantics"))


def fixtures_dir() -> Path:
    return ROOT / "verify" / "fixtures" / "converted"
