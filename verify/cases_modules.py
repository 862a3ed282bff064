"""Hand-written module cases: PyTorch modules converted by the CLI, weights ported,
outputs (and, in train mode, updated batch statistics) compared.

Conventions the converted code is expected to follow (the engine's documented forms):
  * class Net(nn.Module) -> a Flax Linen module; __init__ layer assignments -> setup()
    with the same attribute names; constructor args -> dataclass fields (same order);
    forward -> __call__.
  * nn.BatchNorm*(C, eps=e, momentum=m) -> nn.BatchNorm(momentum=1-m, epsilon=e), called
    as self.bn(x, use_running_average=not training); __call__ gets `training: bool = False`;
    the harness calls model.apply(variables, x, training=True, mutable=['batch_stats']).
  * nn.Dropout(p) -> nn.Dropout(rate=p), called with deterministic=not training.
  * Image layout: see verify/harness/layout.py (channels-last at the module interface).
"""

from __future__ import annotations

from harness.cases import Case

IMPORTS = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n"

# Running variance after one train step: torch stores the unbiased (N-1) batch
# variance, Flax the biased (N) one. With momentum m (torch meaning) the stored
# values differ by m * var_biased / (N-1), N = elements per channel in the batch.
VAR_WHY = (
    "torch's running_var uses the unbiased batch variance, Flax the biased one: "
    "expected drift m*var/(N-1) = {drift}"
)


def _case(name: str, body: str, build: str, inputs: dict[str, str], **kw) -> Case:
    return Case(
        name=f"module:{name}",
        kind="module",
        source=IMPORTS + body.strip() + "\n",
        build=build,
        inputs=inputs,
        origin="verify/cases_modules.py",
        **kw,
    )


LINEAR = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return self.fc(x)
"""

MLP = """
class MLP(nn.Module):
    def __init__(self, in_features, hidden, out_features):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(in_features, hidden),
            nn.ReLU(),
            nn.Linear(hidden, out_features),
        )

    def forward(self, x):
        return self.net(x)
"""

CONV = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, kernel_size=3, padding=1)

    def forward(self, x):
        return self.conv(x)
"""

CONV_VALID = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 5, stride=2)

    def forward(self, x):
        return self.conv(x)
"""

BN1D = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm1d(6)

    def forward(self, x):
        return self.bn(x)
"""

BN2D = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(4, eps=1e-3, momentum=0.3)

    def forward(self, x):
        return self.bn(x)
"""

DROPOUT = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return self.drop(self.fc(x))
"""

DROPOUT_TRAIN = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(32, 32)
        self.drop = nn.Dropout(p=0.3)

    def forward(self, x):
        return self.drop(self.fc(x))
"""

LAYERNORM = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = nn.LayerNorm(16)

    def forward(self, x):
        return self.norm(x)
"""

GROUPNORM = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = nn.GroupNorm(4, 8)

    def forward(self, x):
        return self.norm(x)
"""

EMBEDDING = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 6)

    def forward(self, idx):
        return self.emb(idx)
"""

MAXPOOL = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        return self.pool(x)
"""

AVGPOOL = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.AvgPool2d(2)

    def forward(self, x):
        return self.pool(x)
"""

AVGPOOL_PADDED = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.AvgPool2d(3, stride=2, padding=1)

    def forward(self, x):
        return self.pool(x)
"""

ADAPTIVE_1 = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d((1, 1))

    def forward(self, x):
        return self.pool(x)
"""

ADAPTIVE_2 = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(2)

    def forward(self, x):
        return self.pool(x)
"""

LENET = """
class LeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)
"""

RESIDUAL = """
class BasicBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
            nn.BatchNorm2d(out_channels),
        )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + self.shortcut(x)
        return F.relu(out)
"""

RESIDUAL_BRANCHES = """
class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )
        else:
            self.shortcut = nn.Identity()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        return F.relu(out)
"""

# Stages built in a loop, nn.Sequential(*stages) of nn.Sequential(*blocks), and init code that
# walks self.modules(): the ported weights replace what it draws.
SMALL_RESNET = (
    RESIDUAL_BRANCHES
    + """

