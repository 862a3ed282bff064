import { convert, convertCell, py } from '../helpers';

describe('plugins/losses.ts', () => {
  test('loss modules become functions of (input, target) with the reduction written out', async () => {
    const out = await convert(py`
      import torch
      import torch.nn as nn
      criterion = nn.CrossEntropyLoss()
      mse = nn.MSELoss(reduction='sum')
      bce = nn.BCEWithLogitsLoss()
      kl = nn.KLDivLoss(reduction='batchmean')
      l1 = nn.L1Loss(reduction='none')
      sl1 = nn.SmoothL1Loss(beta=0.5)
      hub = nn.HuberLoss(delta=2.0)
      nll = nn.NLLLoss()
      bce2 = nn.BCELoss()
      loss = criterion(logits, y)
    `);
    expect(out).toBe(py`
      import jax
      import jax.numpy as jnp
      import optax
      criterion = lambda input, target: optax.softmax_cross_entropy_with_integer_labels(jnp.moveaxis(input, 1, -1), target).mean()
      mse = lambda input, target: optax.squared_error(input, target).sum()
      bce = lambda input, target: optax.sigmoid_binary_cross_entropy(input, target).mean()
      kl = lambda input, target: (jax.scipy.special.xlogy(target, target) - target * input).sum() / input.shape[0]
      l1 = lambda input, target: jnp.abs(input - target)
      sl1 = lambda input, target: (optax.huber_loss(input, target, delta=0.5) / 0.5).mean()
      hub = lambda input, target: optax.huber_loss(input, target, delta=2.0).mean()
      nll = lambda input, target: (-jnp.take_along_axis(jnp.moveaxis(input, 1, -1), target[..., None], axis=-1)[..., 0]).mean()
      bce2 = lambda input, target: (-(target * jnp.clip(jnp.where(input > 0, jnp.log(jnp.where(input > 0, input, 1.0)), -100.0), -100) + (1 - target) * jnp.clip(jnp.where((1 - input) > 0, jnp.log(jnp.where((1 - input) > 0, (1 - input), 1.0)), -100.0), -100))).mean()
      loss = criterion(logits, y)
    `);
  });

  test('functional losses: class axis 1 moved last, mean by default, log_target and batchmean kept', async () => {
    const out = await convert(py`
      import torch
      import torch.nn.functional as F
      a = F.cross_entropy(logits, y)
      b = F.cross_entropy(logits, y, reduction='sum')
      c = F.mse_loss(pred, target)
      d = F.nll_loss(F.log_softmax(logits, dim=1), y)
      e = F.binary_cross_entropy(torch.sigmoid(z), t)
      f = F.kl_div(logp, q, reduction='batchmean', log_target=True)
      g = F.l1_loss(pred, target, reduction='mean')
      h = F.smooth_l1_loss(pred, target)
    `);
    expect(out).toBe(py`
      import jax
      import jax.numpy as jnp
      import optax
      a = optax.softmax_cross_entropy_with_integer_labels(jnp.moveaxis(logits, 1, -1), y).mean()
      b = optax.softmax_cross_entropy_with_integer_labels(jnp.moveaxis(logits, 1, -1), y).sum()
      c = optax.squared_error(pred, target).mean()
      d = (-jnp.take_along_axis(jnp.moveaxis(jax.nn.log_softmax(logits, axis=1), 1, -1), y[..., None], axis=-1)[..., 0]).mean()
      e = (-(t * jnp.clip(jnp.where(jax.nn.sigmoid(z) > 0, jnp.log(jnp.where(jax.nn.sigmoid(z) > 0, jax.nn.sigmoid(z), 1.0)), -100.0), -100) + (1 - t) * jnp.clip(jnp.where((1 - jax.nn.sigmoid(z)) > 0, jnp.log(jnp.where((1 - jax.nn.sigmoid(z)) > 0, (1 - jax.nn.sigmoid(z)), 1.0)), -100.0), -100))).mean()
      f = (jnp.exp(q) * (q - logp)).sum() / logp.shape[0]
      g = jnp.abs(pred - target).mean()
      h = optax.huber_loss(pred, target, delta=1.0).mean()
    `);
  });

  test('weights, ignore_index, pos_weight and label smoothing are left as is, each reported', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn
      import torch.nn.functional as F
      a = F.cross_entropy(logits, y, label_smoothing=0.1)
      b = F.cross_entropy(logits, y, ignore_index=0)
      w = nn.CrossEntropyLoss(weight=class_w)
      c = F.binary_cross_entropy_with_logits(z, t, pos_weight=pw)
    `);
    // nn.CrossEntropyLoss stays torch's: `nn` may be flax.linen in the output, so it is written in full
    expect(cell.source).toBe(py`
      import torch  # switcheroo: kept, torch is still used
      import torch.nn.functional as F  # switcheroo: kept, torch is still used
      a = F.cross_entropy(logits, y, label_smoothing=0.1)  # switcheroo: torch.nn.functional.cross_entropy is not converted in this form; left as is
      b = F.cross_entropy(logits, y, ignore_index=0)  # switcheroo: torch.nn.functional.cross_entropy with ignore_index=... is not converted; left as is
      w = torch.nn.CrossEntropyLoss(weight=class_w)  # switcheroo: torch.nn.CrossEntropyLoss with weight=... is not converted; left as is
      c = F.binary_cross_entropy_with_logits(z, t, pos_weight=pw)  # switcheroo: torch.nn.functional.binary_cross_entropy_with_logits(pos_weight=...) is not converted; left as is
    `);
    expect(cell.flags.partial).toBe(true);
    expect(cell.diagnostics.map(d => [d.line, d.message])).toEqual([
      [3, 'torch.nn.functional.cross_entropy is not converted in this form; left as is'],
      [4, 'torch.nn.functional.cross_entropy with ignore_index=... is not converted; left as is'],
      [5, 'torch.nn.CrossEntropyLoss with weight=... is not converted; left as is'],
      [
        6,
        'torch.nn.functional.binary_cross_entropy_with_logits(pos_weight=...) is not converted; left as is'
      ]
    ]);
    expect(cell.diagnostics.every(d => d.level === 'warning' && d.code === 'unsupported-api')).toBe(
      true
    );
  });

  test('binary_cross_entropy keeps a finite gradient where a probability is exactly 0 or 1', async () => {
    expect(
      await convert(py`
        import torch.nn.functional as F
        l = F.binary_cross_entropy(p, t, reduction='sum')
      `)
    ).toBe(py`
      import jax.numpy as jnp
      l = (-(t * jnp.clip(jnp.where(p > 0, jnp.log(jnp.where(p > 0, p, 1.0)), -100.0), -100) + (1 - t) * jnp.clip(jnp.where((1 - p) > 0, jnp.log(jnp.where((1 - p) > 0, (1 - p), 1.0)), -100.0), -100))).sum()
    `);
  });
});
