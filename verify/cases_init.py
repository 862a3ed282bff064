"""Initialisation cases: nn.init in a module's __init__ (directly, through a method that
walks self.modules(), through self.apply(fn)) and model.apply(fn) at notebook level.

Each source is notebook-style: it builds ``model`` (and may call ``model.apply(fn)``) and
calls it once, so the converter finds a sample input. The torch side runs it as is; the
converted side runs the CLI's output (``model.init`` then ``apply_torch_init``). The
parameters the init code sets (``extra["compare"]``, torch state_dict names) are compared
leaf by leaf, in Flax's layout on both sides (ported with jupyterlab_switcheroo.weights), by
statistics and by their whole distribution (Kolmogorov-Smirnov): the draws differ, their
laws must not. Parameters the init code leaves alone keep each library's own default init
(torch kaiming_uniform(a=sqrt(5)), Flax lecun_normal), which differ on purpose: not compared.
"""

from __future__ import annotations

from cases_modules import SMALL_RESNET
from harness.cases import HEADER, Case


def _init(name: str, body: str, compare: tuple[str, ...], covers: tuple[str, ...] = ()) -> Case:
    return Case(
        name=f"init:{name}",
        kind="init",
        source=HEADER + "\n" + body.strip() + "\n",
        inputs={},
        random=True,
        distribution=True,
        origin="verify/cases_init.py",
        covers=covers,
        extra={"compare": compare},
    )


MODULES_LOOP = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(16, 64, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(64)
        self.fc = nn.Linear(64, 10)
        self._init_weights()

    def _init_weights(self):
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.fc(self.bn(self.conv(x)).mean(dim=(2, 3)))


torch.manual_seed(0)
model = Net()
out = model(torch.randn(2, 16, 6, 6))
"""

DIRECT = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(500, 64)
        self.fc = nn.Linear(64, 256)
        self.proj = nn.Linear(256, 128)
        nn.init.trunc_normal_(self.emb.weight, std=0.02)
        nn.init.xavier_uniform_(self.fc.weight)
        nn.init.zeros_(self.fc.bias)
        nn.init.orthogonal_(self.proj.weight, gain=0.5)

    def forward(self, idx):
        return self.proj(self.fc(self.emb(idx)))


torch.manual_seed(0)
model = Net()
out = model(torch.zeros(2, 3, dtype=torch.long))
"""

APPLY_FN = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(16, 64, 5)
        self.head = nn.Linear(64, 200)
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Conv1d):
            nn.init.kaiming_uniform_(m.weight, a=0.1, nonlinearity='leaky_relu')
            if m.bias is not None:
                nn.init.uniform_(m.bias, -0.5, 0.5)

    def forward(self, x):
        return self.head(self.conv(x).mean(dim=2))


def init_head(m):
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, mean=0.1, std=0.05)
        nn.init.constant_(m.bias, 0.1)


torch.manual_seed(0)
model = Net()
model.apply(init_head)
out = model(torch.randn(2, 16, 12))
"""

# Init code over nested containers: nn.Sequential(*stages) of nn.Sequential(*blocks), applied
# layer by layer (so never traced as a whole), and a projection shortcut chosen in a branch.
NESTED = (
    SMALL_RESNET
    + """

torch.manual_seed(0)
model = SmallResNet(widths=(16, 32))
out = model(torch.randn(2, 3, 8, 8))
"""
)

# A layer of the user's own with nn.Parameter weights (a bias that may be None, named as its
# constructor argument) initialised by reset_parameters() from __init__, in a ModuleList;
# model.apply(fn) re-initialises nn.Linear by isinstance and the own layers by their method.
OWN_LAYERS = """
class MyLinear(nn.Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        if bias:
            self.bias = nn.Parameter(torch.empty(out_features))
        else:
            self.register_parameter('bias', None)
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.xavier_uniform_(self.weight)
        if self.bias is not None:
            nn.init.constant_(self.bias, 0.25)

    def forward(self, x):
        out = x @ self.weight.t()
        if self.bias is not None:
            out = out + self.bias
        return out


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.ModuleList([MyLinear(64, 128), MyLinear(128, 128, bias=False)])
        self.head = nn.Linear(128, 256)

    def forward(self, x):
        for layer in self.hidden:
            x = torch.tanh(layer(x))
        return self.head(x)


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, mean=0.0, std=0.05)
        nn.init.constant_(m.bias, 0.1)
    elif isinstance(m, MyLinear):
        m.reset_parameters()


torch.manual_seed(0)
model = Net()
model.apply(init_weights)
out = model(torch.randn(2, 64))
"""

INIT_CASES: list[Case] = [
    _init("modules_loop", MODULES_LOOP, ("conv.weight", "bn.weight", "bn.bias")),
    _init("direct", DIRECT, ("emb.weight", "fc.weight", "fc.bias", "proj.weight")),
    _init("apply_fn", APPLY_FN, ("conv.weight", "conv.bias", "head.weight", "head.bias")),
    _init(
        "own_layers",
        OWN_LAYERS,
        ("hidden.0.weight", "hidden.0.bias", "hidden.1.weight", "head.weight", "head.bias"),
    ),
    _init(
        "nested_containers",
        NESTED,
        (
            "stem.0.weight",
            "stages.0.0.conv1.weight",
            "stages.0.1.conv2.weight",
            "stages.1.0.shortcut.0.weight",
        ),
    ),
]
