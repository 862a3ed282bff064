"""Unit tests of jupyterlab_switcheroo.weights against real torch modules and
hand-written Flax Linen modules (no conversion involved)."""

from __future__ import annotations

import flax.linen as fnn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.nn as tnn

from jupyterlab_switcheroo.weights import PortError, port_state_dict, torch_key_to_flax_path

RTOL = ATOL = 1e-5


def nchw_to_nhwc(x: np.ndarray) -> np.ndarray:
    return np.moveaxis(x, 1, -1)


def nhwc_to_nchw(x: np.ndarray) -> np.ndarray:
    return np.moveaxis(x, -1, 1)


def run_torch(module: tnn.Module, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return module(torch.from_numpy(x)).numpy()


def randomize_bn(module: tnn.Module, seed: int = 0) -> None:
    """Give every BatchNorm non-trivial affine params and running stats."""
    g = torch.Generator().manual_seed(seed)
    for m in module.modules():
        if isinstance(m, tnn.modules.batchnorm._BatchNorm):
            n = m.num_features
            with torch.no_grad():
                m.weight.copy_(torch.rand(n, generator=g) + 0.5)
                m.bias.copy_(torch.randn(n, generator=g))
                m.running_mean.copy_(torch.randn(n, generator=g))
                m.running_var.copy_(torch.rand(n, generator=g) + 0.5)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def rand(*shape: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# ---------------------------------------------------------------- naming rule


def test_naming_rule_without_information():
    assert torch_key_to_flax_path(["fc"]) == ("fc",)
    assert torch_key_to_flax_path(["features", "0"]) == ("features", "layers_0")
    assert torch_key_to_flax_path(["0"]) == ("layers_0",)
    assert torch_key_to_flax_path(["blocks", "1", "conv"], list_names=["blocks"]) == (
        "blocks_1",
        "conv",
    )
    assert torch_key_to_flax_path(["layer1", "0", "1"]) == ("layer1", "layers_0", "layers_1")


def test_naming_rule_matches_flax():
    """The rule is Flax's: verified by initialising a Linen module."""

    class Inner(fnn.Module):
        def setup(self):
            self.conv = fnn.Dense(2)

        def __call__(self, x):
            return self.conv(x)

    class M(fnn.Module):
        def setup(self):
            self.features = fnn.Sequential([fnn.Dense(4), fnn.relu, fnn.Dense(4)])
            self.blocks = [Inner(), Inner()]
            self.heads = {"a": fnn.Dense(1)}

        def __call__(self, x):
            x = self.features(x)
            for b in self.blocks:
                x = b(x)
            return self.heads["a"](x)

    params = M().init(jax.random.key(0), jnp.ones((1, 3)))["params"]
    assert set(params["features"]) == {"layers_0", "layers_2"}
    assert {"blocks_0", "blocks_1", "heads_a"} <= set(params)


# ---------------------------------------------------------------- single layers


def test_linear():
    t = tnn.Linear(5, 3)
    x = rand(4, 5)
    v = port_state_dict(t)
    assert v["params"]["kernel"].shape == (5, 3)
    y = fnn.Dense(3).apply(v, x)
    np.testing.assert_allclose(np.asarray(y), run_torch(t, x), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("groups", [1, 2])
def test_conv2d(groups):
    t = tnn.Conv2d(4, 6, kernel_size=3, stride=2, padding=1, groups=groups)
    x = rand(2, 4, 9, 9)
    f = fnn.Conv(6, (3, 3), strides=2, padding=1, feature_group_count=groups)
    tmpl = f.init(jax.random.key(0), nchw_to_nhwc(x))
    v = port_state_dict(t, template=tmpl)
    y = nhwc_to_nchw(np.asarray(f.apply(v, nchw_to_nhwc(x))))
    np.testing.assert_allclose(y, run_torch(t, x), rtol=RTOL, atol=ATOL)


def test_conv1d():
    t = tnn.Conv1d(3, 5, kernel_size=3)
    x = rand(2, 3, 10)
    f = fnn.Conv(5, (3,), padding="VALID")
    v = port_state_dict(t)
    y = nhwc_to_nchw(np.asarray(f.apply(v, nchw_to_nhwc(x))))
    np.testing.assert_allclose(y, run_torch(t, x), rtol=RTOL, atol=ATOL)


def test_conv_transpose2d():
    k, s, p = 3, 2, 1
    t = tnn.ConvTranspose2d(4, 5, kernel_size=k, stride=s, padding=p)
    x = rand(2, 4, 6, 6)
    q = k - 1 - p
    f = fnn.ConvTranspose(
        5, (k, k), strides=(s, s), padding=((q, q), (q, q)), transpose_kernel=True
    )
    v = port_state_dict(t, template=f.init(jax.random.key(0), nchw_to_nhwc(x)))
    y = nhwc_to_nchw(np.asarray(f.apply(v, nchw_to_nhwc(x))))
    np.testing.assert_allclose(y, run_torch(t, x), rtol=RTOL, atol=ATOL)


def test_batchnorm2d_eval():
    t = tnn.BatchNorm2d(3, eps=1e-3, momentum=0.2)
    randomize_bn(t)
    t.eval()
    x = rand(4, 3, 5, 5)
    v = port_state_dict(t)
    assert set(v) == {"params", "batch_stats"}
    assert set(v["params"]) == {"scale", "bias"}
    assert set(v["batch_stats"]) == {"mean", "var"}
    f = fnn.BatchNorm(momentum=0.8, epsilon=1e-3)
    y = nhwc_to_nchw(np.asarray(f.apply(v, nchw_to_nhwc(x), use_running_average=True)))
    np.testing.assert_allclose(y, run_torch(t, x), rtol=RTOL, atol=ATOL)


def test_batchnorm1d_train_step_updates_stats():
    m = 0.1
    t = tnn.BatchNorm1d(6, momentum=m)
    randomize_bn(t)
    t.train()
    x = rand(16, 6)
    v = port_state_dict(t)
    f = fnn.BatchNorm(momentum=1 - m, epsilon=1e-5)
    y, upd = f.apply(v, x, use_running_average=False, mutable=["batch_stats"])
    np.testing.assert_allclose(np.asarray(y), run_torch(t, x), rtol=RTOL, atol=ATOL)
    stats = upd["batch_stats"]
    np.testing.assert_allclose(stats["mean"], t.running_mean.numpy(), rtol=RTOL, atol=ATOL)
    # torch stores the unbiased (N-1) batch variance in running_var, Flax the
    # biased one: after one step they differ by m * var * (1/(N-1)) relative.
    n = x.shape[0]
    biased = x.var(axis=0)
    expected_drift = m * biased / (n - 1)
    drift = t.running_var.numpy() - np.asarray(stats["var"])
    np.testing.assert_allclose(drift, expected_drift, rtol=1e-4, atol=1e-6)


def test_layernorm_groupnorm_embedding_prelu():
    ln = tnn.LayerNorm(8)
    gn = tnn.GroupNorm(2, 8)
    with torch.no_grad():
        for mod in (ln, gn):
            mod.weight.uniform_(0.5, 1.5)
            mod.bias.normal_()
    x = rand(3, 8)
    y = fnn.LayerNorm(epsilon=1e-5).apply(port_state_dict(ln), x)
    np.testing.assert_allclose(np.asarray(y), run_torch(ln, x), rtol=RTOL, atol=ATOL)

    xi = rand(2, 8, 4, 4)
    y = fnn.GroupNorm(num_groups=2, epsilon=1e-5).apply(port_state_dict(gn), nchw_to_nhwc(xi))
    np.testing.assert_allclose(nhwc_to_nchw(np.asarray(y)), run_torch(gn, xi), rtol=RTOL, atol=ATOL)

    emb = tnn.Embedding(10, 4)
    idx = np.array([[1, 2, 9], [0, 0, 3]])
    v = port_state_dict(emb)
    assert set(v["params"]) == {"embedding"}
    y = fnn.Embed(10, 4).apply(v, idx)
    np.testing.assert_allclose(np.asarray(y), run_torch(emb, idx), rtol=RTOL, atol=ATOL)

    pr = tnn.PReLU()
    with torch.no_grad():
        pr.weight.fill_(0.3)
    f = fnn.PReLU()
    v = port_state_dict(pr, template=f.init(jax.random.key(0), x))
    np.testing.assert_allclose(np.asarray(f.apply(v, x)), run_torch(pr, x), rtol=RTOL, atol=ATOL)


# ---------------------------------------------------------------- nested modules


class TorchNet(tnn.Module):
    def __init__(self):
        super().__init__()
        self.features = tnn.Sequential(tnn.Linear(4, 8), tnn.ReLU(), tnn.Linear(8, 8))
        self.blocks = tnn.ModuleList([tnn.Linear(8, 8), tnn.Linear(8, 8)])
        self.heads = tnn.ModuleDict({"cls": tnn.Linear(8, 2)})
        self.norm = tnn.LayerNorm(8)
        self.alpha = tnn.Parameter(torch.tensor([0.5, 2.0]))

    def forward(self, x):
        x = self.features(x)
        for b in self.blocks:
            x = torch.relu(b(x))
        return self.heads["cls"](self.norm(x)) * self.alpha


class FlaxNet(fnn.Module):
    def setup(self):
        self.features = fnn.Sequential([fnn.Dense(8), fnn.relu, fnn.Dense(8)])
        self.blocks = [fnn.Dense(8), fnn.Dense(8)]
        self.heads = {"cls": fnn.Dense(2)}
        self.norm = fnn.LayerNorm(epsilon=1e-5)
        self.alpha = self.param("alpha", fnn.initializers.ones, (2,))

    def __call__(self, x):
        x = self.features(x)
        for b in self.blocks:
            x = jax.nn.relu(b(x))
        return self.heads["cls"](self.norm(x)) * self.alpha


@pytest.mark.parametrize("source", ["module", "state_dict+template", "state_dict+hints"])
def test_nested_containers(source):
    t = TorchNet()
    x = rand(5, 4)
    f = FlaxNet()
    tmpl = f.init(jax.random.key(0), x)
    if source == "module":
        v = port_state_dict(t, template=tmpl)
    elif source == "state_dict+template":
        v = port_state_dict(t.state_dict(), template=tmpl)
    else:
        v = port_state_dict(t.state_dict(), list_names=["blocks", "heads"])
    assert set(v["params"]) == {"features", "blocks_0", "blocks_1", "heads_cls", "norm", "alpha"}
    np.testing.assert_allclose(np.asarray(f.apply(v, x)), run_torch(t, x), rtol=RTOL, atol=ATOL)


def test_named_tensors_iterable():
    t = tnn.Linear(3, 2)
    v = port_state_dict(list(t.named_parameters()))
    assert v["params"]["kernel"].shape == (3, 2)


def test_num_batches_tracked_dropped():
    v = port_state_dict(tnn.BatchNorm2d(3).state_dict())
    assert "num_batches_tracked" not in v["batch_stats"]
    assert "num_batches_tracked" not in v["params"]


def test_shape_mismatch_raises():
    t = tnn.Linear(5, 3)
    tmpl = fnn.Dense(4).init(jax.random.key(0), jnp.ones((1, 5)))
    with pytest.raises(PortError, match="shape"):
        port_state_dict(t, template=tmpl)


def test_missing_and_unknown_raise():
    tmpl = FlaxNet().init(jax.random.key(0), jnp.ones((1, 4)))
    sd = TorchNet().state_dict()
    del sd["norm.bias"]
    with pytest.raises(PortError, match="no torch value"):
        port_state_dict(sd, template=tmpl)
    sd = TorchNet().state_dict()
    sd["extra.weight"] = torch.zeros(2, 2)
    with pytest.raises(PortError, match="does not have"):
        port_state_dict(sd, template=tmpl)


class TorchState(tnn.Module):
    """A module's own parameter, buffers (one not persistent) and a MultiheadAttention."""

    def __init__(self):
        super().__init__()
        self.pos = tnn.Parameter(torch.randn(1, 3, 4))
        self.register_buffer("scale", torch.rand(4) + 0.5)
        self.register_buffer("steps", torch.zeros((), dtype=torch.long), persistent=False)
        self.attn = tnn.MultiheadAttention(4, 2, batch_first=True)


class FlaxState(fnn.Module):
    """The variables a converted TorchState has (names as the engine writes them)."""

    @fnn.compact
    def __call__(self, x):
        self.param("pos", fnn.initializers.zeros, (1, 3, 4))
        self.variable("buffers", "scale", jnp.ones, (4,))
        self.variable("buffers", "steps", lambda: jnp.asarray(7))
        attn = FlaxAttention(name="attn")
        return attn(x)


class FlaxAttention(fnn.Module):
    @fnn.compact
    def __call__(self, x):
        self.param("in_proj_weight", fnn.initializers.zeros, (12, 4))
        self.param("in_proj_bias", fnn.initializers.zeros, (12,))
        return fnn.Dense(4, name="out_proj")(x)


@pytest.mark.parametrize("with_template", [True, False])
def test_parameters_buffers_and_attention(with_template):
    t = TorchState()
    tmpl = FlaxState().init(jax.random.key(0), jnp.ones((1, 4))) if with_template else None
    v = port_state_dict(t, template=tmpl)
    np.testing.assert_array_equal(v["params"]["pos"], t.pos.detach().numpy())
    np.testing.assert_array_equal(v["buffers"]["scale"], t.scale.numpy())
    attn = v["params"]["attn"]
    np.testing.assert_array_equal(attn["in_proj_weight"], t.attn.in_proj_weight.detach().numpy())
    np.testing.assert_array_equal(attn["in_proj_bias"], t.attn.in_proj_bias.detach().numpy())
    np.testing.assert_array_equal(attn["out_proj"]["kernel"], t.attn.out_proj.weight.detach().T)
    # torch's state_dict leaves a buffer that is not persistent out: the template keeps its own
    assert ("steps" in v.get("buffers", {})) == with_template
    if with_template:
        assert int(v["buffers"]["steps"]) == 7
