"""Run a case on both sides and compare.

torch side: the original snippet. JAX side: the converted snippet, which must
not import torch. Same inputs (numpy, float32 from torch's generator with seed
0). Module weights are ported with jupyterlab_switcheroo.weights before the
torch step, so a train-mode step compares outputs and updated batch stats.
"""

from __future__ import annotations

import ast
import itertools
import math
import sys
import types
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import layout
from .cases import Case

_counter = itertools.count()


@dataclass
class Outcome:
    ok: bool
    max_abs_diff: float | None
    message: str = ""


class CaseFailure(AssertionError):
    def __init__(self, message: str, max_abs_diff: float | None = None):
        super().__init__(message)
        self.max_abs_diff = max_abs_diff


# ----------------------------------------------------------------- inputs


@dataclass
class Inputs:
    """One case's inputs: the common numpy source, and which came from torch tensors."""

    values: dict[str, Any]  # name -> numpy array (from a tensor or numpy) or Python value
    tensors: set[str]  # names whose value was a torch.Tensor

    def for_torch(self) -> list[Any]:
        import torch

        return [
            torch.from_numpy(v.copy()) if n in self.tensors else v for n, v in self.values.items()
        ]

    def for_jax(self, channels_first: tuple[str, ...] = ()) -> list[Any]:
        import jax.numpy as jnp

        out = []
        for n, v in self.values.items():
            if n in self.tensors:
                out.append(jnp.asarray(layout.to_converted(v) if n in channels_first else v))
            else:
                out.append(v.copy() if isinstance(v, np.ndarray) else v)
        return out


def make_inputs(case: Case) -> Inputs:
    """Evaluate the torch input expressions (seed 0) into numpy arrays / Python values.

    A torch tensor becomes a numpy array, handed to the torch side as a tensor
    and to the JAX side as a jax array; a numpy array (``t.numpy()``) stays a
    numpy array on both sides.
    """
    import torch
    import torch.nn as tnn
    import torch.nn.functional as tF

    torch.manual_seed(0)
    ns: dict[str, Any] = {"torch": torch, "nn": tnn, "F": tF, "math": math, "np": np}
    values: dict[str, Any] = {}
    tensors: set[str] = set()
    for name, expr in case.inputs.items():
        value = eval(expr, ns)
        ns[name] = value
        if isinstance(value, torch.Tensor):
            values[name] = value.detach().cpu().numpy().copy()
            tensors.add(name)
        else:
            values[name] = value
    return Inputs(values, tensors)


# ----------------------------------------------------------------- loading code


def torch_imports(source: str) -> list[str]:
    """torch imports left in a (converted) source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "torch"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "torch":
            found.append(node.module or "")
    return found


def load_source(source: str, label: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Execute source as a fresh module (registered in sys.modules, as dataclasses need)."""
    name = f"switcheroo_case_{next(_counter)}_{label}"
    mod = types.ModuleType(name)
    mod.__dict__.update(extra or {})
    sys.modules[name] = mod
    exec(compile(source, f"<{label}>", "exec"), mod.__dict__)
    return mod.__dict__


# ----------------------------------------------------------------- comparison


def leaves(value: Any) -> list[Any]:
    """Flatten tuples / lists / namedtuples / dicts of arrays into a list of numpy values."""
    if isinstance(value, dict):
        return [x for k in sorted(value) for x in leaves(value[k])]
    if isinstance(value, (tuple, list)):
        return [x for v in value for x in leaves(v)]
    if hasattr(value, "detach"):
        t = value.detach().cpu()
        if str(t.dtype) == "torch.bfloat16":  # numpy has no bfloat16: compare as float32
            return [_Bf16(t.float().numpy())]
        return [t.numpy()]
    a = np.asarray(value)
    if a.dtype.name == "bfloat16":  # ml_dtypes bfloat16 (JAX)
        return [_Bf16(a.astype(np.float32))]
    return [a]


class _Bf16(np.ndarray):
    """A bfloat16 array widened to float32 for comparison; remembers it was bfloat16."""

    def __new__(cls, a: np.ndarray) -> _Bf16:
        return np.asarray(a).view(cls)


