"""Building blocks of the TransNAS-Bench-101 micro networks (torch).

Everything here follows the networks TransNAS-Bench-101 trains (Duan et al.,
CVPR 2021, github.com/yawen-d/TransNASBench ``lib/models``) as NASLib builds them
for NAS-Bench-Suite-Zero (``naslib/search_spaces/transbench101/tnb101``):

* encoder ``64-41414-a_bc_def``: a stem (Conv3x3 stride 2 -> BN -> ReLU-Conv3x3
  stride 2-BN, 3 -> 32 -> 64 channels), then five modules of two cells each with
  macro code 4-1-4-1-4 (4: double the channels and stride 2 in the first cell;
  1: keep both), i.e. 64 -> 128 -> 128 -> 256 -> 256 -> 512 channels, output
  stride 32; encoder convolutions get Kaiming-normal (fan-out) weights;
* per-task decoders (see :func:`build_decoder`). The decoders are sized, as in
  TransNAS-Bench-101, for the encoder output ``(512, 7, 7)`` that ``MacroNet``
  reports for its default 224x224 input, whatever the real input size is; the
  networks are fully convolutional, so any input side divisible by 32 works and
  the image decoders output the input's resolution.

This is our own code; the numbers and the layer order are the benchmark's.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .encoding import BASE_CHANNELS, MACRO_CODE
from .tasks import JIGSAW_CLASSES, JIGSAW_TILES, task_info

#: cells per module (TransNAS-Bench-101 ``_make_layer(..., num_blocks=2)``)
CELLS_PER_MODULE = 2
#: encoder output NASLib's decoders are built for: MacroNet(input_dim=(224, 224)) -> (512, 7, 7)
DECODER_INPUT_DIM = (512, 7, 7)
#: image decoders' target side (TransNAS-Bench-101 ``target_dim = (256, 256)``)
DECODER_TARGET_SIDE = 256
#: output channels of the image decoders
SEGMENTATION_CLASSES = 17
IMAGE_CHANNELS = 3


# -- cell operations ---------------------------------------------------------------------------
class ReLUConvBN(nn.Module):
    """ReLU -> Conv (no bias) -> BatchNorm (digits 2 and 3, and the stem's second conv)."""

    def __init__(self, C_in: int, C_out: int, kernel_size: int, stride: int, padding: int) -> None:
        super().__init__()
        self.C_in, self.C_out, self.stride = C_in, C_out, stride
        self.ops = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(C_in, C_out, kernel_size, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(C_out, affine=True, track_running_stats=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ops(x)

    def extra_repr(self) -> str:
        return f"C_in={self.C_in}, C_out={self.C_out}, stride={self.stride}"


class Zero(nn.Module):
    """Digit 0: an all-zero output of the edge's output shape (no gradient flows through)."""

    def __init__(self, C_in: int, C_out: int, stride: int) -> None:
        super().__init__()
        self.C_in, self.C_out, self.stride = C_in, C_out, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.C_in == self.C_out:
            if self.stride == 1:
                return x.mul(0.0)
            return x[:, :, ::self.stride, ::self.stride].mul(0.0)
        n, _, h, w = x.shape
        # (h + 1) // stride as in TransNAS-Bench-101, equal to the strided convs' output for even h
        return x.new_zeros((n, self.C_out, (h + 1) // self.stride, (w + 1) // self.stride))

    def extra_repr(self) -> str:
        return f"C_in={self.C_in}, C_out={self.C_out}, stride={self.stride}"


class Identity(nn.Module):
    """Digit 1 where shape is kept."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class FactorizedReduce(nn.Module):
    """Digit 1 where the edge halves the resolution and doubles the channels:
    ReLU, two 1x1 stride-2 convs on the input and on the input shifted by one
    pixel, concatenated, BatchNorm."""

    def __init__(self, C_in: int, C_out: int, stride: int) -> None:
        super().__init__()
        if C_out % 2:
            raise ValueError(f"FactorizedReduce needs an even C_out, got {C_out}")
        self.C_in, self.C_out, self.stride = C_in, C_out, stride
        self.relu = nn.ReLU(inplace=False)
        half = C_out // 2
        self.convs = nn.ModuleList([
            nn.Conv2d(C_in, half, 1, stride=stride, padding=0, bias=False),
            nn.Conv2d(C_in, C_out - half, 1, stride=stride, padding=0, bias=False),
        ])
        self.pad = nn.ConstantPad2d((0, 1, 0, 1), 0)
        self.bn = nn.BatchNorm2d(C_out, affine=True, track_running_stats=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        shifted = self.pad(x)[:, :, 1:, 1:]
        return self.bn(torch.cat([self.convs[0](x), self.convs[1](shifted)], dim=1))

    def extra_repr(self) -> str:
        return f"C_in={self.C_in}, C_out={self.C_out}, stride={self.stride}"


def make_op(digit: int, C_in: int, C_out: int, stride: int) -> nn.Module:
    """The module of cell digit ``digit`` on an edge ``C_in -> C_out`` with ``stride``."""
    if digit == 0:
        return Zero(C_in, C_out, stride)
    if digit == 1:
        if stride == 1 and C_in == C_out:
            return Identity()
        return FactorizedReduce(C_in, C_out, stride)
    if digit == 2:
        return ReLUConvBN(C_in, C_out, 1, stride, 0)
    if digit == 3:
        return ReLUConvBN(C_in, C_out, 3, stride, 1)
    raise ValueError(f"unknown op digit {digit!r}")


# -- encoder layout ----------------------------------------------------------------------------
def cell_layout(base_channels: int = BASE_CHANNELS, macro_code: str = MACRO_CODE):
    """``(module_index, C_in, C_out, stride)`` of each cell of the encoder, in order."""
    layout = []
    channels = base_channels
    for module_index, layer_type in enumerate(macro_code):
        layer_type = int(layer_type)
        target = channels * 2 if layer_type % 2 == 0 else channels  # 2, 4: double channels
        stride = 2 if layer_type > 2 else 1  # 3, 4: halve the resolution
        for block in range(CELLS_PER_MODULE):
            layout.append((module_index, channels if block == 0 else target, target,
                           stride if block == 0 else 1))
        channels = target
    return layout


def encoder_output_channels(base_channels: int = BASE_CHANNELS, macro_code: str = MACRO_CODE) -> int:
    return cell_layout(base_channels, macro_code)[-1][2]


class Stem(nn.Module):
    """Conv3x3 s2 (3 -> C/2) -> BN -> ReLU-Conv3x3 s2-BN (C/2 -> C): output stride 4."""

    def __init__(self, C_out: int = BASE_CHANNELS, C_in: int = 3) -> None:
        super().__init__()
        self.seq = nn.Sequential(
            nn.Conv2d(C_in, C_out // 2, kernel_size=3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(C_out // 2, affine=True, track_running_stats=True),
            ReLUConvBN(C_out // 2, C_out, 3, 2, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.seq(x)


def init_encoder_weights(module: nn.Module) -> None:
    """TransNAS-Bench-101 ``MacroNet._kaiming_init``: Kaiming-normal (fan-out) convs, BN 1/0."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            nn.init.constant_(m.weight, 1)
            nn.init.constant_(m.bias, 0)


# -- decoders ----------------------------------------------------------------------------------
class ConvLayer(nn.Module):
    """Conv (with bias) -> optional BN -> optional activation."""

    def __init__(self, C_in: int, C_out: int, activation: nn.Module | None, norm: bool) -> None:
        super().__init__()
        self.conv = nn.Conv2d(C_in, C_out, 3, stride=1, padding=1)
        self.norm = nn.BatchNorm2d(C_out) if norm else None
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        if self.norm is not None:
            x = self.norm(x)
        if self.activation is not None:
            x = self.activation(x)
        return x


class DeconvLayer(nn.Module):
    """Transposed conv 3x3 stride 2 (doubles the side) -> BN -> activation."""

    def __init__(self, C_in: int, C_out: int, activation: nn.Module | None) -> None:
        super().__init__()
        self.conv = nn.ConvTranspose2d(C_in, C_out, 3, stride=2, padding=1, output_padding=1)
        self.norm = nn.BatchNorm2d(C_out)
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(self.conv(x))
        if self.activation is not None:
            x = self.activation(x)
        return x


def _leaky() -> nn.Module:
    return nn.LeakyReLU(0.2, inplace=False)


def _num_upsample(in_width: int, out_width: int) -> int:
    n = int(math.log2(out_width / in_width))
    if n not in (2, 3, 4, 5, 6):
        raise ValueError(f"invalid number of upsampling layers {n}")
    return n


class ClassifierHead(nn.Module):
    """Global average pool -> flatten -> linear (class_scene, class_object, room_layout;
    TransNAS-Bench-101 ``FFDecoder``)."""

    def __init__(self, C_in: int, out_dim: int) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(C_in, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.avgpool(x), 1))


class SiameseHead(ClassifierHead):
    """Jigsaw: the 9 tiles' encoder outputs concatenated on channels, pooled, one linear
    layer to the 1,000 permutation classes (TransNAS-Bench-101 ``SiameseDecoder``)."""

    def __init__(self, C_in: int, out_dim: int = JIGSAW_CLASSES, num_pieces: int = JIGSAW_TILES) -> None:
        super().__init__(C_in * num_pieces, out_dim)


class SegmentationDecoder(nn.Module):
    """Conv to 1024, (6 - n) halving convs, n - 1 halving deconvs, one deconv, a final conv
    to the 17 class logits (TransNAS-Bench-101 ``SegmentationDecoder``; n = 5 here)."""

    def __init__(self, in_dim=DECODER_INPUT_DIM, target_side: int = DECODER_TARGET_SIDE,
                 num_classes: int = SEGMENTATION_CLASSES) -> None:
        super().__init__()
        n = _num_upsample(in_dim[1], target_side)
        layers = [ConvLayer(in_dim[0], 1024, _leaky(), norm=True)]
        channels = 1024
        for _ in range(6 - n):
            layers.append(ConvLayer(channels, channels // 2, _leaky(), norm=True))
            channels //= 2
        for _ in range(n - 1):
            layers.append(DeconvLayer(channels, channels // 2, _leaky()))
            channels //= 2
        layers.append(DeconvLayer(channels, channels, _leaky()))
        layers.append(ConvLayer(channels, num_classes, None, norm=False))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class GenerativeDecoder(nn.Module):
    """14-layer conv/deconv image decoder ending in Tanh (normal, autoencoder;
    TransNAS-Bench-101 ``GenerativeDecoder``, pix2pix style; n = 5 upsamplings here)."""

    def __init__(self, in_dim=DECODER_INPUT_DIM, target_side: int = DECODER_TARGET_SIDE,
                 out_channels: int = IMAGE_CHANNELS) -> None:
        super().__init__()
        n = _num_upsample(in_dim[1], target_side)

        def up_or_conv(cond: bool, c_in: int, c_out: int) -> nn.Module:
            return DeconvLayer(c_in, c_out, _leaky()) if cond else ConvLayer(c_in, c_out, _leaky(), True)

        self.conv1 = ConvLayer(in_dim[0], 1024, _leaky(), True)
        self.conv2 = ConvLayer(1024, 1024, _leaky(), True)
        self.conv3 = up_or_conv(n == 6, 1024, 512)
        self.conv4 = ConvLayer(512, 512, _leaky(), True)
        self.conv5 = up_or_conv(n >= 5, 512, 256)
        self.conv6 = ConvLayer(256, 128, _leaky(), True)
        self.conv7 = up_or_conv(n >= 4, 128, 64)
        self.conv8 = ConvLayer(64, 64, _leaky(), True)
        self.conv9 = up_or_conv(n >= 3, 64, 32)
        self.conv10 = ConvLayer(32, 32, _leaky(), True)
        self.conv11 = DeconvLayer(32, 16, _leaky())
        self.conv12 = ConvLayer(16, 32, _leaky(), True)
        self.conv13 = DeconvLayer(32, 16, _leaky())
        self.conv14 = ConvLayer(16, out_channels, nn.Tanh(), False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i in range(1, 15):
            x = getattr(self, f"conv{i}")(x)
        return x


def build_decoder(task: str) -> nn.Module:
    """The decoder of ``task`` (TransNAS-Bench-101 ``model_builder.create_model``).

    The pix2pix discriminator TransNAS-Bench-101 attaches to normal/autoencoder
    is left out: it only scores outputs during adversarial training, is never
    part of the forward pass, and NASLib's parameter counts exclude it.
    """
    info = task_info(task)
    channels = DECODER_INPUT_DIM[0]
    if task == "jigsaw":
        return SiameseHead(channels, JIGSAW_CLASSES, JIGSAW_TILES)
    if info.kind in ("classification", "regression"):
        return ClassifierHead(channels, info.num_classes)
    if task == "segmentsemantic":
        return SegmentationDecoder(DECODER_INPUT_DIM, DECODER_TARGET_SIDE, SEGMENTATION_CLASSES)
    return GenerativeDecoder(DECODER_INPUT_DIM, DECODER_TARGET_SIDE, IMAGE_CHANNELS)
