"""Case model: a PyTorch snippet plus an input spec, and the knowledge-base loader.

Three kinds of case, all converted by the CLI:

* ``function`` (knowledge-base function/method entries): the snippet defines
  ``def case(<inputs>)`` returning the entry's ``expr``; the converted ``case``
  is called with the same inputs.
* ``toplevel`` (random entries): the snippet is notebook-style top-level code,
  ``result = <expr>``, with the inputs bound as globals before it runs.
* ``layer`` (knowledge-base layer entries whose expr is ``Layer(...)(inputs)``):
  the snippet wraps the layer in ``class Case(nn.Module)``; weights are ported.
* ``module`` (hand-written, verify/cases_modules.py): a snippet defining a
  module class, a build expression, and a mode (eval or train).

Inputs are torch expressions (``torch.randn(3, 4)``) evaluated once, with a
fixed seed, into numpy arrays: the common source of both sides.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .paths import semantics_dir

HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"

DEFAULT_RTOL = 1e-5
DEFAULT_ATOL = 1e-5

OP_KINDS = ("function", "method", "layer")


@dataclass
class Case:
    name: str
    kind: str  # 'function' | 'toplevel' | 'layer' | 'module'
    source: str  # the PyTorch snippet handed to the CLI
    inputs: dict[str, str]  # name -> torch expression
    build: str = ""  # layer/module: expression building the module in both namespaces
    train: bool = False  # module: run one training-mode step
    random: bool = False
    distribution: bool = False  # random: also compare the whole distribution (Kolmogorov-Smirnov)
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL
    why: str = ""  # reason for a looser tolerance
    channels_first: tuple[str, ...] = ()  # inputs that are channels-first images
    output_channels_first: bool = False
    stats_rtol: float = DEFAULT_RTOL  # running *variance* after a train step
    stats_atol: float = DEFAULT_ATOL
    stats_why: str = ""  # why the running variance needs stats_rtol / stats_atol
    covers: tuple[str, ...] = ()  # knowledge-base keys this case exercises
    setup: str = ""  # torch code run on `model` before the step (e.g. set stats)
    origin: str = ""  # where the case comes from (KB file or verify/ module)
    extra: dict[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------- knowledge base


@dataclass
class KbEntry:
    key: str
    kind: str
    file: str
    spec: dict[str, Any]

    @property
    def test(self) -> dict[str, Any] | None:
        return self.spec.get("test")


def kb_files(folder: Path | None = None) -> list[Path]:
    folder = Path(folder or semantics_dir())
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.json") if p.name != "schema.json")


def kb_errors(folder: Path | None = None) -> list[str]:
    """Knowledge-base files that cannot be read (reported by test_coverage)."""
    errors = []
    for path in kb_files(folder):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data.get("entries"), dict):
                errors.append(f"{path.name}: no 'entries' object")
        except (OSError, ValueError, AttributeError) as exc:
            errors.append(f"{path.name}: {exc}")
    return errors


def load_kb(folder: Path | None = None) -> list[KbEntry]:
    """Entries of every readable knowledge-base file (unreadable files: see kb_errors)."""
    entries: list[KbEntry] = []
    for path in kb_files(folder):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            items = (data.get("entries") or {}).items()
        except (OSError, ValueError, AttributeError):
            continue
        for key, spec in items:
            entries.append(KbEntry(key, spec.get("kind", ""), path.name, spec))
    return entries


def _layer_call(expr: str) -> tuple[str, list[str]] | None:
    """Split ``nn.Linear(4, 3)(x)`` into the constructor text and the call arguments."""
    try:
        node = ast.parse(expr.strip(), mode="eval").body
    except SyntaxError:
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Call) and not node.keywords:
        return ast.unparse(node.func), [ast.unparse(a) for a in node.args]
    return None


def tensor_inputs(inputs: dict[str, str]) -> list[str]:
    """Names of the inputs whose expression builds a torch.Tensor (seed 0, evaluated once)."""
    import math

    import numpy as np
    import torch
    import torch.nn as tnn
    import torch.nn.functional as tF

    torch.manual_seed(0)
    ns: dict[str, Any] = {"torch": torch, "nn": tnn, "F": tF, "math": math, "np": np}
    names = []
    for name, expr in inputs.items():
        try:
            ns[name] = eval(expr, ns)
        except Exception:
            # The run reports a broken input spec; assume a tensor meanwhile.
            ns[name] = None
            names.append(name)
            continue
        if isinstance(ns[name], torch.Tensor):
            names.append(name)
    return names


def _type_hints(tensors: list[str], indent: str) -> str:
    """``x = torch.as_tensor(x)`` per tensor input: a no-op on both sides
    (jnp.asarray once converted) that tells the engine the name is a tensor, as
    the code that made it would in a notebook. Without it, methods whose names
    other types share (x.transpose, x.repeat, x.add) are rightly left alone."""
    return "".join(f"{indent}{n} = torch.as_tensor({n})\n" for n in tensors)


def function_snippet(expr: str, inputs: list[str], tensors: list[str] | None = None) -> str:
    params = ", ".join(inputs)
    hints = _type_hints(inputs if tensors is None else tensors, "    ")
    return f"{HEADER}\n\ndef case({params}):\n{hints}    return {expr.strip()}\n"


def toplevel_snippet(expr: str, tensors: list[str] | None = None) -> str:
    """Notebook-style code: the inputs are globals bound by the harness before it runs.

    Used for random cases: the engine threads a JAX key through top-level code
    (``rng_key``), while a draw inside a function needs a key argument."""
    return f"{HEADER}\n{_type_hints(tensors or [], '')}result = {expr.strip()}\n"


def layer_snippet(constructor: str, call_args: list[str], inputs: list[str]) -> str:
    params = ", ".join(["self", *inputs])
    return (
        f"{HEADER}\n\n"
        "class Case(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        f"        self.layer = {constructor}\n\n"
        f"    def forward({params}):\n"
        f"        return self.layer({', '.join(call_args)})\n"
    )


def kb_case(entry: KbEntry) -> Case | None:
    """The generated case of a knowledge-base entry, or None when it has no test spec."""
    test = entry.test
    if not test or not test.get("expr"):
        return None
    inputs = dict(test.get("inputs") or {})
    common = {
        "inputs": inputs,
        "random": bool(test.get("random", False)),
        "distribution": bool(test.get("distribution", False)),
        "rtol": float(test.get("rtol", DEFAULT_RTOL)),
        "atol": float(test.get("atol", DEFAULT_ATOL)),
        "why": test.get("why", ""),
        "covers": (entry.key,),
        "origin": f"{entry.file}: {entry.key}",
    }
    split = _layer_call(test["expr"]) if entry.kind == "layer" else None
    if split is not None:
        from .layout import layer_is_channels_first

        constructor, args = split
        image = layer_is_channels_first(entry.key)
        return Case(
            name=f"layer:{entry.key}",
            kind="layer",
            source=layer_snippet(constructor, args, list(inputs)),
            build="Case()",
            channels_first=tuple(inputs) if image else (),
            output_channels_first=image,
            **common,
        )
    random = common["random"]
    tensors = tensor_inputs(inputs)
    return Case(
        name=f"{'method' if entry.kind == 'method' else 'op'}:{entry.key}",
        kind="toplevel" if random else "function",
        source=toplevel_snippet(test["expr"], tensors)
        if random
        else function_snippet(test["expr"], list(inputs), tensors),
        **common,
    )


def kb_cases(folder: Path | None = None) -> list[Case]:
    cases = []
    seen: set[str] = set()
    for entry in load_kb(folder):
        case = kb_case(entry)
        if case is not None and case.name not in seen:
            seen.add(case.name)
            cases.append(case)
    return cases