def _kind(a: np.ndarray) -> str:
    k = a.dtype.kind
    return {"b": "bool", "i": "int", "u": "int", "f": "float", "c": "complex"}.get(k, k)


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    if a.size == 0:
        return 0.0
    a64 = a.astype(np.complex128 if _kind(a) == "complex" else np.float64)
    b64 = b.astype(a64.dtype)
    same = (a64 == b64) | (np.isnan(a64) & np.isnan(b64))
    d = np.abs(a64 - b64)
    d = np.where(same, 0.0, d)
    d = np.where(np.isnan(d), np.inf, d)
    return float(d.max())


def _pairs(expected: Any, actual: Any, what: str, problems: list[str]):
    """Both sides' arrays, paired with a tag; their counts must agree, and a pair whose
    shapes differ is recorded in `problems` and not yielded."""
    exp, act = leaves(expected), leaves(actual)
    if len(exp) != len(act):
        raise CaseFailure(f"{what}: torch gives {len(exp)} arrays, converted code {len(act)}")
    for i, (e, a) in enumerate(zip(exp, act, strict=True)):
        tag = what if len(exp) == 1 else f"{what}[{i}]"
        if e.shape != a.shape:
            problems.append(f"{tag}: shape {a.shape}, torch {e.shape}")
            continue
        yield tag, e, a


def _dtype_problem(tag: str, e: Any, a: Any) -> str | None:
    """A dtype-kind mismatch (int and bool count as one kind), described; None when they agree."""
    if _kind(e) != _kind(a) and not {_kind(e), _kind(a)} <= {"int", "bool"}:
        return f"{tag}: dtype {a.dtype}, torch {e.dtype}"
    return None


def compare_values(
    expected: Any, actual: Any, rtol: float, atol: float, what: str = "output"
) -> float:
    """Raise CaseFailure unless actual matches expected; return the max abs diff."""
    worst = 0.0
    problems: list[str] = []
    for tag, e, a in _pairs(expected, actual, what, problems):
        if dtype := _dtype_problem(tag, e, a):
            problems.append(dtype)
        if isinstance(e, _Bf16) != isinstance(a, _Bf16):
            problems.append(
                f"{tag}: bfloat16 on {'the torch' if isinstance(e, _Bf16) else 'the JAX'} side only"
            )
        e, a = np.asarray(e), np.asarray(a)
        d = max_abs_diff(e, a)
        worst = max(worst, d)
        if _kind(e) in ("float", "complex"):
            a_c = a.astype(e.dtype) if _kind(a) == _kind(e) else a
            if not np.allclose(a_c, e, rtol=rtol, atol=atol, equal_nan=True):
                problems.append(f"{tag}: max abs diff {d:.3g} > rtol={rtol:g}, atol={atol:g}")
        elif d != 0:
            problems.append(f"{tag}: values differ (max abs diff {d:.3g})")
    if problems:
        raise CaseFailure("; ".join(problems), worst)
    return worst


def ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic: the largest gap between the empirical CDFs."""
    a, b = np.sort(a.ravel()), np.sort(b.ravel())
    grid = np.concatenate([a, b])
    return float(
        np.abs(
            np.searchsorted(a, grid, side="right") / a.size
            - np.searchsorted(b, grid, side="right") / b.size
        ).max()
    )


def ks_bound(n: int, m: int) -> float:
    """The KS distance two samples of one distribution stay under except with probability ~2e-9
    (c(alpha) = sqrt(-ln(alpha / 2) / 2) = 3.22, the suite's 6-sigma level)."""
    return 3.22 * math.sqrt((n + m) / (n * m))


def compare_statistics(
    expected: Any, actual: Any, what: str = "output", distribution: bool = False
) -> float:
    """Random ops: same shapes and dtype kinds, and matching mean / std / zero fraction.

    Tolerances scale with the sample size n: |mean diff| <= 6 sigma/sqrt(n) + 0.02,
    |std ratio - 1| <= 6/sqrt(2n) + 0.02, |zero-fraction diff| <= 6 sqrt(p(1-p)/n) + 0.02.
    With ``distribution``, the whole distributions must also agree: two-sample KS distance
    <= ks_bound (a uniform and a normal of equal variance differ by 0.04 and are told apart
    from ~1e5 values). Returns the largest absolute statistic difference.
    """
    worst = 0.0
    problems: list[str] = []
    for tag, e, a in _pairs(expected, actual, what, problems):
        if dtype := _dtype_problem(tag, e, a):
            problems.append(dtype)
            continue
        n = max(e.size, 1)
        ef, af = e.astype(np.float64).ravel(), a.astype(np.float64).ravel()
        sigma = float(ef.std()) or 1.0
        stats = [
            ("mean", ef.mean(), af.mean(), 6 * sigma / math.sqrt(n) + 0.02),
            ("std", ef.std(), af.std(), (6 / math.sqrt(2 * n) + 0.02) * max(ef.std(), 1e-12)),
        ]
        p = float((ef == 0).mean())
        stats.append(
            ("zero fraction", p, float((af == 0).mean()), 6 * math.sqrt(p * (1 - p) / n) + 0.02)
        )
        if distribution:
            stats.append(("KS distance", 0.0, ks_distance(ef, af), ks_bound(ef.size, af.size)))
        for label, ev, av, tol in stats:
            d = abs(float(ev) - float(av))
            worst = max(worst, d)
            if not d <= tol:
                problems.append(f"{tag}: {label} {av:.4g}, torch {ev:.4g} (tol {tol:.3g})")
    if problems:
        raise CaseFailure("; ".join(problems), worst)
    return worst


# ----------------------------------------------------------------- running


def randomize_norms(module: Any, seed: int = 0) -> None:
    """Give norms non-trivial affine parameters and BatchNorm non-trivial running stats,
    so that scale/bias/mean/var porting mistakes cannot hide behind 1s and 0s."""
    import torch
    import torch.nn as tnn

    g = torch.Generator().manual_seed(seed)
    norms = (
        tnn.modules.batchnorm._BatchNorm,
        tnn.LayerNorm,
        tnn.GroupNorm,
        tnn.modules.instancenorm._InstanceNorm,
    )
    with torch.no_grad():
        for m in module.modules():
            if not isinstance(m, norms):
                continue
            w, b = getattr(m, "weight", None), getattr(m, "bias", None)
            if w is not None:
                w.copy_(torch.rand(w.shape, generator=g) + 0.5)
            if b is not None:
                b.copy_(torch.randn(b.shape, generator=g))
            if isinstance(m, tnn.modules.batchnorm._BatchNorm) and m.running_mean is not None:
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g))
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)


def run_function_case(case: Case, converted: str) -> float:
    import torch

    inputs = make_inputs(case)
    torch_ns = load_source(case.source, "torch")
    with torch.no_grad():
        expected = torch_ns["case"](*inputs.for_torch())
    jax_ns = load_source(converted, "jax", _jax_globals())
    actual = jax_ns["case"](*inputs.for_jax())
    if case.random:
        return compare_statistics(expected, actual, distribution=case.distribution)
    return compare_values(expected, actual, case.rtol, case.atol)


def run_toplevel_case(case: Case, converted: str) -> float:
    import torch

    inputs = make_inputs(case)
    names = list(inputs.values)
    torch.manual_seed(0)
    with torch.no_grad():
        expected = load_source(
            case.source, "torch", dict(zip(names, inputs.for_torch(), strict=True))
        )["result"]
    jax_globals = {**_jax_globals(), **dict(zip(names, inputs.for_jax(), strict=True))}
    actual = load_source(converted, "jax", jax_globals)["result"]
    if case.random:
        return compare_statistics(expected, actual, distribution=case.distribution)
    return compare_values(expected, actual, case.rtol, case.atol)


def _jax_globals() -> dict[str, Any]:
    """Names the harness provides to converted code: a PRNG key for random ops."""
    import jax

    key = jax.random.key(0)
    return {"key": key, "rng": key}


