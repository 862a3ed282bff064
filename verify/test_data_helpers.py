"""torch.utils.data over in-memory tensors: the converted helpers behave like torch's.

TensorDataset, Subset, random_split and DataLoader code is converted by the CLI (into
ArrayDataset, ArraySubset, random_split_dataset and ArrayLoader); both sides run. Lengths,
items and unshuffled batches must be equal; random splits and shuffled epochs, drawn from
another generator, must have torch's sizes and be permutations of the same rows.
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
from torch.utils.data import DataLoader, TensorDataset, random_split

torch.manual_seed(0)
X = torch.arange(30.0).reshape(10, 3)
y = torch.arange(10.0)
ds = TensorDataset(X, y)
n_ds = len(ds)
row = ds[4]
rows = ds[2:5]
sub = torch.utils.data.Subset(ds, [7, 1, 3])
n_sub = len(sub)
sub_row = sub[1]
a, b, c = random_split(ds, [0.5, 0.3, 0.2])
split_lengths = [len(a), len(b), len(c)]
split_rows = [s[0][1] for s in (a, b, c)]
loader = DataLoader(ds, batch_size=4)
batches = [xb for xb, yb in loader]
n_batches = len(loader)
dropped = len(DataLoader(ds, batch_size=4, drop_last=True))
sub_batches = [yb for _, yb in DataLoader(sub, batch_size=2)]
shuffled = DataLoader(ds, batch_size=3, shuffle=True)
epochs = [[yb for _, yb in shuffled] for _ in range(2)]
"""

EQUAL = [
    "n_ds",
    "row",
    "rows",
    "n_sub",
    "sub_row",
    "split_lengths",
    "batches",
    "n_batches",
    "dropped",
    "sub_batches",
]


@pytest.fixture(scope="module")
def sides() -> tuple[dict, dict]:
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        conversion = CliConverter(workers=1)._one(Path(tmp), "data_helpers", SOURCE)
    assert conversion.source is not None, conversion.error
    assert "import torch" not in conversion.source
    torch.manual_seed(0)
    return load_source(SOURCE, "torch_data"), load_source(conversion.source, "jax_data")


@pytest.mark.parametrize("name", EQUAL)
def test_same_as_torch(sides: tuple[dict, dict], name: str) -> None:
    torch_ns, jax_ns = sides
    expected, actual = leaves(torch_ns[name]), leaves(jax_ns[name])
    assert len(actual) == len(expected), name
    for e, a in zip(expected, actual, strict=True):
        assert a.shape == e.shape, name
        np.testing.assert_allclose(a, e, err_msg=name)


def test_random_split_is_a_partition(sides: tuple[dict, dict]) -> None:
    _, jax_ns = sides
    indices = np.concatenate([s.indices for s in (jax_ns["a"], jax_ns["b"], jax_ns["c"])])
    assert sorted(indices.tolist()) == list(range(10))
    assert [float(r) for r in jax_ns["split_rows"]] == [
        float(s.indices[0]) for s in (jax_ns["a"], jax_ns["b"], jax_ns["c"])
    ]


def test_shuffled_epochs_are_permutations(sides: tuple[dict, dict]) -> None:
    torch_ns, jax_ns = sides
    for t_epoch, j_epoch in zip(torch_ns["epochs"], jax_ns["epochs"], strict=True):
        assert [len(b) for b in j_epoch] == [len(b) for b in t_epoch]
        assert sorted(np.concatenate(j_epoch).tolist()) == list(range(10))
    first, second = (np.concatenate(e) for e in jax_ns["epochs"])
    assert not np.array_equal(first, second)  # a fresh permutation each epoch
