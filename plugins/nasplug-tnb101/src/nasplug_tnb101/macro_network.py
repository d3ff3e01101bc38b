"""Building blocks of the TransNAS-Bench-101 macro networks (torch).

As TransNAS-Bench-101 (github.com/yawen-d/TransNASBench ``lib/models``) and NASLib
(``naslib/search_spaces/transbench101/tnb101``, ``MacroNet(structure="backbone")``
and ``model_builder.create_model``) build them:

* stem (shared with the micro space, :class:`nasplug_tnb101.network.Stem`):
  Conv3x3 s2 (3 -> 32) -> BN -> ReLU-Conv3x3 s2-BN (32 -> 64), output stride 4;
* one module per digit of ``64-<digits>-basic``, each two ``basic`` residual
  blocks (:class:`ResNetBasicblock`): the first block takes the module's stride
  (2 for digits 3, 4) and channel change (x2 for digits 2, 4), the second keeps both;
* encoder convolutions: Kaiming-normal (fan-out), BN weight 1 / bias 0;
* decoders as the micro space's (:mod:`nasplug_tnb101.network`), but sized for
  this encoder's output: ``(channels, side)`` where ``side`` is what MacroNet
  reports for its default 224x224 input (56, floor-halved once per digit 3/4), so
  the segmentation / image decoders get ``int(log2(256 / side))`` upsamplings.

At NASLib's 256x256 input the image decoders output 256x256 for every
architecture. At smaller inputs an encoder with four halvings reaches 1x1 before
its last halving (e.g. 32 -> 8 -> 4 -> 2 -> 1 -> 1), and the decoder, sized for
256, then outputs more pixels than the input has; :func:`crop_to` cuts the
output back to the input's size (top-left), so every architecture runs at the
CPU default resolutions. Nothing is cropped at NASLib's input sizes.
"""

from __future__ import annotations

import torch
from torch import nn

from .macro_encoding import BASE_CHANNELS
from .network import (
    DECODER_TARGET_SIDE,
    IMAGE_CHANNELS,
    SEGMENTATION_CLASSES,
    ClassifierHead,
    GenerativeDecoder,
    ReLUConvBN,
    SegmentationDecoder,
    SiameseHead,
)
from .tasks import JIGSAW_CLASSES, JIGSAW_TILES, task_info

#: blocks per module (MacroNet ``_make_layer(..., num_blocks=2)``)
BLOCKS_PER_MODULE = 2
#: MacroNet's default input side, from which the decoders' input size is computed
MACRONET_INPUT_SIDE = 224


class ResNetBasicblock(nn.Module):
    """ReLU-Conv3x3(stride)-BN -> ReLU-Conv3x3-BN, plus the input (through Conv1x1(stride)-BN
    when the stride or the channels change)."""

    def __init__(self, C_in: int, C_out: int, stride: int) -> None:
        super().__init__()
        self.C_in, self.C_out, self.stride = C_in, C_out, stride
        self.conv_a = ReLUConvBN(C_in, C_out, 3, stride, 1)
        self.conv_b = ReLUConvBN(C_out, C_out, 3, 1, 1)
        self.downsample = None
        if stride != 1 or C_in != C_out:
            self.downsample = nn.Sequential(
                nn.Conv2d(C_in, C_out, kernel_size=1, stride=stride, padding=0, bias=False),
                nn.BatchNorm2d(C_out, affine=True, track_running_stats=True),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = x if self.downsample is None else self.downsample(x)
        return residual + self.conv_b(self.conv_a(x))

    def extra_repr(self) -> str:
        return f"C_in={self.C_in}, C_out={self.C_out}, stride={self.stride}"


def block_layout(digits: tuple[int, ...], base_channels: int = BASE_CHANNELS) -> list[tuple[int, int, int, int]]:
    """``(module index, C_in, C_out, stride)`` of every residual block, in order."""
    out = []
    channels = base_channels
    for module, digit in enumerate(digits):
        target = channels * 2 if digit % 2 == 0 else channels
        stride = 2 if digit > 2 else 1
        for block in range(BLOCKS_PER_MODULE):
            out.append((module, channels if block == 0 else target, target, stride if block == 0 else 1))
        channels = target
    return out


def decoder_input_dim(digits: tuple[int, ...], base_channels: int = BASE_CHANNELS) -> tuple[int, int, int]:
    """MacroNet's ``output_dim`` for ``structure='backbone'``: (channels, side, side) at 224x224."""
    side = MACRONET_INPUT_SIDE // 4
    channels = base_channels
    for digit in digits:
        if digit % 2 == 0:
            channels *= 2
        if digit > 2:
            side //= 2
    return channels, side, side


def build_macro_decoder(task: str, in_dim: tuple[int, int, int]) -> nn.Module:
    """The decoder of ``task`` for an encoder whose output is ``in_dim`` (model_builder.create_model)."""
    info = task_info(task)
    channels = in_dim[0]
    if task == "jigsaw":
        return SiameseHead(channels, JIGSAW_CLASSES, JIGSAW_TILES)
    if info.kind in ("classification", "regression"):
        return ClassifierHead(channels, info.num_classes)
    if task == "segmentsemantic":
        return SegmentationDecoder(in_dim, DECODER_TARGET_SIDE, SEGMENTATION_CLASSES)
    return GenerativeDecoder(in_dim, DECODER_TARGET_SIDE, IMAGE_CHANNELS)


def crop_to(output: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Cut a dense output larger than the input back to ``height x width`` (see module docstring)."""
    if output.shape[-2] > height or output.shape[-1] > width:
        return output[..., :height, :width]
    return output