def run_module_case(case: Case, converted: str) -> float:
    """Layer and module cases: build both, port weights, run one eval or train step."""
    import jax
    import torch

    from jupyterlab_switcheroo.weights import port_state_dict

    inputs = make_inputs(case)
    torch_ns = load_source(case.source, "torch")
    torch.manual_seed(0)
    tmodel = eval(case.build, torch_ns)
    randomize_norms(tmodel)
    if case.setup:
        exec(case.setup, {**torch_ns, "model": tmodel, "torch": torch})
    tmodel.train(case.train)

    jax_ns = load_source(converted, "jax", _jax_globals())
    fmodel = eval(case.build, jax_ns)
    jx = inputs.for_jax(case.channels_first)
    key = jax.random.key(0)
    template = fmodel.init({"params": key, "dropout": key}, *jx)
    # Port before the torch step: a train step updates torch's running stats.
    variables = port_state_dict(tmodel, template=template)

    with torch.no_grad():
        expected = tmodel(*inputs.for_torch())
    if case.train:
        actual, updates = fmodel.apply(
            variables, *jx, training=True, mutable=["batch_stats"], rngs={"dropout": key}
        )
    else:
        actual, updates = fmodel.apply(variables, *jx, rngs={"dropout": key}), None
    if case.output_channels_first:
        actual = [layout.from_converted(a) for a in leaves(actual)]
        actual = actual[0] if len(actual) == 1 else actual
    if case.random:
        worst = compare_statistics(expected, actual)
    else:
        worst = compare_values(expected, actual, case.rtol, case.atol)
    if case.train:
        want = port_state_dict(tmodel, template=template, as_jax=False).get("batch_stats", {})
        got = (updates or {}).get("batch_stats", {})
        from jupyterlab_switcheroo.weights import _flatten

        fw, fg = _flatten(want), _flatten(got)
        if set(fw) != set(fg):
            raise CaseFailure(
                f"batch_stats paths differ: torch {sorted(fw)}, converted {sorted(fg)}", worst
            )
        for k in sorted(fw):
            # The running mean must match at the case tolerance; the running var
            # gets the case's stated stats tolerance (unbiased vs biased variance).
            is_var = k[-1] == "var"
            worst = max(
                worst,
                compare_values(
                    fw[k],
                    np.asarray(fg[k]),
                    case.stats_rtol if is_var else case.rtol,
                    case.stats_atol if is_var else case.atol,
                    what="batch_stats/" + "/".join(k),
                ),
            )
    return worst


def run_optimizer_case(case: Case, converted: str) -> float:
    """Drive torch's optimizer and the converted optax transformation on the same
    parameters and gradients; compare the parameters after every step."""
    import optax
    import torch
    import torch.nn as tnn

    from jupyterlab_switcheroo.weights import _kinds_from_module, port_state_dict

    torch.manual_seed(0)
    if case.build:
        model = eval(case.build, {"torch": torch, "nn": tnn})
        torch_ns = load_source(case.source, "torch", {"model": model})
        jax_extra = {**_jax_globals(), "model": None}
    else:  # the snippet builds `model` itself (parameter groups read its parameters)
        torch_ns = load_source(case.source, "torch")
        model = torch_ns["model"]
        jax_extra = _jax_globals()
    kinds, containers = _kinds_from_module(model)
    hints = {**kinds, **containers}

    def port(named: dict[str, Any], as_jax: bool = True) -> Any:
        return port_state_dict(named, module_types=hints, as_jax=as_jax)["params"]

    params = port({n: p.detach().clone() for n, p in model.named_parameters()})
    opt = torch_ns["opt"]
    tx = load_source(converted, "jax", jax_extra)["opt"]
    if not isinstance(tx, optax.GradientTransformation):
        raise CaseFailure(
            f"converted opt is {type(tx).__name__}, not an optax GradientTransformation"
        )
    state = tx.init(params)
    rng = np.random.default_rng(0)
    worst = 0.0
    for step in range(int(case.extra.get("steps", 3))):
        grads = {
            n: rng.standard_normal(tuple(p.shape)).astype(np.float32)
            for n, p in model.named_parameters()
        }
        for n, p in model.named_parameters():
            p.grad = torch.from_numpy(grads[n].copy())
        opt.step()
        updates, state = tx.update(port(grads), state, params)
        params = optax.apply_updates(params, updates)
        want = port({n: p.detach() for n, p in model.named_parameters()}, as_jax=False)
        from jupyterlab_switcheroo.weights import _flatten

        fw, fg = _flatten(want), _flatten(params)
        for k in sorted(fw):
            worst = max(
                worst,
                compare_values(
                    fw[k],
                    np.asarray(fg[k]),
                    case.rtol,
                    case.atol,
                    what=f"step {step + 1} params/" + "/".join(k),
                ),
            )
    return worst


