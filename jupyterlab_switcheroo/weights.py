"""Port PyTorch weights to the Flax Linen variables of a converted module.

The converter turns ``class Net(nn.Module)`` with layers assigned in
``__init__`` into a Linen module whose ``setup()`` assigns the same attribute
names. Flax then names the parameters of a submodule after that attribute, so
a PyTorch ``state_dict`` key maps to a Flax path segment by segment:

========================================  =======================================
PyTorch key                               Flax variables path
========================================  =======================================
``fc.weight`` (Linear, ``[out, in]``)     ``params/fc/kernel`` (``[in, out]``)
``conv.weight`` (Conv2d, ``OIHW``)        ``params/conv/kernel`` (``HWIO``)
``deconv.weight`` (ConvTranspose2d,       ``params/deconv/kernel`` (``HW O I``,
``[in, out, kH, kW]``)                    for ``nn.ConvTranspose(transpose_kernel=True)``)
``bn.weight`` / ``bn.bias``               ``params/bn/scale`` / ``params/bn/bias``
``bn.running_mean`` / ``bn.running_var``  ``batch_stats/bn/mean`` / ``batch_stats/bn/var``
``bn.num_batches_tracked``                dropped
``ln.weight`` (LayerNorm, GroupNorm)      ``params/ln/scale``
``emb.weight`` (Embedding)                ``params/emb/embedding``
``act.weight`` (PReLU)                    ``params/act/negative_slope``
``lstm.weight_ih_l0`` (LSTM, GRU, RNN)    ``params/lstm/weight_ih_l0`` (unchanged:
                                          ``RecurrentLayer`` keeps torch's names)
``features.0.weight`` (nn.Sequential)     ``params/features/layers_0/...``
``blocks.0.conv.weight`` (nn.ModuleList)  ``params/blocks_0/conv/...``
``heads.cls.weight`` (nn.ModuleDict)      ``params/heads_cls/...``
``alpha`` (a bare ``nn.Parameter``,       ``params/alpha`` (unchanged)
also ``weight`` of a module of one's own)
``mask`` (``register_buffer``)            ``buffers/mask`` (unchanged)
``attn.in_proj_weight`` (Multihead-       ``params/attn/in_proj_weight`` (unchanged;
Attention), ``attn.out_proj.weight``      ``out_proj`` is a Dense: ``kernel``, transposed)
========================================  =======================================

The Sequential / ModuleList / ModuleDict rules are Flax's own naming: a
``nn.Sequential([...])`` names its members ``layers_<i>`` (the index in the
list, layers without parameters included, so PyTorch's indices carry over),
while a list or dict assigned to an attribute in ``setup()`` names its members
``<attr>_<i>`` / ``<attr>_<key>``.

What kind of layer a key belongs to is taken, in order of preference, from the
PyTorch module itself (pass the module instead of its ``state_dict``), from a
Flax ``template`` (the variables returned by ``model.init``), or guessed from
the tensors (``running_mean`` present: BatchNorm; 2-D ``weight``: Linear;
3-D or more: Conv; 1-D: a norm's scale). Pass a template whenever you can: it
also decides Sequential versus list naming, and every ported array is checked
against its shape.

Typical use::

    variables = model.init(jax.random.key(0), x)          # Flax side
    variables = port_state_dict(torch_model, template=variables)
    y = model.apply(variables, x)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = ["PortError", "port_state_dict", "torch_key_to_flax_path"]

# Layer kinds, decided per PyTorch module path.
LINEAR = "linear"
CONV = "conv"
CONV_TRANSPOSE = "conv_transpose"
BATCH_NORM = "batch_norm"
NORM = "norm"  # LayerNorm, GroupNorm, InstanceNorm with affine: weight -> scale
EMBEDDING = "embedding"
PRELU = "prelu"
OTHER = "other"

# The collection of registered buffers (self.register_buffer) in converted modules.
BUFFERS = "buffers"

# Container kinds, decided per PyTorch module path.
SEQUENTIAL = "sequential"
LIST = "list"  # nn.ModuleList, or a Python list / dict of modules in setup()

_INDEX = re.compile(r"^\d+$")


class PortError(ValueError):
    """A state_dict entry that cannot be placed in the Flax variables."""


def _to_numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):  # torch.Tensor, without importing torch
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _kinds_from_module(module: Any) -> tuple[dict[str, str], dict[str, str]]:
    """Layer kinds and container kinds of a torch module tree, by path."""
    import torch.nn as tnn

    layer_kinds: dict[str, str] = {}
    containers: dict[str, str] = {}
    for name, sub in module.named_modules():
        if isinstance(sub, tnn.Sequential):
            containers[name] = SEQUENTIAL
        elif isinstance(sub, (tnn.ModuleList, tnn.ModuleDict)):
            containers[name] = LIST
        if isinstance(sub, tnn.Linear):
            layer_kinds[name] = LINEAR
        elif isinstance(sub, tnn.modules.conv._ConvTransposeNd):
            layer_kinds[name] = CONV_TRANSPOSE
        elif isinstance(sub, tnn.modules.conv._ConvNd):
            layer_kinds[name] = CONV
        elif isinstance(sub, tnn.modules.batchnorm._BatchNorm):
            layer_kinds[name] = BATCH_NORM
        elif isinstance(
            sub, (tnn.LayerNorm, tnn.GroupNorm, tnn.modules.instancenorm._InstanceNorm)
        ):
            layer_kinds[name] = NORM
        elif isinstance(sub, tnn.Embedding):
            layer_kinds[name] = EMBEDDING
        elif isinstance(sub, tnn.PReLU):
            layer_kinds[name] = PRELU
        elif next(sub.parameters(recurse=False), None) is not None:
            layer_kinds[name] = OTHER  # a module of one's own: its nn.Parameters keep their names
    return layer_kinds, containers


def _buffer_keys(module: Any) -> set[str]:
    """state_dict keys of a torch module's registered buffers (BatchNorm statistics aside)."""
    import torch.nn as tnn

    keys = set()
    for name, sub in module.named_modules():
        if isinstance(sub, tnn.modules.batchnorm._BatchNorm):
            continue
        for buffer, _ in sub.named_buffers(recurse=False):
            keys.add(f"{name}.{buffer}" if name else buffer)
    return keys


