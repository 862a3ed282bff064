"""torch.save / torch.load and state dicts: the converted code round-trips what torch does.

The same source runs on both sides (torch, and its conversion by the CLI). The two sides
draw different initial weights, so each side is checked against itself: a model loaded from
a saved state, or a model whose submodules load their part of one, computes what the saved
model computes. Plain values in a checkpoint, and load_state_dict's verdicts (all keys
matched, strict raising, the number of missing keys), are equal to torch's.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from harness.convert import CliConverter
from harness.run_case import load_source

SOURCE = """
import io
import os
import tempfile
from collections import OrderedDict

import torch
import torch.nn as nn

torch.manual_seed(0)
net = nn.Linear(3, 2)
opt = torch.optim.Adam(net.parameters(), lr=0.1)
x = torch.ones(4, 3)
y = net(x)
path = os.path.join(tempfile.mkdtemp(), 'net.pt')
torch.save(net.state_dict(), path)
clone = nn.Linear(3, 2)
before = clone(x)
loaded = str(clone.load_state_dict(torch.load(path, map_location='cpu')))
after = clone(x)
try:
    clone.load_state_dict({})
    strict_raised = False
except RuntimeError:
    strict_raised = True
n_missing = len(clone.load_state_dict({}, strict=False).missing_keys)


class Body(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        return torch.tanh(self.fc(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = Body()
        self.head = nn.Linear(3, 1)

    def forward(self, x):
        return self.head(self.body(x))


deep = Net()
deep_out = deep(x)
deep2 = Net()
deep2_before = deep2(x)
body = OrderedDict((k[5:], v) for k, v in deep.state_dict().items() if k.startswith('body.'))
head = OrderedDict((k[5:], v) for k, v in deep.state_dict().items() if k.startswith('head.'))
partial = [str(deep2.body.load_state_dict(body, strict=False))]
partial.append(str(deep2.head.load_state_dict(head)))
deep2_after = deep2(x)
buf = io.BytesIO()
torch.save({'model': net.state_dict(), 'optimizer': opt.state_dict(), 'epoch': 7}, buf)
buf.seek(0)
ckpt = torch.load(buf)
epoch = ckpt['epoch']
keys = sorted(ckpt.keys())
"""


@pytest.fixture(scope="module")
def sides() -> tuple[dict, dict]:
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        conversion = CliConverter(workers=1)._one(Path(tmp), "serialization", SOURCE)
    assert conversion.source is not None, conversion.error
    assert "import torch" not in conversion.source
    torch.manual_seed(0)
    return load_source(SOURCE, "torch_serialization"), load_source(
        conversion.source, "jax_serialization"
    )


@pytest.mark.parametrize("side", [0, 1], ids=["torch", "jax"])
def test_a_loaded_state_computes_what_the_saved_model_does(
    sides: tuple[dict, dict], side: int
) -> None:
    ns = sides[side]
    as_array = (lambda t: t.detach().numpy()) if side == 0 else np.asarray
    assert not np.allclose(as_array(ns["before"]), as_array(ns["y"]))
    np.testing.assert_allclose(as_array(ns["after"]), as_array(ns["y"]))


@pytest.mark.parametrize("side", [0, 1], ids=["torch", "jax"])
def test_a_submodule_loads_its_part_of_a_state(sides: tuple[dict, dict], side: int) -> None:
    ns = sides[side]
    as_array = (lambda t: t.detach().numpy()) if side == 0 else np.asarray
    assert not np.allclose(as_array(ns["deep2_before"]), as_array(ns["deep_out"]))
    np.testing.assert_allclose(as_array(ns["deep2_after"]), as_array(ns["deep_out"]), rtol=1e-6)


def test_plain_values_come_back_as_in_torch(sides: tuple[dict, dict]) -> None:
    torch_ns, jax_ns = sides
    assert jax_ns["epoch"] == torch_ns["epoch"] == 7
    assert jax_ns["keys"] == torch_ns["keys"]


@pytest.mark.parametrize("name", ["loaded", "strict_raised", "n_missing", "partial"])
def test_keys_are_checked_as_torch_checks_them(sides: tuple[dict, dict], name: str) -> None:
    torch_ns, jax_ns = sides
    assert jax_ns[name] == torch_ns[name]