STEP_MARK = "# -- steps --"


def run_step_case(case: Case, converted: str) -> float:
    """Training-step cases: the snippet builds ``model`` and ``optimizer``, then, after
    STEP_MARK, trains. At the mark torch's initial weights are ported into the converted
    ``variables`` (and ``opt_state`` initialised again); after the steps every name in
    ``case.extra['compare']`` and the final parameters are compared."""
    import torch

    from jupyterlab_switcheroo.weights import _flatten, port_state_dict

    if converted.count(STEP_MARK) != 1:
        raise CaseFailure(f"the converted code does not keep the line {STEP_MARK!r} once")
    inputs = make_inputs(case)
    names = list(inputs.values)
    torch_setup, torch_steps = case.source.split(STEP_MARK)
    jax_setup, jax_steps = converted.split(STEP_MARK)
    torch.manual_seed(0)
    tns = load_source(torch_setup, "torch", dict(zip(names, inputs.for_torch(), strict=True)))
    jns = load_source(
        jax_setup, "jax", {**_jax_globals(), **dict(zip(names, inputs.for_jax(), strict=True))}
    )
    tmodel = tns["model"]
    jns["variables"] = port_state_dict(tmodel, template=jns["variables"])
    jns["opt_state"] = jns["optimizer"].init(jns["variables"]["params"])
    exec(compile(torch_steps, "<torch steps>", "exec"), tns)
    exec(compile(jax_steps, "<jax steps>", "exec"), jns)
    worst = 0.0
    for name in case.extra["compare"]:
        worst = max(worst, compare_values(tns[name], jns[name], case.rtol, case.atol, what=name))
    want = _flatten(port_state_dict(tmodel, template=jns["variables"], as_jax=False)["params"])
    got = _flatten(jns["variables"]["params"])
    for k in sorted(want):
        worst = max(
            worst,
            compare_values(
                want[k], np.asarray(got[k]), case.rtol, case.atol, what="params/" + "/".join(k)
            ),
        )


def run_init_case(case: Case, converted: str) -> float:
    """Notebook-style init code run on both sides; the parameters it sets compared by law."""
    import torch

    from jupyterlab_switcheroo.weights import _flatten, _kinds_from_module, port_state_dict

    torch.manual_seed(0)
    tmodel = load_source(case.source, "torch")["model"]
    variables = load_source(converted, "jax", _jax_globals()).get("variables")
    if variables is None:
        raise CaseFailure("the converted code binds no `variables` for `model`")
    kinds, containers = _kinds_from_module(tmodel)
    state = {k: v.detach() for k, v in tmodel.state_dict().items()}

    def port(tensors: dict[str, Any]) -> dict[tuple[str, ...], Any]:
        return _flatten(
            port_state_dict(
                tensors, template=variables, module_types={**kinds, **containers}, as_jax=False
            )
        )

    want, got = port(state), _flatten(variables)
    worst = 0.0
    for name in case.extra["compare"]:
        # the Flax leaf of this torch tensor: port it alone, marked, and find it
        marked = port(
            {k: torch.ones_like(v) if k == name else torch.zeros_like(v) for k, v in state.items()}
        )
        hits = [k for k, v in marked.items() if v.size and np.all(v == 1)]
        if len(hits) != 1:
            raise CaseFailure(f"{name}: no single Flax leaf ({hits})", worst)
        path = hits[0]
        what = "/".join(path)
        worst = max(worst, compare_statistics(want[path], np.asarray(got[path]), what, True))
    return worst


def run_case(case: Case, converted: str) -> float:
    left = torch_imports(converted)
    if left:
        raise CaseFailure(f"converted code still imports torch: {', '.join(left)}")
    if case.kind == "function":
        return run_function_case(case, converted)
    if case.kind == "toplevel":
        return run_toplevel_case(case, converted)
    if case.kind == "optimizer":
        return run_optimizer_case(case, converted)
    if case.kind == "step":
        return run_step_case(case, converted)
    if case.kind == "init":
        return run_init_case(case, converted)
    return run_module_case(case, converted)
