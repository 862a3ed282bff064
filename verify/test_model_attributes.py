"""Model attributes read outside apply: the converted reads give torch's values.

A torch model with a conv, BatchNorm, Linear and GRU layer is converted by the CLI; its
weights (and running statistics, after one training step) are ported into the
converted notebook's variables; then each converted read must equal the torch one,
in torch's layout (`net.fc.weight` is (out, in), `net.conv1.weight` is OIHW).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from harness.convert import CliConverter
from harness.run_case import load_source

MODEL = """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 3, 3)
        self.bn1 = nn.BatchNorm2d(3)
        self.fc = nn.Linear(3, 4)
        self.rnn = nn.GRU(4, 5, batch_first=True)

    def forward(self, x):
        return self.rnn(self.fc(self.bn1(self.conv1(x)).mean((2, 3))).unsqueeze(1))[0]

x = torch.ones(2, 2, 6, 6)
net = Net()
y = net(x)
"""

READS = {
    "fc_weight": "net.fc.weight",
    "fc_bias": "net.fc.bias",
    "conv_weight": "net.conv1.weight",
    "bn_mean": "net.bn1.running_mean",
    "bn_var": "net.bn1.running_var",
    "bn_scale": "net.bn1.weight",
    "conv1_output": "net.conv1(x)",
    "rnn_weight": "net.rnn.weight_ih_l0",
    "rnn_bias": "net.rnn.bias_hh_l0",
}


@pytest.fixture(scope="module")
def converted() -> str:
    source = MODEL + "".join(f"{k} = {v}\n" for k, v in READS.items())
    with tempfile.TemporaryDirectory() as tmp:
        conversion = CliConverter(workers=1)._one(Path(tmp), "model_attributes", source)
    assert conversion.source is not None, conversion.error
    return conversion.source


def test_reads_are_converted(converted: str) -> None:
    assert "net_variables['params']['fc']['kernel'].T" in converted
    assert "net_variables['batch_stats']['bn1']['mean']" in converted
    assert "net.bind(net_variables).conv1" in converted
    assert "net_variables['params']['rnn']['weight_ih_l0']" in converted


def test_reads_match_torch(converted: str) -> None:
    import torch

    from jupyterlab_switcheroo.weights import port_state_dict

    torch.manual_seed(0)
    torch_ns = load_source(MODEL, "torch_attributes")
    tnet = torch_ns["net"]
    tnet.train()
    with torch.no_grad():
        tnet(torch.randn(4, 2, 6, 6))  # running statistics away from their initial values

    head, tail = converted.split("\nfc_weight = ", 1)
    jax_ns = load_source(head, "jax_attributes")
    jax_ns["net_variables"] = port_state_dict(tnet, template=jax_ns["net_variables"])
    exec(compile("fc_weight = " + tail, "<reads>", "exec"), jax_ns)

    x = torch_ns["x"]
    with torch.no_grad():
        for name, read in READS.items():
            expected = eval(read, {**torch_ns, "net": tnet, "x": x}).detach().numpy()
            actual = np.asarray(jax_ns[name])
            assert actual.shape == expected.shape, name
            np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5, err_msg=name)


# In-place updates of parameters (`.data` and not), of a torch layer used as the model and of
# a submodule, are assignments into the variables in Flax's layout; after them, the reads and
# the outputs must equal torch's, starting from the same (ported) weights.
LAYERS = """
import torch
import torch.nn as nn

class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3)

    def forward(self, x):
        return self.conv(x)