class SmallResNet(nn.Module):
    def __init__(self, num_classes=4, widths=(4, 8), blocks_per_stage=(2, 1)):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, widths[0], kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(inplace=True),
        )
        stages = []
        in_ch = widths[0]
        for i, (w, n) in enumerate(zip(widths, blocks_per_stage)):
            stride = 1 if i == 0 else 2
            stages.append(self._make_stage(in_ch, w, n, stride))
            in_ch = w
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(in_ch, num_classes)
        self._init_weights()

    @staticmethod
    def _make_stage(in_ch, out_ch, num_blocks, stride):
        layers = [ResidualBlock(in_ch, out_ch, stride)]
        for _ in range(num_blocks - 1):
            layers.append(ResidualBlock(out_ch, out_ch))
        return nn.Sequential(*layers)

    def _init_weights(self):
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')

    def forward(self, x):
        x = self.stem(x)
        x = self.stages(x)
        x = self.pool(x)
        x = x.view(x.size(0), -1)
        return self.fc(x)
"""
)

CONV1D = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(3, 5, kernel_size=3, stride=2, padding=1)

    def forward(self, x):
        return self.conv(x)
"""

CONV3D = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv3d(2, 4, kernel_size=3, padding=1)

    def forward(self, x):
        return self.conv(x)
"""

CONTAINERS = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(8, 8) for _ in range(3)])
        self.heads = nn.ModuleDict({"mean": nn.Linear(8, 2), "scale": nn.Linear(8, 2)})

    def forward(self, x):
        for block in self.blocks:
            x = F.relu(block(x))
        return self.heads["mean"](x) * torch.sigmoid(self.heads["scale"](x))
"""

IMG = "torch.randn(2, 3, 8, 8)"


# Recurrent layers: torch's weights ported unchanged (weight_ih_l0, ...); outputs and final states.
RECURRENT = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = {layer}

    def forward(self, x{params}):
        return self.rnn(x{state})
"""


def _recurrent(name: str, layer: str, x: str, state: str = "", shape: str = "", **kw) -> Case:
    """state: '' (none), 'h' (h0) or 'hc' ((h0, c0)), each of `shape`."""
    params = {"": "", "h": ", h0", "hc": ", h0, c0"}[state]
    passed = {"": "", "h": ", h0", "hc": ", (h0, c0)"}[state]
    inputs = {"x": x} | {n: f"torch.randn({shape})" for n in ("h0", "c0")[: len(state)]}
    body = RECURRENT.format(layer=layer, params=params, state=passed)
    return _case(name, body, "Net()", inputs, **kw)


# Multi-head attention: torch's packed in_proj_weight / in_proj_bias and out_proj ported as is.
ATTENTION = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = {layer}

    def forward(self, {params}):
        return self.attn({call})
"""


def _attention(name: str, layer: str, inputs: dict[str, str], call: str = "", **kw) -> Case:
    """inputs: q, k, v (and masks) by name; call: the arguments after q, k, v."""
    params = ", ".join(inputs)
    body = ATTENTION.format(
        layer=layer, params=params, call=", ".join(["q", "k", "v", call][: 4 if call else 3])
    )
    return _case(name, body, "Net()", inputs, **kw)


# (N, L, E) = (2, 4, 8) batch first; S = 5 keys; a boolean mask (True: not allowed) of (L, S).
ATTN_Q, ATTN_KV = "torch.randn(2, 4, 8)", "torch.randn(2, 5, 8)"
BOOL_MASK = "~torch.tril(torch.ones(4, 5, dtype=torch.bool))"


