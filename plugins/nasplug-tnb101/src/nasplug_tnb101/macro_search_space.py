"""``TransBench101SearchSpaceMacro``: the TransNAS-Bench-101 macro space as a ``nasplug.Graph``.

The graph is a chain: edge (1, 2) holds the stem, the next 8 to 12 edges the
residual blocks (two per module; ``module`` edge attribute 1..6), the last edge
the task's decoder (see :mod:`nasplug_tnb101.macro_network`). The number of
modules is part of the architecture, so ``set_spec`` rebuilds the chain; before
an architecture is chosen the graph has no edges. Graphs from ``get_nbhd`` hold
only their architecture and build on ``parse()`` (or the first forward).

For jigsaw the input is ``[N, 9, 3, H, W]``: the encoder runs on each tile and the
head sees the 9 outputs concatenated on channels (as the micro space and
TransNAS-Bench-101's ``SiameseNet``).
"""

from __future__ import annotations

import random
from typing import Any

import torch
from torch import nn

from nasplug.errors import ArchitectureError, DataError
from nasplug.graph import Graph

from . import macro_encoding as M
from .losses import get_loss_fn
from .macro_network import ResNetBasicblock, block_layout, build_macro_decoder, crop_to, decoder_input_dim
from .network import Stem, init_encoder_weights
from .tasks import JIGSAW_TILES, TASK_NAMES, task_info


