"""The one place that knows the converted code's tensor layout.

torch feeds channels-first tensors (NCHW, NCL, NCDHW) to convolutions, pooling
and channel norms; Flax Linen's nn.Conv / nn.max_pool / nn.BatchNorm /
nn.GroupNorm work on channels-last tensors (NHWC) unless told otherwise.

Default, ``channels_first``: what the engine emits today (checked on its
output): converted modules keep torch's NCHW layout at their interface and
transpose around each Flax conv / pool call (``self.conv(x.transpose(0, 2, 3,
1)).transpose(0, 3, 1, 2)``; BatchNorm gets ``axis=1``), so ``flatten`` keeps
torch's (C, H, W) order and ported Linear weights line up. The harness passes
torch's arrays unchanged.

``SWITCHEROO_CONV_LAYOUT=channels_last``: converted modules take and return
NHWC; the harness moves the channel axis of declared image inputs to the end
and moves it back on image outputs. The hand-written fixtures in
verify/fixtures/converted use this layout (verify/test_harness.py sets it).

Functions and tensor methods (F.max_pool2d, torch.cat, ...) are always assumed
to keep torch's meaning, layout included: their inputs are passed unchanged.
"""

from __future__ import annotations

import os

import numpy as np

CHANNELS_LAST = "channels_last"
CHANNELS_FIRST = "channels_first"


def converted_layout() -> str:
    layout = os.environ.get("SWITCHEROO_CONV_LAYOUT", CHANNELS_FIRST)
    if layout not in (CHANNELS_LAST, CHANNELS_FIRST):
        raise ValueError(f"SWITCHEROO_CONV_LAYOUT must be {CHANNELS_LAST} or {CHANNELS_FIRST}")
    return layout


def to_converted(x: np.ndarray) -> np.ndarray:
    """A torch channels-first image batch, as the converted module takes it."""
    if converted_layout() == CHANNELS_LAST and np.ndim(x) >= 3:
        return np.ascontiguousarray(np.moveaxis(x, 1, -1))
    return x


def from_converted(y: np.ndarray) -> np.ndarray:
    """A converted module's image output, in torch's channels-first layout."""
    if converted_layout() == CHANNELS_LAST and np.ndim(y) >= 3:
        return np.moveaxis(np.asarray(y), -1, 1)
    return np.asarray(y)


# torch layers whose image inputs and outputs are channels-first.
_CHANNEL_FIRST_LAYERS = (
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "GroupNorm",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "Dropout1d",
    "Dropout2d",
    "Dropout3d",
    "Upsample",
    "PixelShuffle",
    "LocalResponseNorm",
)


def layer_is_channels_first(kb_key: str) -> bool:
    """Whether a torch.nn layer (knowledge-base key) takes channels-first images."""
    return kb_key.rsplit(".", 1)[-1] in _CHANNEL_FIRST_LAYERS
