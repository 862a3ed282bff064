"""Self-tests of the harness plumbing, independent of the engine.

The converted code here is hand-written (verify/fixtures/converted/), in the
forms the engine is expected to emit; these tests prove the harness (inputs,
execution, layout, weight porting, comparison, CLI plumbing) and never stand
in for a verdict on the engine.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cases_init import INIT_CASES
from cases_modules import MODULE_CASES
from cases_optim import OPTIM_CASES
from conftest import record_diff
from harness.cases import KbEntry, kb_cases, load_kb
from harness.convert import CliConverter, FixtureConverter
from harness.paths import ROOT
from harness.run_case import CaseFailure, compare_statistics, compare_values, run_case
from test_coverage import uncovered

SAMPLE_KB = ROOT / "verify" / "fixtures" / "kb"
FIXTURES = FixtureConverter()
SAMPLE_CASES = kb_cases(SAMPLE_KB)
HAND_WRITTEN = MODULE_CASES + OPTIM_CASES + INIT_CASES
PLUMBING_CASES = [c for c in SAMPLE_CASES + HAND_WRITTEN if FIXTURES.has(c.name)]


@pytest.fixture(autouse=True)
def _fixtures_are_channels_last(monkeypatch):
    """The hand-written fixtures take and return NHWC images (see harness/layout.py)."""
    monkeypatch.setenv("SWITCHEROO_CONV_LAYOUT", "channels_last")


def test_every_module_case_has_a_fixture():
    """Each hand-written module case has its expected converted form written down."""
    assert [c.name for c in HAND_WRITTEN if not FIXTURES.has(c.name)] == []


@pytest.mark.parametrize("case", PLUMBING_CASES, ids=[f"harness:{c.name}" for c in PLUMBING_CASES])
def test_fixture_case(case, request):
    conversion = FIXTURES.convert_many({case.name: case.source})[case.name]
    try:
        diff = run_case(case, conversion.source)
    except CaseFailure as exc:
        record_diff(request, exc.max_abs_diff)
        raise
    record_diff(request, diff)


def _case(name):
    return next(c for c in SAMPLE_CASES + HAND_WRITTEN if c.name == name)


def _fixture(name):
    return FIXTURES.text(name)


# ------------------------------------------------- the harness catches wrong conversions


def test_catches_biased_variance():
    wrong = _fixture("method:torch.Tensor.var").replace(", ddof=1", "")
    with pytest.raises(CaseFailure, match="max abs diff"):
        run_case(_case("method:torch.Tensor.var"), wrong)


def test_catches_unconverted_momentum():
    case = _case("module:batchnorm2d_train_momentum")
    wrong = _fixture(case.name).replace("momentum=1 - 0.3", "momentum=0.3")
    with pytest.raises(CaseFailure, match="batch_stats"):
        run_case(case, wrong)


def test_catches_wrong_epsilon():
    case = _case("module:layernorm")
    wrong = _fixture(case.name).replace("epsilon=1e-05", "epsilon=1e-2")
    with pytest.raises(CaseFailure):
        run_case(case, wrong)


def test_catches_wrong_flatten_order():
    case = _case("module:lenet")
    wrong = _fixture(case.name).replace(
        "jnp.transpose(x, (0, 3, 1, 2)).reshape(x.shape[0], -1)", "x.reshape(x.shape[0], -1)"
    )
    with pytest.raises(CaseFailure):
        run_case(case, wrong)


def test_catches_missing_max_indices():
    case = _case("op:torch.max")
    wrong = _fixture(case.name).replace(
        "(jnp.max(x, axis=1), jnp.argmax(x, axis=1))", "jnp.max(x, axis=1)"
    )
    with pytest.raises(CaseFailure, match="arrays"):
        run_case(case, wrong)


def test_catches_wrong_dropout_rate():
    case = _case("op:torch.nn.functional.dropout")
    wrong = _fixture(case.name).replace("0.3", "0.5")
    with pytest.raises(CaseFailure, match=r"zero fraction|mean"):
        run_case(case, wrong)


def test_catches_residual_torch():
    case = _case("op:torch.sum")
    with pytest.raises(CaseFailure, match="still imports torch"):
        run_case(case, case.source)


def test_compare_values_rules():
    import numpy as np

    assert compare_values(np.float32([1, 2]), np.float32([1, 2 + 1e-6]), 1e-5, 1e-5) < 1e-5
    assert compare_values(np.float32([np.nan]), np.float32([np.nan]), 1e-5, 1e-5) == 0
    with pytest.raises(CaseFailure, match="shape"):
        compare_values(np.zeros((2, 3)), np.zeros((3, 2)), 1e-5, 1e-5)
    with pytest.raises(CaseFailure, match="dtype"):
        compare_values(np.zeros(3, np.float32), np.zeros(3, np.int32), 1e-5, 1e-5)
    with pytest.raises(CaseFailure, match="values differ"):
        compare_values(np.int64([1, 2]), np.int32([1, 3]), 1e-5, 1e-5)
    rng = np.random.default_rng(0)
    compare_statistics(rng.standard_normal(5000), rng.standard_normal(5000))
    with pytest.raises(CaseFailure):
        compare_statistics(rng.standard_normal(5000), 2 * rng.standard_normal(5000))


def test_catches_another_distribution_of_the_same_variance():
    """Statistics alone pass a uniform for a normal of equal variance; the KS check does not."""
    import numpy as np

    rng = np.random.default_rng(0)
    normal, uniform = rng.standard_normal(100_000), rng.uniform(-(3**0.5), 3**0.5, 100_000)
    compare_statistics(normal, uniform)
    compare_statistics(normal, rng.standard_normal(100_000), distribution=True)
    with pytest.raises(CaseFailure, match="KS distance"):
        compare_statistics(normal, uniform, distribution=True)


def test_catches_init_without_the_init_code():
    """An init case fails when the converted model keeps Flax's default initialisers."""
    case = _case("init:modules_loop")
    default_init = _fixture(case.name).replace(", kernel_init=he_fan_out", "")
    with pytest.raises(CaseFailure, match="conv/kernel"):
        run_case(case, default_init)