x = torch.ones(2, 3)
xc = torch.linspace(-1, 1, 2 * 2 * 5 * 5).reshape(2, 2, 5, 5)
lin = nn.Linear(3, 2)
net = ConvNet()
w_delta = torch.arange(6.0).reshape(2, 3)
c_new = torch.arange(72.0).reshape(4, 2, 3, 3) / 72
c_delta = torch.linspace(0, 1, 72).reshape(4, 2, 3, 3)
marker = 0
"""

UPDATES = """
lin.weight.data.mul_(2)
lin.bias.data.fill_(0.5)
lin.weight.data.add_(w_delta)
net.conv.weight.data.copy_(c_new)
net.conv.bias.data.zero_()
net.conv.weight.data.sub_(c_delta)
"""

LAYER_READS = {
    "lin_weight": "lin.weight",
    "lin_bias": "lin.bias",
    "conv_weight": "net.conv.weight",
    "conv_bias": "net.conv.bias",
    "lin_out": "lin(x)",
    "conv_out": "net(xc)",
}


def test_in_place_updates_of_parameters_match_torch() -> None:
    import torch

    from jupyterlab_switcheroo.weights import port_state_dict

    source = LAYERS + UPDATES + "".join(f"{k} = {v}\n" for k, v in LAYER_READS.items())
    with tempfile.TemporaryDirectory() as tmp:
        conversion = CliConverter(workers=1)._one(Path(tmp), "layer_model", source)
    assert conversion.source is not None, conversion.error
    converted = conversion.source
    assert "variables['params']['kernel'] = " in converted
    assert "net_variables['params']['conv']['bias'] = " in converted

    torch.manual_seed(0)
    torch_ns = load_source(source, "torch_layer_model")
    torch.manual_seed(0)
    initial = load_source(LAYERS, "torch_layer_initial")
    head, tail = converted.split("\nmarker = 0\n", 1)
    jax_ns = load_source(head, "jax_layer_model")
    for name in ("lin", "net"):
        template = jax_ns[f"{name}_variables"]
        jax_ns[f"{name}_variables"] = port_state_dict(initial[name], template=template)
    exec(compile(tail, "<updates>", "exec"), jax_ns)

    for name in LAYER_READS:
        expected = torch_ns[name].detach().numpy()
        actual = np.asarray(jax_ns[name])
        assert actual.shape == expected.shape, name
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5, err_msg=name)


# A module's own parameter and buffer and a ModuleList element read at notebook level, and a
# notebook nn.MultiheadAttention whose packed weights are copied from another model's layers
# (torch's in_proj_weight [3E, E] from a Linear(E, 3E)): reads and outputs equal torch's.
OWN = """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(8, 24)
        self.proj = nn.Linear(8, 8)
        self.pos = nn.Parameter(torch.zeros(1, 3, 8))
        self.register_buffer('scale', torch.ones(8))
        self.blocks = nn.ModuleList([nn.Linear(8, 8) for _ in range(2)])

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.proj(self.qkv(x)[..., :8] + self.pos) * self.scale

x = torch.linspace(-1, 1, 48).reshape(2, 3, 8)
net = Net()
y = net(x)
mha = nn.MultiheadAttention(8, 2, batch_first=True)
marker = 0
"""

COPIES = """
with torch.no_grad():
    mha.in_proj_weight.copy_(net.qkv.weight)
    mha.in_proj_bias.copy_(net.qkv.bias)
    mha.out_proj.weight.copy_(net.proj.weight)
    mha.out_proj.bias.copy_(net.proj.bias)
"""

OWN_READS = {
    "pos": "net.pos[:, :2]",
    "scale": "net.scale",
    "block_out": "net.blocks[1](x)",
    "net_out": "net(x)",
    "in_proj": "mha.in_proj_weight",
    "out_proj": "mha.out_proj.weight",
    "mha_out": "mha(x, x, x, attn_mask=~torch.tril(torch.ones(3, 3, dtype=torch.bool)))[0]",
}


def test_own_variables_and_attention_copies_match_torch() -> None:
    import torch

    from jupyterlab_switcheroo.weights import port_state_dict

    tail_source = COPIES + "".join(f"{k} = {v}\n" for k, v in OWN_READS.items())
    source = OWN + tail_source
    with tempfile.TemporaryDirectory() as tmp:
        conversion = CliConverter(workers=1)._one(Path(tmp), "own_variables", source)
    assert conversion.source is not None, conversion.error
    converted = conversion.source
    assert "net_variables['buffers']['scale']" in converted
    assert "mha_variables['params']['in_proj_weight'] = " in converted

    torch.manual_seed(0)
    torch_ns = load_source(OWN, "torch_own_variables")
    tnet = torch_ns["net"]
    with torch.no_grad():  # away from their initial values: the port must carry them
        tnet.pos.normal_()
        tnet.scale.uniform_(0.5, 1.5)
    exec(compile(tail_source, "<torch copies>", "exec"), torch_ns)
    head, tail = converted.split("\nmarker = 0\n", 1)
    jax_ns = load_source(head, "jax_own_variables")
    jax_ns["net_variables"] = port_state_dict(tnet, template=jax_ns["net_variables"])
    exec(compile(tail, "<copies>", "exec"), jax_ns)

    for name in OWN_READS:
        expected = torch_ns[name].detach().numpy()
        actual = np.asarray(jax_ns[name])
        assert actual.shape == expected.shape, name
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5, err_msg=name)
