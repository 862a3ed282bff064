import { DOT_PRODUCT_ATTENTION, MULTIHEAD_ATTENTION } from '../../plugins/attention';
import { convertCell, convertCode, py } from '../helpers';

/** The helpers' definitions stand where the expected text says SDPA / MHA (checked numerically in verify/). */
const withHelpers = (text: string) =>
  text
    .replace('SDPA\n', `${DOT_PRODUCT_ATTENTION.code}\n`)
    .replace('MHA\n', `${MULTIHEAD_ATTENTION.code}\n`);

describe('plugins/attention.ts', () => {
  test("F.scaled_dot_product_attention becomes dot_product_attention, defined once; the notebook's own scaled_dot_product_attention is left alone", async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn.functional as F

      def scaled_dot_product_attention(q, k, v, mask=None):
          return q

      q = torch.zeros(2, 3, 4)
      a = F.scaled_dot_product_attention(q, q, q, is_causal=True)
      b = F.scaled_dot_product_attention(q, q, q, None, 0.0, False, 0.5)
      c = scaled_dot_product_attention(q, q, q, mask=None)
    `);
    expect(cell.source).toBe(
      withHelpers(py`
        import jax
        import jax.numpy as jnp

        def scaled_dot_product_attention(q, k, v, mask=None):
            return q

        q = jnp.zeros((2, 3, 4))
        SDPA
        a = dot_product_attention(q, q, q, is_causal=True)
        b = dot_product_attention(q, q, q, attn_mask=None, dropout_p=0.0, is_causal=False, scale=0.5)
        c = scaled_dot_product_attention(q, q, q, mask=None)
      `)
    );
    expect(cell.flags.partial).toBe(false);
  });

  test("dropout_p draws a key: in a module from its 'dropout' stream, only when p > 0 (the module takes training); in a function from rng_key", async () => {
    const result = await convertCode([
      py`
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Attn(nn.Module):
            def __init__(self, p=0.1):
                super().__init__()
                self.p = p

            def forward(self, q, k, v):
                return F.scaled_dot_product_attention(q, k, v, dropout_p=self.p if self.training else 0.0, is_causal=True)

        def attend(q, k, v, m):
            return F.scaled_dot_product_attention(q, k, v, attn_mask=m, dropout_p=0.2)
      `
    ]);
    expect(result.cells[0].source).toBe(
      withHelpers(py`
        import jax
        import jax.numpy as jnp
        import flax.linen as nn

        SDPA
        class Attn(nn.Module):
            p: float = 0.1

            def __call__(self, q, k, v, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
                return dot_product_attention(q, k, v, dropout_p=self.p if training else 0.0, is_causal=True, rng=lambda: self.make_rng('dropout'))

        rng_key = jax.random.key(0)  # switcheroo: no torch.manual_seed before this draw; seeded with 0
        def attend(q, k, v, m):
            global rng_key
            rng_key, key_1 = jax.random.split(rng_key)
            return dot_product_attention(q, k, v, attn_mask=m, dropout_p=0.2, rng=key_1)
      `)
    );
    expect(result.cells[0].flags.trainingReasons).toContain(
      'F.scaled_dot_product_attention applies dropout_p to the attention weights'
    );
  });

  test('nn.MultiheadAttention in a module: MultiheadAttention with the given arguments; the call gets the mode only when it drops out', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self, d):
              super().__init__()
              self.attn = nn.MultiheadAttention(d, 4, dropout=0.1, batch_first=True)
              self.cross = nn.MultiheadAttention(d, 2, kdim=8, vdim=8)

          def forward(self, x, mem, pad):
              y, w = self.attn(x, x, x, key_padding_mask=pad, need_weights=False)
              z, _ = self.cross(x, mem, mem)
              return y + z
    `);
    expect(cell.source).toBe(
      withHelpers(py`
        from typing import Any
        import jax
        import jax.numpy as jnp
        import flax.linen as nn

        MHA
        class Net(nn.Module):
            d: Any

            def setup(self):
                self.attn = MultiheadAttention(embed_dim=self.d, num_heads=4, dropout=0.1, batch_first=True)
                self.cross = MultiheadAttention(embed_dim=self.d, num_heads=2, kdim=8, vdim=8)

            def __call__(self, x, mem, pad, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
                y, w = self.attn(x, x, x, key_padding_mask=pad, need_weights=False, deterministic=not training)
                z, _ = self.cross(x, mem, mem)
                return y + z
      `)
    );
    expect(cell.flags.partial).toBe(false);
  });

  test('a notebook-level MultiheadAttention: init from the three inputs of its first call, weights copied in and out of its variables in torch layout', async () => {
    const result = await convertCode([
      py`
        import torch
        import torch.nn as nn
        torch.manual_seed(0)
        x = torch.randn(2, 6, 16)
        w = torch.randn(48, 16)
        mha = nn.MultiheadAttention(embed_dim=16, num_heads=4, batch_first=True)
        with torch.no_grad():
            mha.in_proj_weight.copy_(w)
            mha.out_proj.bias.zero_()
        y, attn = mha(x, x, x, need_weights=True, average_attn_weights=False)
        print(mha.out_proj.weight.shape)
      `
    ]);
    expect(result.cells[0].source).toBe(
      withHelpers(py`
        from typing import Any
        import jax
        import jax.numpy as jnp
        import flax.linen as nn
        rng_key = jax.random.key(0)
        rng_key, key_1 = jax.random.split(rng_key)
        x = jax.random.normal(key_1, (2, 6, 16))
        rng_key, key_2 = jax.random.split(rng_key)
        w = jax.random.normal(key_2, (48, 16))
        MHA
        rng_key, key_3 = jax.random.split(rng_key)
        mha = MultiheadAttention(embed_dim=16, num_heads=4, batch_first=True)
        mha_variables = mha.init(key_3, x[:1], x[:1], x[:1])
        mha_variables['params']['in_proj_weight'] = jnp.broadcast_to(jnp.asarray(w, dtype=mha_variables['params']['in_proj_weight'].dtype), mha_variables['params']['in_proj_weight'].shape)
        mha_variables['params']['out_proj']['bias'] = jnp.zeros_like(mha_variables['params']['out_proj']['bias'])
        y, attn = mha.apply(mha_variables, x, x, x, need_weights=True, average_attn_weights=False)
        print(mha_variables['params']['out_proj']['kernel'].T.shape)
      `)
    );
  });

  test('MultiheadAttention with dropout at notebook level, and add_bias_kv, are annotated', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn
      a = nn.MultiheadAttention(8, 2, dropout=0.1)
      b = nn.MultiheadAttention(8, 2, add_bias_kv=True)
    `);
    expect(cell.flags.partial).toBe(true);
    expect(cell.source).toContain(
      "a = MultiheadAttention(embed_dim=8, num_heads=2, dropout=0.1)  # switcheroo: nn.MultiheadAttention drops out attention weights in training: apply it with deterministic=False and rngs={'dropout': key} to train"
    );
    expect(cell.source).toContain(
      'b = torch.nn.MultiheadAttention(8, 2, add_bias_kv=True)  # switcheroo: torch.nn.MultiheadAttention(add_bias_kv=...) is not converted; left as is'
    );
  });
});