# ------------------------------------------------- knowledge base and coverage rule


def test_sample_kb_generates_cases():
    names = {c.name for c in SAMPLE_CASES}
    assert "op:torch.sum" in names
    assert "method:torch.Tensor.var" in names
    assert "layer:torch.nn.Linear" in names
    conv = _case("layer:torch.nn.Conv2d")
    assert conv.kind == "layer"
    assert conv.channels_first == ("x",)
    assert "self.layer = nn.Conv2d(3, 5, 3, padding=1)" in conv.source


def test_coverage_rule():
    entries = load_kb(SAMPLE_KB)
    assert uncovered(entries, MODULE_CASES) == []
    extra = [
        KbEntry("torch.cosh", "function", "x.json", {"kind": "function"}),
        KbEntry("torch.nn.Linear", "layer", "x.json", {"kind": "layer"}),  # covered by hand
        KbEntry("torch.int64", "attribute", "x.json", {"kind": "attribute"}),
    ]
    assert uncovered(extra, MODULE_CASES) == ["torch.cosh (x.json)"]


# ------------------------------------------------- CLI plumbing (a stand-in CLI script)

FAKE_CLI = r"""
// Stand-in for bin/switcheroo.js: `convert <in.py> -o <out.py> --json`, or
// `convert a.py b.py ... --json` writing <stem>_jax.py. It "converts" by
// echoing the source. A source containing FAIL_ME makes the whole call fail;
// the log of calls goes to calls.log next to this script.
const fs = require('fs');
const path = require('path');
const args = process.argv.slice(2);
fs.appendFileSync(path.join(__dirname, 'calls.log'), args.length + '\n');
if (args[0] !== 'convert' || args[args.length - 1] !== '--json') process.exit(2);
const rest = args.slice(1, -1);
const oi = rest.indexOf('-o');
const pairs = oi >= 0 ? [[rest[0], rest[oi + 1]]]
  : rest.map(f => [f, f.replace(/\.py$/, '_jax.py')]);
const reports = [];
for (const [input, output] of pairs) {
  const src = fs.readFileSync(input, 'utf8');
  if (src.includes('FAIL_ME')) { console.error('cannot convert ' + input); process.exit(1); }
  fs.writeFileSync(output, src);
  reports.push({input, output, ok: true, pad: 'x'.repeat(70000)});
}
process.stdout.write(JSON.stringify(oi >= 0 ? reports[0] : reports));
process.exit(0);
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_cli_plumbing(tmp_path: Path):
    cli = tmp_path / "bin" / "switcheroo.js"
    cli.parent.mkdir()
    cli.write_text(FAKE_CLI)
    case = _case("op:torch.sum")
    sources = {f"c{i}": case.source for i in range(6)}

    # Batched: one process per worker, reports larger than a pipe buffer.
    out = CliConverter(cli, workers=2).convert_many(sources)
    calls = (cli.parent / "calls.log").read_text().split()
    assert len(calls) == 2
    assert all(out[n].error is None and out[n].source == case.source for n in sources)
    assert out["c0"].report["ok"] is True

    # A failing batch falls back to one process per file: only the bad file fails.
    (cli.parent / "calls.log").unlink()
    out = CliConverter(cli, workers=1).convert_many({**sources, "bad": "FAIL_ME"})
    calls = (cli.parent / "calls.log").read_text().split()
    assert len(calls) == 1 + 7
    assert "exited 1" in out["bad"].error and "cannot convert" in out["bad"].error
    assert out["c5"].source == case.source and out["c5"].report["ok"] is True

    # An echoing "converter" leaves torch in place: the harness must refuse it.
    with pytest.raises(CaseFailure, match="still imports torch"):
        run_case(case, out["c0"].source)


def test_cli_missing(tmp_path: Path):
    conv = CliConverter(tmp_path / "nope.js")
    out = conv.convert_many({"a": "x = 1\n"})
    assert "not found" in out["a"].error


def test_catches_unconverted_dropout_rate():
    case = _case("module:dropout_train_statistics")
    wrong = _fixture(case.name).replace("rate=0.3", "rate=0.7")
    with pytest.raises(CaseFailure, match="zero fraction"):
        run_case(case, wrong)


def test_catches_optax_adamw_default_weight_decay():
    case = _case("optim:adamw_defaults")
    wrong = "import optax\n\nopt = optax.adamw(learning_rate=0.01)\n"  # optax default 1e-4
    with pytest.raises(CaseFailure, match="params"):
        run_case(case, wrong)


def test_catches_uncoupled_adam_weight_decay():
    case = _case("optim:adam_weight_decay")
    wrong = "import optax\n\nopt = optax.adamw(learning_rate=0.01, weight_decay=0.1)\n"
    with pytest.raises(CaseFailure, match="params"):
        run_case(case, wrong)


def test_catches_swapped_parameter_groups():
    case = _case("optim:adamw_param_groups")
    wrong = _fixture(case.name).replace("0 if p.ndim >= 2 else 1", "1 if p.ndim >= 2 else 0")
    with pytest.raises(CaseFailure, match="params"):
        run_case(case, wrong)


def test_catches_updated_leaves_outside_the_groups():
    case = _case("optim:sgd_param_group_options_frozen_rest")
    wrong = _fixture(case.name).replace("optax.set_to_zero()", "optax.sgd(learning_rate=0.1)")
    with pytest.raises(CaseFailure, match="params"):
        run_case(case, wrong)


def test_catches_missing_gradient_clipping():
    clip = (
        "    grads = jax.tree_util.tree_map("
        "lambda g: g * jnp.minimum(1.0, 0.05 / (norm + 1e-6)), grads)\n"
    )
    fixture = _fixture("step:clip_grad_norm_tuple_output")
    assert clip in fixture
    with pytest.raises(CaseFailure, match="losses"):
        run_case(_case("step:clip_grad_norm_tuple_output"), fixture.replace(clip, ""))


def test_catches_norm_after_clipping():
    # torch returns the total norm before clipping
    fixture = _fixture("step:clip_grad_norm_tuple_output")
    wrong = fixture.replace(
        "    param_updates,", "    norm = optax.global_norm(grads)\n    param_updates,"
    )
    with pytest.raises(CaseFailure, match="norms"):
        run_case(_case("step:clip_grad_norm_tuple_output"), wrong)


def test_catches_wrong_lstm_gate_order():
    fixture = _fixture("module:lstm_time_major")
    assert "i, f, g, o = " in fixture
    with pytest.raises(CaseFailure, match="max abs diff"):
        run_case(_case("module:lstm_time_major"), fixture.replace("i, f, g, o = ", "i, g, f, o = "))


def test_catches_missing_dropout_between_layers():
    fixture = _fixture("module:lstm_dropout_between_layers_train")
    wrong = fixture.replace("deterministic=not training", "deterministic=True")
    assert wrong != fixture
    with pytest.raises(CaseFailure, match="max abs diff"):
        run_case(_case("module:lstm_dropout_between_layers_train"), wrong)


def test_catches_attention_mask_convention_and_head_order():
    name = "module:multihead_attention_batch_first_bool_mask_per_head_weights"
    fixture = _fixture(name)
    inverted = fixture.replace("jnp.where(m, -jnp.inf, 0.0)", "jnp.where(m, 0.0, -jnp.inf)")
    assert inverted != fixture
    with pytest.raises(CaseFailure, match="max abs diff"):
        run_case(_case(name), inverted)
    # heads are (N * H) rows, sequence-major within a batch element as torch's view
    heads = "t.reshape(t.shape[0], N * H, E // H)"
    assert heads in fixture
    wrong = fixture.replace(heads, "t.reshape(t.shape[0], E // H, N * H).swapaxes(1, 2)")
    with pytest.raises(CaseFailure, match="max abs diff"):
        run_case(_case(name), wrong)


def test_catches_missing_attention_dropout_and_fused_path_zeros():
    fixture = _fixture("module:multihead_attention_dropout_train")
    wrong = fixture.replace("deterministic=not training", "deterministic=True")
    assert wrong != fixture
    with pytest.raises(CaseFailure, match="max abs diff"):
        run_case(_case("module:multihead_attention_dropout_train"), wrong)
    fixture = _fixture("module:multihead_attention_no_weights_fully_masked")
    wrong = fixture.replace("if not need_weights:", "if False:")
    assert wrong != fixture
    with pytest.raises(CaseFailure, match="max abs diff"):
        run_case(_case("module:multihead_attention_no_weights_fully_masked"), wrong)


def test_catches_a_block_without_the_flag_and_a_buffer_not_ported():
    name = "module:transformer_dropout_everywhere_train"
    fixture = _fixture(name)
    call = "x = block(x, self.causal_mask.value[:, :, :T, :T]"
    wrong = fixture.replace(f"{call}, training=training)", f"{call})")
    assert wrong != fixture
    with pytest.raises(CaseFailure, match="max abs diff"):
        run_case(_case(name), wrong)
    # the buffer as built in __init__, not the ported one (the torch side masked key 0)
    name = "module:transformer_parameter_buffer_module_list_eval"
    fixture = _fixture(name)
    wrong = fixture.replace("self.causal_mask.value[", "jnp.tril(jnp.ones((7, 7)))[None, None][")
    assert wrong != fixture
    with pytest.raises(CaseFailure, match="max abs diff"):
        run_case(_case(name), wrong)
