"""Optimizer cases: a torch.optim constructor converted by the CLI, then driven by the
harness for a few steps on the same parameters and gradients on both sides.

The snippet is notebook-style: ``opt = torch.optim.X(model.parameters(), ...)``
with ``model`` (an nn.Linear(4, 3)) bound by the harness, or, for parameter groups, a
snippet that builds ``model`` and the groups from its ``named_parameters()`` itself.
The converted ``opt`` must be an optax GradientTransformation; the harness runs
``updates, state = opt.update(grads, state, params)`` and
``params = optax.apply_updates(params, updates)`` for each step, with the
parameters and gradients ported by jupyterlab_switcheroo.weights, and compares
the parameters after every step with torch's.

Training-step cases (kind ``step``) convert a whole notebook-style loop: forward, loss,
``zero_grad``, ``backward``, gradient clipping, ``step``. The harness ports torch's
initial weights at the ``# -- steps --`` line, runs both loops on the same data and
compares the values the loop collects (losses, gradient norms) and the final parameters.
"""

from __future__ import annotations

from harness.cases import HEADER, Case
from harness.run_case import STEP_MARK

STEPS = 3

# Parameter groups: weight matrices decayed, vectors not; the converted optimizer labels
# the leaves of its own variables, then runs on the parameters ported from torch.
GROUPS = """
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
decay, no_decay = [], []
for name, param in model.named_parameters():
    if not param.requires_grad:
        continue
    (decay if param.ndim >= 2 else no_decay).append(param)
"""


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
    # Parameter groups: one optax transform per group (optax.multi_transform).
    Case(
        name="optim:adamw_param_groups",
        kind="optimizer",
        source=HEADER
        + GROUPS
        + "opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.05},"
        + " {'params': no_decay, 'weight_decay': 0.0}], lr=0.01, betas=(0.9, 0.99))\n",
        inputs={},
        origin="verify/cases_optim.py",
        extra={"steps": STEPS},
    ),
    # A group's own lr and momentum; the biases are in no group, so torch never updates them.
    Case(
        name="optim:sgd_param_group_options_frozen_rest",
        kind="optimizer",
        source=HEADER
        + GROUPS
        + "opt = torch.optim.SGD([{'params': decay, 'lr': 0.05, 'momentum': 0.5}], lr=0.1)\n",
        inputs={},
        origin="verify/cases_optim.py",
        extra={"steps": STEPS},
    ),
]


# LR schedulers: the learning rate of each group, read through optimizer.param_groups
# before every scheduler.step(), over more epochs than the schedules' periods, then
# get_last_lr(). torch counts step() calls; the converted EpochLR must count the same.
def _scheduler(name: str, optimizer: str, scheduler: str, covers: tuple[str, ...]) -> Case:
    loop = (
        "lrs = []\n"
        "for epoch in range(12):\n"
        "    lrs.append([opt.param_groups[0]['lr'], opt.param_groups[-1]['lr']])\n"
        "    sched.step()\n"
        "result = lrs + [sched.get_last_lr()]\n"
    )
    return Case(
        name=f"lr_scheduler:{name}",
        kind="toplevel",
        source=HEADER + GROUPS + f"opt = {optimizer}\nsched = {scheduler}\n" + loop,
        inputs={},
        origin="verify/cases_optim.py",
        covers=covers,
    )


TWO_GROUPS = "torch.optim.SGD([{'params': decay}, {'params': no_decay, 'lr': 0.02}], lr=0.1)"

SCHEDULER_CASES: list[Case] = [
    _scheduler(
        "step_lr",
        TWO_GROUPS,
        "torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)",
        ("torch.optim.lr_scheduler.StepLR",),
    ),
    # a repeated milestone multiplies by gamma twice in torch
    _scheduler(
        "multistep_lr",
        TWO_GROUPS,
        "torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 5, 5], gamma=0.5)",
        ("torch.optim.lr_scheduler.MultiStepLR",),
    ),
    _scheduler(
        "exponential_lr",
        TWO_GROUPS,
        "torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)",
        ("torch.optim.lr_scheduler.ExponentialLR",),
    ),
    # past T_max torch's rate follows the cosine back up
    _scheduler(
        "cosine_annealing_lr",
        TWO_GROUPS,
        "torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=0.001)",
        ("torch.optim.lr_scheduler.CosineAnnealingLR",),
    ),
    # one group, Adam with coupled weight decay (an optax.chain around the injected transform)
    _scheduler(
        "step_lr_adam_weight_decay",
        "torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=0.1)",
        "torch.optim.lr_scheduler.StepLR(opt, 4)",
        (),
    ),
]

MLP_TUPLE = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x):
        h = torch.tanh(self.fc1(x))
        return self.fc2(h), h
"""

LSTM_LM = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(10, 8)
        self.lstm = nn.LSTM(8, 16, num_layers=2, batch_first=True)
        self.fc = nn.Linear(16, 10)

    def forward(self, x, state=None):
        out, (h, c) = self.lstm(self.embedding(x), state)
        return self.fc(out), (h, c)
"""

# The loop in the corpus's order: forward, loss, zero_grad, backward, clipping, step.
LOOP = """
losses, norms = [], []
for i in range(3):
    out, _ = model(x_train)
    loss = {loss}
    optimizer.zero_grad()
    loss.backward()
    {clip}
    optimizer.step()
    losses.append(loss.item())
    {record}
"""


def _step(
    name: str, module: str, optim: str, loss: str, clip: str, record="", covers=(), **kw
) -> Case:
    setup = f"x_train, y_train = X, Y\nmodel = Net()\noptimizer = {optim}\n"
    return Case(
        name=f"step:{name}",
        kind="step",
        source="\n".join(
            [HEADER, module, setup + STEP_MARK, LOOP.format(loss=loss, clip=clip, record=record)]
        ),
        origin="verify/cases_optim.py",
        covers=covers,
        extra={"compare": ["losses", "norms"]},
        **kw,
    )


MSE = "F.mse_loss(out, y_train)"
CE = "F.cross_entropy(out.reshape(-1, 10), y_train.reshape(-1))"
MLP_DATA = {"X": "torch.randn(16, 4)", "Y": "torch.randn(16, 2)"}
# clip_grad_norm_ returns the total norm before clipping: the loop records it after the step
NORM_CLIP = "norm = torch.nn.utils.clip_grad_norm_(model.parameters(), {})"
RECORD = "norms.append(norm.item())"

OPTIM_CASES += [
    # max_norm below the gradient norm: every step clips; the norm returned is the unclipped one
    _step(
        "clip_grad_norm_tuple_output",
        MLP_TUPLE,
        "torch.optim.SGD(model.parameters(), lr=0.5)",
        MSE,
        NORM_CLIP.format(0.05),
        RECORD,
        covers=("torch.nn.utils.clip_grad_norm_",),
        inputs=MLP_DATA,
    ),
    _step(
        "clip_grad_value",
        MLP_TUPLE,
        "torch.optim.SGD(model.parameters(), lr=0.5)",
        MSE,
        "torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.01)",
        covers=("torch.nn.utils.clip_grad_value_",),
        inputs=MLP_DATA,
    ),
    # the corpus notebook's step: Embedding + 2-layer LSTM + Linear, Adam, clipping below the norm
    _step(
        "lstm_language_model_adam_clip",
        LSTM_LM,
        "torch.optim.Adam(model.parameters(), lr=5e-3)",
        CE,
        NORM_CLIP.format(0.1),
        RECORD,
        inputs={"X": "torch.randint(0, 10, (4, 6))", "Y": "torch.randint(0, 10, (4, 6))"},
    ),
]
