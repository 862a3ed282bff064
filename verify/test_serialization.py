"""torch.save / torch.load and state dicts: the converted code round-trips what torch does.

The same source runs on both sides (torch, and its conversion by the CLI). The two sides
draw different initial weights, so each side is checked against itself: a model loaded from
a saved state computes what the saved model computes; plain values in a checkpoint come back
equal to torch's.
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
clone.load_state_dict(torch.load(path, map_location='cpu'))
after = clone(x)
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


def test_plain_values_come_back_as_in_torch(sides: tuple[dict, dict]) -> None:
    torch_ns, jax_ns = sides
    assert jax_ns["epoch"] == torch_ns["epoch"] == 7
    assert jax_ns["keys"] == torch_ns["keys"]
