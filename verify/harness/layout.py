"""The one place that knows the converted code's tensor layout.

torch feeds channels-first tensors (NCHW, NCL, NCDHW) to convolutions, pooling
and channel norms. Flax Linen's nn.Conv / nn.max_pool / nn.BatchNorm /
nn.GroupNorm work on channels-last tensors (NHWC). The suite assumes the
conversion keeps each layer's Flax layout: the caller of a converted *layer or
module* passes channels-last images and gets channels-last images back, so
the harness moves the channel axis on the way in and on the way out.

Functions and tensor methods (F.max_pool2d, torch.cat, ...) are assumed to keep
torch's meaning, layout included: their inputs are passed unchanged.

Set SWITCHEROO_CONV_LAYOUT=channels_first if the conversion documents that
converted modules take torch's NCHW layout at their interface.
"""

from __future__ import annotations

import os

import numpy as np

CHANNELS_LAST = "channels_last"
CHANNELS_FIRST = "channels_first"


def converted_layout() -> str:
    layout = os.environ.get("SWITCHEROO_CONV_LAYOUT", CHANNELS_LAST)
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
