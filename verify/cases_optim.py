"""Optimizer cases: a torch.optim constructor converted by the CLI, then driven by the
harness for a few steps on the same parameters and gradients on both sides.

The snippet is notebook-style: ``opt = torch.optim.X(model.parameters(), ...)``
with ``model`` (an nn.Linear(4, 3)) bound by the harness. The converted ``opt``
must be an optax GradientTransformation; the harness runs
``updates, state = opt.update(grads, state, params)`` and
``params = optax.apply_updates(params, updates)`` for each step, with the
parameters and gradients ported by jupyterlab_switcheroo.weights, and compares
the parameters after every step with torch's.
"""

from __future__ import annotations

from harness.cases import HEADER, Case

STEPS = 3


def _opt(name: str, ctor: str, covers: tuple[str, ...] = (), **kw) -> Case:
    return Case(
        name=f"optim:{name}",
        kind="optimizer",
        source=f"{HEADER}\nopt = {ctor}\n",
        inputs={},
        build="nn.Linear(4, 3)",
        origin="verify/cases_optim.py",
        covers=covers,
        extra={"steps": STEPS},
        **kw,
    )


OPTIM_CASES: list[Case] = [
    _opt("sgd", "torch.optim.SGD(model.parameters(), lr=0.1)", ("torch.optim.SGD",)),
    _opt("sgd_momentum", "torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)"),
    _opt(
        "sgd_nesterov",
        "torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)",
    ),
    _opt("sgd_weight_decay", "torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=0.01)"),
    # weight decay is added to the gradient before the momentum buffer (coupled), as in torch
    _opt(
        "sgd_momentum_weight_decay",
        "torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9, weight_decay=5e-4)",
    ),
    _opt("adam", "torch.optim.Adam(model.parameters(), lr=0.01)", ("torch.optim.Adam",)),
    _opt(
        "adam_betas_eps",
        "torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.99), eps=1e-6)",
    ),
    # torch's Adam weight_decay is an L2 term added to the gradient (coupled).
    _opt("adam_weight_decay", "torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=0.1)"),
    # AdamW's default weight_decay is 0.01 in torch, 1e-4 in optax.
    _opt(
        "adamw_defaults", "torch.optim.AdamW(model.parameters(), lr=0.01)", ("torch.optim.AdamW",)
    ),
    _opt("adamw_weight_decay", "torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.1)"),
    # RMSprop: torch alpha=0.99 and eps outside the sqrt; optax decay=0.9, eps in the sqrt.
    _opt("rmsprop", "torch.optim.RMSprop(model.parameters(), lr=0.01)", ("torch.optim.RMSprop",)),
    _opt("rmsprop_momentum", "torch.optim.RMSprop(model.parameters(), lr=0.01, momentum=0.9)"),
    _opt(
        "adagrad",
        "torch.optim.Adagrad(model.parameters(), lr=0.1)",
        ("torch.optim.Adagrad",),
        # optax adds eps (1e-10) inside the square root, torch outside: with
        # gradients ~1 the difference is ~1e-10 relative, far below float32's.
    ),
]