def _flatten(tree: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    out: dict[tuple[str, ...], Any] = {}
    for k, v in tree.items():
        if isinstance(v, Mapping):
            out.update(_flatten(v, (*prefix, k)))
        else:
            out[(*prefix, k)] = v
    return out


def _module_paths(flat_template: Mapping[tuple[str, ...], Any]) -> set[tuple[str, ...]]:
    """Every module path (collection stripped) present in the template."""
    paths: set[tuple[str, ...]] = set()
    for key in flat_template:
        mod = key[1:-1]
        for i in range(len(mod) + 1):
            paths.add(mod[:i])
    return paths


def torch_key_to_flax_path(
    module_segments: list[str],
    containers: Mapping[str, str] | None = None,
    known_paths: set[tuple[str, ...]] | None = None,
    list_names: Iterable[str] = (),
) -> tuple[str, ...]:
    """Map the module part of a torch key (``['layer1', '0', 'conv1']``) to a Flax path.

    A segment that follows a container is named after the container's kind:
    Sequential -> ``layers_<i>`` one level down; ModuleList / ModuleDict (or a
    name in ``list_names``) -> ``<container>_<i>`` at the same level. With no
    information, numeric segments are taken as Sequential indices and other
    segments as attribute names. When ``known_paths`` (the module paths of a
    Flax template) is given, the first of these spellings that exists there
    wins, so a torch nn.Sequential converted to a Python list in setup()
    (``shortcut.0`` -> ``shortcut_0``) is still found.
    """
    containers = dict(containers or {})
    list_names = set(list_names)
    path: list[str] = []
    torch_prefix: list[str] = []
    for seg in module_segments:
        parent = ".".join(torch_prefix)
        hint = containers.get(parent)
        if hint is None and torch_prefix and torch_prefix[-1] in list_names:
            hint = LIST
        candidates = {
            SEQUENTIAL: [*path, f"layers_{seg}"],
            LIST: [*path[:-1], f"{path[-1]}_{seg}"] if path else None,
            "attr": [*path, seg],
        }
        if hint == SEQUENTIAL:
            order = [SEQUENTIAL, LIST, "attr"]
        elif hint == LIST:
            order = [LIST, SEQUENTIAL, "attr"]
        elif _INDEX.match(seg):
            order = [SEQUENTIAL, LIST, "attr"]
        else:
            order = ["attr", LIST, SEQUENTIAL]
        order = [k for k in order if candidates[k] is not None]
        chosen = order[0]
        if known_paths is not None:
            # The template is the converted module's real naming: it wins over hints.
            for k in order:
                if tuple(candidates[k]) in known_paths:
                    chosen = k
                    break
        path = candidates[chosen]
        torch_prefix.append(seg)
    return tuple(path)


def _guess_kind(leaves: Mapping[str, np.ndarray], template_leaves: set[str]) -> str:
    if "running_mean" in leaves or "running_var" in leaves:
        return BATCH_NORM
    if "embedding" in template_leaves:
        return EMBEDDING
    if "negative_slope" in template_leaves:
        return PRELU
    weight = leaves.get("weight")
    if weight is None:
        return OTHER
    if weight.ndim == 2:
        return LINEAR
    if weight.ndim >= 3:
        return CONV
    return NORM


def _convert_leaf(kind: str, name: str, value: np.ndarray) -> tuple[str, str, np.ndarray] | None:
    """(collection, flax leaf name, array) for one torch leaf; None to drop it."""
    if name == "num_batches_tracked":
        return None
    if kind == BATCH_NORM:
        if name == "running_mean":
            return "batch_stats", "mean", value
        if name == "running_var":
            return "batch_stats", "var", value
        if name == "weight":
            return "params", "scale", value
        return "params", name, value
    if kind == LINEAR and name == "weight":
        return "params", "kernel", value.T
    if kind == CONV and name == "weight":
        # torch [O, I/groups, *spatial] -> flax [*spatial, I/groups, O]
        n = value.ndim
        return "params", "kernel", value.transpose(*range(2, n), 1, 0)
    if kind == CONV_TRANSPOSE and name == "weight":
        # torch [I, O/groups, *spatial] -> flax ConvTranspose(transpose_kernel=True)
        # kernel [*spatial, O, I]: flax flips the spatial axes and swaps I/O itself.
        n = value.ndim
        return "params", "kernel", value.transpose(*range(2, n), 1, 0)
    if kind == NORM and name == "weight":
        return "params", "scale", value
    if kind == EMBEDDING and name == "weight":
        return "params", "embedding", value
    if kind == PRELU and name == "weight":
        return "params", "negative_slope", value
    return "params", name, value


def _is_buffer(
    key: str,
    params_path: tuple[str, ...],
    buffers: set[str],
    flat_template: Mapping[tuple[str, ...], Any] | None,
) -> bool:
    """A registered buffer goes to the 'buffers' collection: where the template has it
    there (and not in params), or, without a template, when the torch module registers it."""
    if flat_template is not None:
        return params_path not in flat_template and (BUFFERS, *params_path[1:]) in flat_template
    return key in buffers


def _set(tree: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for seg in path[:-1]:
        tree = tree.setdefault(seg, {})
    if path[-1] in tree:
        raise PortError(f"two torch entries map to the same Flax path {'/'.join(path)}")
    tree[path[-1]] = value


def port_state_dict(
    state_dict: Any,
    template: Mapping[str, Any] | None = None,
    *,
    module_types: Mapping[str, str] | None = None,
    list_names: Iterable[str] = (),
    strict: bool = True,
    as_jax: bool = True,
) -> dict[str, Any]:
    """Map PyTorch weights to Flax Linen variables ``{'params': ..., 'batch_stats': ...}``.

    Args:
      state_dict: a ``torch.nn.Module`` (preferred: its layer types decide the
        mapping), a ``state_dict`` mapping, or an iterable of ``(name, tensor)``.
        Values may be torch tensors or numpy arrays.
      template: the Flax variables of the converted module (``model.init(...)``).
        Decides container naming and layer kinds where the module does not,
        and every ported array is checked against it. Collections of the
        template that torch has no counterpart for are kept as they are.
      module_types: torch module path -> layer kind (``'linear'``, ``'conv'``,
        ``'conv_transpose'``, ``'batch_norm'``, ``'norm'``, ``'embedding'``,
        ``'prelu'``) or container kind (``'sequential'``, ``'list'``), for
        callers that have only a state_dict.
      list_names: torch module paths that were ``nn.ModuleList``/``ModuleDict``.
      strict: with a template, raise when a template parameter or batch
        statistic receives no torch value, or when shapes differ.
      as_jax: return ``jax.numpy`` arrays (default) instead of numpy arrays.

    Returns:
      A dict with ``'params'`` and, when any BatchNorm is present, ``'batch_stats'``;
      registered buffers go to ``'buffers'``.
    """
    layer_kinds: dict[str, str] = {}
    containers: dict[str, str] = {}
    buffers: set[str] = set()
    if hasattr(state_dict, "state_dict") and hasattr(state_dict, "named_modules"):
        layer_kinds, containers = _kinds_from_module(state_dict)
        buffers = _buffer_keys(state_dict)
        state_dict = state_dict.state_dict()
    for path, kind in (module_types or {}).items():
        if kind in (SEQUENTIAL, LIST):
            containers[path] = kind
        else:
            layer_kinds[path] = kind
    items = state_dict.items() if isinstance(state_dict, Mapping) else state_dict
    tensors = {str(k): _to_numpy(v) for k, v in items}

    flat_template = _flatten(template) if template is not None else None
    known_paths = _module_paths(flat_template) if flat_template is not None else None

    # Group leaves by their torch module path.
    groups: dict[str, dict[str, np.ndarray]] = {}
    for key, value in tensors.items():
        mod, _, leaf = key.rpartition(".")
        groups.setdefault(mod, {})[leaf] = value

    out: dict[str, Any] = {}
    for mod, leaves in groups.items():
        segments = mod.split(".") if mod else []
        flax_mod = torch_key_to_flax_path(segments, containers, known_paths, list_names)
        kind = layer_kinds.get(mod)
        if kind is None:
            template_leaves = (
                {k[-1] for k in flat_template if k[1:-1] == flax_mod} if flat_template else set()
            )
            kind = _guess_kind(leaves, template_leaves)
        for leaf, value in leaves.items():
            converted = _convert_leaf(kind, leaf, value)
            if converted is None:
                continue
            collection, name, array = converted
            full = (collection, *flax_mod, name)
            key = f"{mod}.{leaf}" if mod else leaf
            if collection == "params" and _is_buffer(key, full, buffers, flat_template):
                full = (BUFFERS, *full[1:])
            if flat_template is not None:
                if full not in flat_template:
                    if strict:
                        raise PortError(
                            f"torch key {mod + '.' if mod else ''}{leaf} maps to "
                            f"{'/'.join(full)}, which the Flax template does not have"
                        )
                    continue
                want = tuple(np.shape(flat_template[full]))
                if array.shape != want:
                    if array.size == int(np.prod(want)) and kind in (NORM, PRELU):
                        array = array.reshape(want)
                    elif strict:
                        raise PortError(
                            f"torch key {mod}.{leaf}: shape {array.shape} after porting, "
                            f"Flax {'/'.join(full)} wants {want}"
                        )
            _set(out, full, np.array(array, copy=True))

    if flat_template is not None:
        flat_out = _flatten(out)
        missing = [
            "/".join(k)
            for k in flat_template
            if k[0] in ("params", "batch_stats") and k not in flat_out
        ]
        if missing and strict:
            raise PortError("Flax variables with no torch value: " + ", ".join(sorted(missing)))
        # Keep template collections torch knows nothing about (and, if not
        # strict, the template values torch did not provide).
        for k, v in _flatten(template).items():
            if k not in flat_out:
                _set(out, k, np.asarray(v))

    if as_jax:
        import jax.numpy as jnp

        def conv(tree: Any) -> Any:
            if isinstance(tree, Mapping):
                return {k: conv(v) for k, v in tree.items()}
            return jnp.asarray(tree)

        out = conv(out)
    return out