# A small causal Transformer as notebooks write it: attention by hand with the dropout layer
# passed to a plain function, a learned position parameter, a causal-mask buffer, blocks in a
# ModuleList called in a loop. Eval: ported weights, outputs compared. Train with p=1.0: every
# dropout zeroes its input on both sides, so a layer that misses the training flag shows.
TRANSFORMER = """
def attend(q, k, v, mask=None, dropout=None):
    scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(q.size(-1))
    if mask is not None:
        scores = scores.masked_fill(mask == 0, float('-inf'))
    weights = torch.softmax(scores, dim=-1)
    if dropout is not None:
        weights = dropout(weights)
    return torch.matmul(weights, v)


class SelfAttention(nn.Module):
    def __init__(self, d_model, num_heads, dropout):
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.attn_drop = nn.Dropout(dropout)

    def forward(self, x, mask):
        B, T, D = x.shape
        qkv = self.qkv(x).view(B, T, 3, self.num_heads, D // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        out = attend(q, k, v, mask=mask, dropout=self.attn_drop)
        return self.proj(out.transpose(1, 2).reshape(B, T, D))


class Block(nn.Module):
    def __init__(self, d_model, num_heads, dropout):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = SelfAttention(d_model, num_heads, dropout)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(
            nn.Linear(d_model, 2 * d_model),
            nn.GELU(),
            nn.Linear(2 * d_model, d_model),
            nn.Dropout(dropout),
        )

    def forward(self, x, mask):
        x = x + self.attn(self.ln1(x), mask)
        return x + self.mlp(self.ln2(x))


class Tiny(nn.Module):
    def __init__(self, vocab, max_len, d_model=8, dropout=0.1):
        super().__init__()
        self.tok_emb = nn.Embedding(vocab, d_model)
        self.pos_emb = nn.Parameter(torch.zeros(1, max_len, d_model))
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList([Block(d_model, 2, dropout) for _ in range(2)])
        self.head = nn.Linear(d_model, vocab)
        mask = torch.tril(torch.ones(max_len, max_len)).view(1, 1, max_len, max_len)
        self.register_buffer('causal_mask', mask)

    def forward(self, idx):
        T = idx.shape[1]
        x = self.drop(self.tok_emb(idx) + self.pos_emb[:, :T])
        for block in self.blocks:
            x = block(x, self.causal_mask[:, :, :T, :T])
        return self.head(x)
"""
TINY_SETUP = """with torch.no_grad():
    model.pos_emb.normal_()
    model.causal_mask[..., 1:, 0] = 0.0
"""


def _drift(m: float, n: int) -> float:
    """Bound on the running-var drift m*var/(N-1) for inputs of variance ~1: a batch's
    per-channel sample variance can reach ~2 for small N, hence the factor 2.5."""
    return 2.5 * m / (n - 1)


# A layer of a submodule replaced after the submodule is built (replace_layers), and a
# ModuleDict applied in a dict comprehension over its items.
REPLACED_HEAD = """
class Body(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.fc = nn.Linear(6, hidden)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.head(torch.tanh(self.fc(x)))


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = Body(8)
        self.body.head = nn.Identity()
        self.heads = nn.ModuleDict({'a': nn.Linear(8, 1), 'b': nn.Linear(8, 2)})

    def forward(self, x):
        h = self.body(x)
        return {k: head(h) for k, head in self.heads.items()}
"""

# A layer of one's own whose bias parameter is named as its constructor argument (bias_ in
# Flax), with and without it, and a second constructor argument given a derived value.
OWN_LINEAR = """
class MyLinear(nn.Module):
    def __init__(self, in_features, out_features, bias=True, scale=1):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        if bias:
            self.bias = nn.Parameter(torch.zeros(out_features))
        else:
            self.register_parameter('bias', None)
        self.scale = scale * 2.0

    def forward(self, x):
        out = x @ self.weight.t() * self.scale
        if self.bias is not None:
            out = out + self.bias
        return out


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = MyLinear(6, 4, scale=0.5)
        self.b = MyLinear(4, 3, bias=False)

    def forward(self, x):
        return self.b(torch.tanh(self.a(x)))
"""