class TransBench101SearchSpaceMacro(Graph):
    """TransNAS-Bench-101 macro search space (3,256 architectures) for one task (``dataset``)."""

    name = "transbench101_macro"
    datasets = TASK_NAMES
    description = "TransNAS-Bench-101 macro skeleton space (3,256 architectures) on 7 Taskonomy tasks"
    QUERYABLE = True
    OPTIMIZER_SCOPE = ["stage_1", "stage_2", "stage_3"]
    space_name = "transbench101"

    def __init__(self, dataset: str = "class_scene") -> None:
        info = task_info(dataset)  # unknown task -> clear error
        super().__init__(name="makrograph")
        self.dataset = dataset
        self.num_classes = info.num_classes
        self.op_indices: tuple[int, ...] | None = None
        self._digits: tuple[int, ...] | None = None
        self._built = False
        self._chain: tuple | None = None
        self.add_node(1)

    # -- architecture -----------------------------------------------------------------------
    def _assign(self, spec: Any) -> None:
        """Choose the architecture without building its network (built on ``parse()``)."""
        digits = M.parse_macro(spec)
        self._modules.clear()
        self._eval_plan = self._chain = None
        self.clear()
        self.add_node(1)
        self._digits = digits
        self.op_indices = M.to_op_indices(digits)
        self._built = False

    def _build(self) -> None:
        digits = self._digits
        layout = block_layout(digits)
        self.add_nodes_from(range(1, len(layout) + 4))
        stem = Stem()
        init_encoder_weights(stem)
        self.add_edge(1, 2, op=stem)
        for i, (module, c_in, c_out, stride) in enumerate(layout):
            block = ResNetBasicblock(c_in, c_out, stride)
            init_encoder_weights(block)
            self.add_edge(2 + i, 3 + i, op=block, module=module + 1, C_in=c_in, C_out=c_out, stride=stride)
        last = 2 + len(layout)
        self.add_edge(last, last + 1, op=build_macro_decoder(self.dataset, decoder_input_dim(digits)))
        self._built = True

    def set_spec(self, spec: Any, dataset_api: Any = None) -> None:
        """Build the network of ``'64-<digits>-basic'`` or NASLib's tuple ``(d1, ..., 0, 0)``.

        ``dataset_api`` is accepted for NASLib compatibility and ignored.
        """
        self._assign(spec)
        self.parse()

    def set_op_indices(self, op_indices: Any) -> None:
        self.set_spec(op_indices)

    def get_op_indices(self) -> tuple[int, ...]:
        if self.op_indices is None:
            raise ArchitectureError(
                "no architecture chosen yet: call set_spec(...) or sample_random_architecture() first")
        return self.op_indices

    def get_hash(self) -> tuple[int, ...]:
        """NASLib's zero-padded tuple, e.g. ``(2, 3, 2, 3, 0, 0)``."""
        return tuple(self.get_op_indices())

    def get_arch_str(self) -> str:
        """The official string ``'64-<digits>-basic'``."""
        return M.to_arch_str(self.get_op_indices())

    def _random_spec(self, rng: random.Random) -> tuple[int, ...]:
        return M.random_architecture(rng)

    def get_arch_iterator(self, dataset_api: Any = None):
        """All 3,256 architectures as NASLib tuples."""
        return (M.to_op_indices(d) for d in M.iter_architectures())

    def mutate(self, parent: Any = None, dataset_api: Any = None, seed: int | None = None,
               rng: random.Random | None = None) -> None:
        """Set this graph to a mutation of ``parent`` (default: itself), NASLib's scheme."""
        source = self if parent is None else parent
        if rng is None:
            rng = random.Random(seed) if seed is not None else random._inst  # type: ignore[attr-defined]
        self.set_spec(M.mutate(M.parse_macro(source), rng=rng))

    def get_nbhd(self, dataset_api: Any = None, seed: int | None = None,
                 rng: random.Random | None = None) -> list["TransBench101SearchSpaceMacro"]:
        """The architectures one edit away (:func:`macro_encoding.neighbours`) as new graphs that
        build on ``parse()``; shuffled when a seed/rng is given."""
        specs = M.neighbours(self.get_op_indices())
        if rng is not None or seed is not None:
            (rng or random.Random(seed)).shuffle(specs)
        out = []
        for spec in specs:
            g = TransBench101SearchSpaceMacro(self.dataset)
            g._assign(spec)
            out.append(g)
        return out

    def get_type(self) -> str:
        return "transbench101_macro"

    def get_loss_fn(self) -> nn.Module:
        """The task's training loss (see :mod:`nasplug_tnb101.losses`), as in the micro space."""
        return get_loss_fn(self.dataset)

    # -- PyTorch ----------------------------------------------------------------------------
    def parse(self) -> "TransBench101SearchSpaceMacro":
        if self._digits is None:
            raise ArchitectureError("no architecture chosen yet: call set_spec(...) or "
                                    "sample_random_architecture() before parse()")
        if not self._built:
            self._build()
        super().parse()
        ops = [self.edges[u, u + 1]["op"] for u in range(1, self.number_of_nodes())]
        self._chain = (ops[0], tuple(ops[1:-1]), ops[-1])
        return self

    def feature_modules(self) -> list[nn.Module]:
        """The encoder's stages in call order (stem, then every residual block): the feature
        maps stage-wise proxies (AZ-NAS) read; the task decoder is not a backbone stage."""
        if self._chain is None:
            self.parse()
        stem, blocks, _ = self._chain
        return [stem, *blocks]

    def _encode(self, x: torch.Tensor) -> torch.Tensor:
        stem, blocks, _ = self._chain
        x = stem(x)
        for block in blocks:
            x = block(x)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self._chain is None:
            self.parse()
        decoder = self._chain[2]
        if self.dataset == "jigsaw":
            if x.dim() != 5 or x.shape[1] != JIGSAW_TILES:
                raise DataError(
                    f"jigsaw networks take [N, {JIGSAW_TILES}, 3, H, W] tiles, got input of shape "
                    f"{tuple(x.shape)}; use the 'jigsaw' dataset's loader")
            return decoder(torch.cat([self._encode(x[:, i]) for i in range(x.shape[1])], dim=1))
        if x.dim() != 4:
            raise DataError(f"{self.dataset} networks take [N, 3, H, W] images, got {tuple(x.shape)}")
        out = decoder(self._encode(x))
        if out.dim() == 4:
            out = crop_to(out, x.shape[-2], x.shape[-1])
        return out


def convert_naslib_to_transbench101_macro(graph: TransBench101SearchSpaceMacro) -> str:
    """NASLib's name: the official string of a graph's architecture."""
    return graph.get_arch_str()
