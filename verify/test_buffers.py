"""Buffers written by a module's own methods, called at notebook level, against torch.

`net.norm.fit(X)` (a submodule's method copying statistics into its buffers under
`@torch.no_grad()`) and `net.tick()` (a counter buffer incremented in place) run through
apply with the buffers mutable and written back. The buffers read afterwards, the named
buffers, and the submodule applied with them must equal torch's.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from harness.convert import CliConverter
from harness.run_case import leaves, load_source

SOURCE = """
import torch
import torch.nn as nn


class Standardize(nn.Module):
    def __init__(self, num_features, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.register_buffer('mean', torch.zeros(num_features))
        self.register_buffer('std', torch.ones(num_features))

    @torch.no_grad()
    def fit(self, data):
        self.mean.copy_(data.mean(dim=0))
        self.std.copy_(data.std(dim=0))
        return self

    def forward(self, x):
        return (x - self.mean) / (self.std + self.eps)


class Net(nn.Module):
    def __init__(self, in_dim):
        super().__init__()
        self.norm = Standardize(in_dim)
        self.fc = nn.Linear(in_dim, 1)
        self.register_buffer('count', torch.zeros((), dtype=torch.long))

    def forward(self, x):
        return self.fc(self.norm(x))

    def tick(self):
        self.count += 1


X = torch.linspace(-3, 5, 60).reshape(20, 3) ** 2
net = Net(3)
before = net.norm.mean
net.norm.fit(X)
net.tick()
net.tick()
mean = net.norm.mean
std = net.norm.std
count = net.count
buffers = dict(net.named_buffers())
normed = net.norm(X)
"""

EQUAL = ["mean", "std", "count", "normed"]


@pytest.fixture(scope="module")
def sides() -> tuple[dict, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        conversion = CliConverter(workers=1)._one(Path(tmp), "buffers", SOURCE)
    assert conversion.source is not None, conversion.error
    assert "import torch" not in conversion.source
    return load_source(SOURCE, "torch_buffers"), load_source(conversion.source, "jax_buffers")


@pytest.mark.parametrize("name", EQUAL)
def test_same_as_torch(sides: tuple[dict, dict], name: str) -> None:
    torch_ns, jax_ns = sides
    expected, actual = leaves(torch_ns[name]), leaves(jax_ns[name])
    assert len(actual) == len(expected), name
    for e, a in zip(expected, actual, strict=True):
        assert a.shape == e.shape, name
        np.testing.assert_allclose(a, e, rtol=1e-6, atol=1e-6, err_msg=name)


def test_named_buffers_hold_the_same_values(sides: tuple[dict, dict]) -> None:
    torch_ns, jax_ns = sides
    # torch's keys (norm.mean) and Flax's (norm.mean) agree for registered buffers
    assert sorted(jax_ns["buffers"]) == sorted(torch_ns["buffers"])
    for key, value in torch_ns["buffers"].items():
        np.testing.assert_allclose(np.asarray(jax_ns["buffers"][key]), value.numpy(), rtol=1e-6)


def test_the_buffers_changed(sides: tuple[dict, dict]) -> None:
    _, jax_ns = sides
    assert not np.allclose(np.asarray(jax_ns["before"]), np.asarray(jax_ns["mean"]))