MODULE_CASES: list[Case] = [
    _case("linear", LINEAR, "Net()", {"x": "torch.randn(5, 8)"}, covers=("torch.nn.Linear",)),
    _case(
        "mlp_sequential_ctor_args",
        MLP,
        "MLP(8, 16, 4)",
        {"x": "torch.randn(5, 8)"},
        covers=("torch.nn.Sequential", "torch.nn.ReLU"),
    ),
    _case(
        "conv2d_same",
        CONV,
        "Net()",
        {"x": IMG},
        channels_first=("x",),
        output_channels_first=True,
        covers=("torch.nn.Conv2d",),
    ),
    _case(
        "conv2d_valid_stride2",
        CONV_VALID,
        "Net()",
        {"x": "torch.randn(2, 3, 11, 11)"},
        channels_first=("x",),
        output_channels_first=True,
    ),
    _case(
        "conv1d_stride_padding",
        CONV1D,
        "Net()",
        {"x": "torch.randn(2, 3, 11)"},
        channels_first=("x",),
        output_channels_first=True,
        covers=("torch.nn.Conv1d",),
    ),
    _case(
        "conv3d",
        CONV3D,
        "Net()",
        {"x": "torch.randn(2, 2, 5, 6, 7)"},
        channels_first=("x",),
        output_channels_first=True,
        covers=("torch.nn.Conv3d",),
    ),
    _case(
        "modulelist_moduledict",
        CONTAINERS,
        "Net()",
        {"x": "torch.randn(5, 8)"},
        covers=("torch.nn.ModuleList", "torch.nn.ModuleDict"),
    ),
    _case(
        "batchnorm1d_eval",
        BN1D,
        "Net()",
        {"x": "torch.randn(16, 6)"},
        covers=("torch.nn.BatchNorm1d",),
    ),
    _case(
        "batchnorm1d_train",
        BN1D,
        "Net()",
        {"x": "torch.randn(16, 6)"},
        train=True,
        stats_atol=_drift(0.1, 16),
        stats_why=VAR_WHY.format(drift="0.1*1/15 ~ 0.0067 (N=16)"),
    ),
    _case(
        "batchnorm1d_ncl_train",
        BN1D,
        "Net()",
        {"x": "torch.randn(4, 6, 10)"},
        train=True,
        channels_first=("x",),
        output_channels_first=True,
        stats_atol=_drift(0.1, 40),
        stats_why=VAR_WHY.format(drift="0.1*1/39 ~ 0.0026 (N=4*10)"),
    ),
    _case(
        "batchnorm2d_eval",
        BN2D,
        "Net()",
        {"x": "torch.randn(4, 4, 6, 6)"},
        channels_first=("x",),
        output_channels_first=True,
        covers=("torch.nn.BatchNorm2d",),
    ),
    _case(
        "batchnorm2d_train_momentum",
        BN2D,
        "Net()",
        {"x": "torch.randn(4, 4, 6, 6)"},
        train=True,
        channels_first=("x",),
        output_channels_first=True,
        stats_atol=_drift(0.3, 144),
        stats_why=VAR_WHY.format(drift="0.3*1/143 ~ 0.0021 (N=4*6*6, momentum=0.3)"),
    ),
    _case(
        "dropout_eval",
        DROPOUT,
        "Net()",
        {"x": "torch.randn(5, 8)"},
        covers=("torch.nn.Dropout",),
    ),
    _case(
        "dropout_train_statistics",
        DROPOUT_TRAIN,
        "Net()",
        {"x": "torch.randn(64, 32)"},
        train=True,
        random=True,  # dropout masks differ: compare mean / std / zero fraction
    ),
    _case(
        "layernorm",
        LAYERNORM,
        "Net()",
        {"x": "torch.randn(4, 10, 16)"},
        covers=("torch.nn.LayerNorm",),
    ),
    _case(
        "groupnorm",
        GROUPNORM,
        "Net()",
        {"x": "torch.randn(2, 8, 5, 5)"},
        channels_first=("x",),
        output_channels_first=True,
        covers=("torch.nn.GroupNorm",),
    ),
    _case(
        "embedding",
        EMBEDDING,
        "Net()",
        {"idx": "torch.randint(0, 20, (3, 7))"},
        covers=("torch.nn.Embedding",),
    ),
    _case(
        "maxpool2d",
        MAXPOOL,
        "Net()",
        {"x": IMG},
        channels_first=("x",),
        output_channels_first=True,
        covers=("torch.nn.MaxPool2d",),
    ),
    _case(
        "avgpool2d",
        AVGPOOL,
        "Net()",
        {"x": IMG},
        channels_first=("x",),
        output_channels_first=True,
        covers=("torch.nn.AvgPool2d",),
    ),
    _case(
        "avgpool2d_padded_stride",
        AVGPOOL_PADDED,
        "Net()",
        {"x": IMG},
        channels_first=("x",),
        output_channels_first=True,
    ),
    _case(
        "adaptive_avgpool2d_1x1",
        ADAPTIVE_1,
        "Net()",
        {"x": IMG},
        channels_first=("x",),
        output_channels_first=True,
        covers=("torch.nn.AdaptiveAvgPool2d",),
    ),
    _case(
        "adaptive_avgpool2d_2x2",
        ADAPTIVE_2,
        "Net()",
        {"x": IMG},
        channels_first=("x",),
        output_channels_first=True,
    ),
    _case(
        "lenet",
        LENET,
        "LeNet()",
        {"x": "torch.randn(2, 1, 32, 32)"},
        channels_first=("x",),
        covers=("torch.flatten", "torch.nn.functional.relu"),
    ),
    _case(
        "residual_block_eval",
        RESIDUAL,
        "BasicBlock(3, 8, 2)",
        {"x": IMG},
        channels_first=("x",),
        output_channels_first=True,
    ),
    _case(
        "residual_block_train",
        RESIDUAL,
        "BasicBlock(3, 8, 2)",
        {"x": IMG},
        train=True,
        channels_first=("x",),
        output_channels_first=True,
        stats_atol=_drift(0.1, 32),
        stats_why=VAR_WHY.format(drift="0.1*var/31 (N=2*4*4); var of a conv output ~1"),
    ),
    _recurrent(
        "lstm_time_major",
        "nn.LSTM(4, 6)",
        "torch.randn(5, 3, 4)",
        covers=("torch.nn.LSTM",),
    ),
    _recurrent(
        "lstm_batch_first_state",
        "nn.LSTM(4, 6, batch_first=True)",
        "torch.randn(3, 5, 4)",
        "hc",
        "1, 3, 6",
    ),
    _recurrent(
        "lstm_2_layers_batch_first", "nn.LSTM(4, 6, 2, batch_first=True)", "torch.randn(3, 5, 4)"
    ),
    _recurrent(
        "lstm_2_layers_time_major_state",
        "nn.LSTM(4, 6, num_layers=2)",
        "torch.randn(5, 3, 4)",
        "hc",
        "2, 3, 6",
    ),
    _recurrent(
        "lstm_bidirectional_2_layers_state",
        "nn.LSTM(4, 6, num_layers=2, bidirectional=True, batch_first=True)",
        "torch.randn(3, 5, 4)",
        "hc",
        "4, 3, 6",
    ),
    _recurrent(
        "lstm_unbatched_state", "nn.LSTM(4, 6, num_layers=2)", "torch.randn(5, 4)", "hc", "2, 6"
    ),
    # dropout=1.0 zeroes the input of layer 2 in training on both sides: exact, and it fails
    # when the dropout between layers is missing (a mask drawn at random could not be compared).
    _recurrent(
        "lstm_dropout_between_layers_train",
        "nn.LSTM(4, 6, num_layers=2, dropout=1.0, batch_first=True)",
        "torch.randn(3, 5, 4)",
        train=True,
    ),
    _recurrent(
        "gru_2_layers_batch_first_state",
        "nn.GRU(4, 6, 2, batch_first=True)",
        "torch.randn(3, 5, 4)",
        "h",
        "2, 3, 6",
        covers=("torch.nn.GRU",),
    ),
    _recurrent("gru_bidirectional", "nn.GRU(4, 6, bidirectional=True)", "torch.randn(5, 3, 4)"),
    _recurrent(
        "rnn_relu_state",
        "nn.RNN(4, 6, nonlinearity='relu')",
        "torch.randn(5, 3, 4)",
        "h",
        "1, 3, 6",
        covers=("torch.nn.RNN",),
    ),
    _attention(
        "multihead_attention_batch_first_bool_mask_per_head_weights",
        "nn.MultiheadAttention(8, 2, batch_first=True)",
        {"q": ATTN_Q, "k": ATTN_KV, "v": ATTN_KV, "m": BOOL_MASK},
        "attn_mask=m, need_weights=True, average_attn_weights=False",
        covers=("torch.nn.MultiheadAttention",),
    ),
    _attention(
        "multihead_attention_time_major_padding_float_mask",
        "nn.MultiheadAttention(8, 4)",
        {
            "q": "torch.randn(4, 3, 8)",
            "k": "torch.randn(5, 3, 8)",
            "v": "torch.randn(5, 3, 8)",
            "pad": "torch.tensor([[0, 0, 0, 0, 0], [0, 0, 0, 1, 1], [1, 0, 1, 0, 0]]).bool()",
            "f": "torch.randn(4, 5)",
        },
        "key_padding_mask=pad, attn_mask=f",
    ),
    # key_padding_mask hides every key of sequence 0: torch's fused path (need_weights=False)
    # gives zeros there, its weights path NaN; both are compared (NaN equals NaN).
    _attention(
        "multihead_attention_no_weights_fully_masked",
        "nn.MultiheadAttention(8, 2, batch_first=True)",
        {
            "q": ATTN_Q,
            "k": ATTN_KV,
            "v": ATTN_KV,
            "pad": "torch.tensor([[True] * 5, [False] * 4 + [True]])",
        },
        "key_padding_mask=pad, need_weights=False",
    ),
    _attention(
        "multihead_attention_weights_fully_masked_nan",
        "nn.MultiheadAttention(8, 2, batch_first=True)",
        {
            "q": ATTN_Q,
            "k": ATTN_KV,
            "v": ATTN_KV,
            "pad": "torch.tensor([[True] * 5, [False] * 4 + [True]])",
        },
        "key_padding_mask=pad",
    ),
    _attention(
        "multihead_attention_kdim_vdim_no_bias",
        "nn.MultiheadAttention(8, 2, bias=False, kdim=6, vdim=3)",
        {"q": "torch.randn(4, 2, 8)", "k": "torch.randn(5, 2, 6)", "v": "torch.randn(5, 2, 3)"},
    ),
    _attention(
        "multihead_attention_unbatched_3d_mask",
        "nn.MultiheadAttention(8, 2)",
        {
            "q": "torch.randn(4, 8)",
            "k": "torch.randn(5, 8)",
            "v": "torch.randn(5, 8)",
            "m": "torch.randn(2, 4, 5) > 0",
        },
        "attn_mask=m, is_causal=False",
    ),
    # dropout=1.0 zeroes every attention weight in training on both sides: exact, and it fails
    # when the dropout is missing.
    _attention(
        "multihead_attention_dropout_train",
        "nn.MultiheadAttention(8, 2, dropout=1.0, batch_first=True)",
        {"q": ATTN_Q, "k": ATTN_KV, "v": ATTN_KV},
        train=True,
    ),
    # the buffer's first key is masked out after construction (setup): its value is ported
    _case(
        "transformer_parameter_buffer_module_list_eval",
        "import math\n" + TRANSFORMER,
        "Tiny(11, 7)",
        {"idx": "torch.randint(0, 11, (2, 6))"},
        setup=TINY_SETUP,
        covers=("torch.nn.Parameter",),
    ),
    _case(
        "transformer_dropout_everywhere_train",
        "import math\n" + TRANSFORMER,
        "Tiny(11, 7, dropout=1.0)",
        {"idx": "torch.randint(0, 11, (2, 6))"},
        train=True,
        setup=TINY_SETUP,
    ),
    _recurrent(
        "rnn_tanh_2_layers_no_bias",
        "nn.RNN(4, 6, 2, bias=False, batch_first=True)",
        "torch.randn(3, 5, 4)",
    ),
    _case(
        "residual_branches_identity_eval",
        RESIDUAL_BRANCHES,
        "ResidualBlock(3, 3)",
        {"x": IMG},
        channels_first=("x",),
        output_channels_first=True,
    ),
    _case(
        "residual_branches_projection_train",
        RESIDUAL_BRANCHES,
        "ResidualBlock(3, 8, 2)",
        {"x": IMG},
        train=True,
        channels_first=("x",),
        output_channels_first=True,
        stats_atol=_drift(0.1, 32),
        stats_why=VAR_WHY.format(drift="0.1*var/31 (N=2*4*4); var of a conv output ~1"),
    ),
    _case("replaced_head", REPLACED_HEAD, "TwoHeads()", {"x": "torch.randn(5, 6)"}),
    _case("own_linear_shadowed_fields", OWN_LINEAR, "Net()", {"x": "torch.randn(5, 6)"}),
    _case(
        "small_resnet_eval",
        SMALL_RESNET,
        "SmallResNet()",
        {"x": IMG},
        channels_first=("x",),
    ),
    _case(
        "small_resnet_train",
        SMALL_RESNET,
        "SmallResNet()",
        {"x": IMG},
        train=True,
        channels_first=("x",),
        stats_atol=_drift(0.1, 32),
        stats_why=VAR_WHY.format(drift="0.1*var/31 (N=2*4*4 in the last stage); var ~1"),
    ),
]
