"""Random 2-D strided operands for the kernel tests, and their numpy gathers.

An operand is a `Region`: a VmBuffer plus (offset, stride0, stride1) in
elements. `regions()` draws one that fits its buffer exactly or with slack,
with zero and -1 strides (IREE's smallest) for inputs; outputs use strides
that give every element its own slot, so a numpy scatter is unambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from vmvxjit.kernels.buffer_regions import REGION_OK, region_status
from vmvxjit.vm.buffer import VmBuffer


@dataclass
class Region:
    buffer: VmBuffer
    offset: int
    stride0: int
    stride1: int

    def args(self) -> tuple:
        return self.buffer, self.offset, self.stride0, self.stride1

    def indices(self, size0: int, size1: int) -> np.ndarray:
        i = np.arange(size0, dtype=np.int64)[:, None]
        j = np.arange(size1, dtype=np.int64)[None, :]
        return self.offset + i * self.stride0 + j * self.stride1

    def elements(self, dtype) -> np.ndarray:
        data = self.buffer.data
        size = np.dtype(dtype).itemsize
        return data[:data.shape[0] - data.shape[0] % size].view(dtype)

    def gather(self, dtype, size0: int, size1: int) -> np.ndarray:
        return self.elements(dtype)[self.indices(size0, size1)]

    def accepted(self, element_size: int, size0: int, size1: int) -> bool:
        """Whether the region checks pass (IREE rejects some empty regions)."""
        return region_status(self.buffer.length, element_size, self.offset, self.stride0,
                             self.stride1, size0, size1) == REGION_OK


def all_accepted(element_size: int, size0: int, size1: int, *operands: Region) -> bool:
    return all(r.accepted(element_size, size0, size1) for r in operands)


def extent(size0: int, size1: int, stride0: int, stride1: int) -> tuple[int, int]:
    """(lowest, highest) element index touched relative to the offset (0, 0 if empty)."""
    if size0 == 0 or size1 == 0:
        return 0, 0
    spans = ((size0 - 1) * stride0, (size1 - 1) * stride1)
    return sum(min(0, s) for s in spans), sum(max(0, s) for s in spans)


@st.composite
def regions(draw, size0: int, size1: int, element_size: int, distinct: bool = False):
    """A Region of `size0` x `size1` elements in a fresh random buffer."""
    if distinct:
        stride1 = draw(st.sampled_from([1, 2, 3] + ([-1] if size0 <= 1 else [])))
        row = max(1, (size1 - 1) * abs(stride1) + 1)
        stride0 = draw(st.sampled_from([row, row + 1, row + 4] + ([-1] if size1 <= 1 else [])))
    else:
        stride1 = draw(st.sampled_from([0, 1, 1, 2, -1, 5]))
        row = max(1, (size1 - 1) * abs(stride1) + 1)
        stride0 = draw(st.sampled_from([0, -1, 1, row, row, row + 2, 7]))
    low, high = extent(size0, size1, stride0, stride1)
    offset = -low + draw(st.integers(0, 3))
    elements = offset + high + 1 + draw(st.integers(0, 3))
    length = elements * element_size + draw(st.integers(0, element_size - 1))
    seed = draw(st.integers(0, 2**32 - 1))
    data = np.random.default_rng(seed).integers(0, 256, length, dtype=np.uint8)
    return Region(VmBuffer(data), offset, stride0, stride1)
