"""On/off switches for the loop optimizer's transformations, so tests can compare each off.

`VMVXJIT_LOOP_OPT=0` turns the optimizer off; `VMVXJIT_LOOP_OPT_OFF=a,b`
turns off single transformations:

* `bounds`: affine accesses checked once at loop entry instead of per access;
* `promote`: a loop-invariant load/store pair kept in a register;
* `interchange`: a loop moved innermost below the loops it encloses;
* `dead-registers`: an interchanged nest reorders all its iterations when the
  registers it writes are dead at its exit (else the last one runs literally);
* `constants`: function-wide integer constants become literals in generated code;
* `entry-constants`: so do integer registers that hold one constant wherever
  control enters a region and that the region does not write (IREE reuses
  registers: ZFNet's row lengths were not function-wide constants);
* `jam`: a two-loop reduction nest that is not interchanged runs several outer
  iterations side by side, each with its own accumulator and order (jam.py);
* `reduction`: a loop whose iterations each update one element through a nest
  of reduction loops below it runs several iterations side by side, each
  element in its own register over the whole nest (reductions.py, reduction_code.py);
* `block`: a loop around an interchanged nest, whose iterations update
  different elements, runs several iterations side by side (block_code.py);
* `licm`: loop-invariant ops and loads of an optimized innermost loop are
  computed once before it (licm.py);
* `strided`: a loop moved innermost may read buffers other than the one it
  updates with strides up to nests.MAX_LOAD_STRIDE elements (strided
  convolutions), not only 0 or 1;
* `shared`: an element kept in a register may be in a buffer the loop also
  reads elsewhere, at indices whose ranges are checked at entry to be
  disjoint from it (convolutions that read and write one concatenation
  buffer, as SqueezeNet's fire modules);
* `tile`: a blocked nest whose moved loop's range is known only at run time, or
  is not a multiple of 8, runs in tiles of block_code.WIDTH columns kept in
  vector registers over the whole reduction (VGG's 64-wide tiles, ZFNet's rows
  of 12 and 25; before, such rows were left in memory or in masked vectors
  stored and reloaded on every step of the reduction);
* `distribute`: an optimized innermost loop that computes `vm.exp.f32` from
  values of its own iteration runs in chunks, the exps of a chunk first in a
  loop of their own, which LLVM vectorizes (distribution.py);
* `lanes`: a running maximum kept in a register (IREE's maxnumf reduction)
  is folded in 16 lanes, which LLVM vectorizes (running_max.py);
* `parallel`: an outer loop whose iterations are shown independent runs them in
  chunks on several threads (parallel_loops.py, parallel_run.py);
* `allocations`: a region may hold `vm.buffer.alloc`, its buffer made when the
  region is entered (allocations.py).
"""

from __future__ import annotations

import os

NAMES = ("bounds", "promote", "interchange", "dead-registers", "constants", "jam", "block", "licm",
         "strided", "shared", "entry-constants", "tile", "parallel",
         "distribute", "lanes", "allocations", "reduction")
ENABLED = os.environ.get("VMVXJIT_LOOP_OPT", "1") != "0"
DISABLED = frozenset(n.strip() for n in os.environ.get("VMVXJIT_LOOP_OPT_OFF", "").split(",") if n.strip())


def on(name: str) -> bool:
    assert name in NAMES, name
    return ENABLED and name not in DISABLED

# A loop's iterations may run in chunks (`parallel`) only if one entry of the loop is
# expected to run at least this many ops (trip counts from constant bounds): below,
# handing chunks to threads and the entry check cost more than they save. Tests set 0.
PARALLEL_MIN_WORK = int(os.environ.get("VMVXJIT_PARALLEL_MIN_WORK", "200000"))

# Which compiler builds region code: "llvm" (llvm_lower.py: LLVM IR straight from
# the generated text, milliseconds per region) or "numba" (the reference it is
# checked against; also the fallback for code llvm_lower.py does not translate).
CODEGEN = os.environ.get("VMVXJIT_CODEGEN", "llvm")
