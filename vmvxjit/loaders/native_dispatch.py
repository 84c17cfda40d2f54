"""The inline workgroup loop over a native dispatch function, in Numba.

`_dispatch` builds dispatch_state_v0 and workgroup_state_v0 exactly as IREE's
hal_loader does (workgroup size 1x1x1, max_concurrency 1, processor 0) and
calls the export once per workgroup, z outermost and x innermost, stopping at
the first non-zero return. The function pointer is called through a tiny
intrinsic on an int64 address, so everything here is cachable on disk.

Bindings arrive as a tuple of 1-D uint8 arrays. One specialization per
binding count is compiled with readonly C-contiguous element types; Numba's
dispatcher then converts any mix of writable/readonly contiguous arrays to it
(and rejects non-contiguous ones with a TypeError) instead of compiling a new
variant per mix. This is the only loaders module that imports Numba.
"""

from __future__ import annotations

import threading

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core.errors import TypingError
from numba.extending import intrinsic

from vmvxjit.loaders.library_abi import DISPATCH_STATE_V0, WORKGROUP_STATE_V0


@intrinsic
def _call_dispatch(typingctx, function, environment, dispatch_state, workgroup_state):
    """`int fn(environment*, dispatch_state*, workgroup_state*)` at address `function`."""
    arguments = (function, environment, dispatch_state, workgroup_state)
    if not all(isinstance(argument, types.Integer) for argument in arguments):
        raise TypingError("_call_dispatch takes integer addresses")

    def codegen(context, builder, signature, args):
        pointer = ir.IntType(8).as_pointer()
        function_type = ir.FunctionType(ir.IntType(32), [pointer] * 3)
        callee = builder.inttoptr(args[0], function_type.as_pointer())
        return builder.call(callee, [builder.inttoptr(arg, pointer) for arg in args[1:]])

    return types.int32(*arguments), codegen


@njit(cache=True)
def _workgroup_loop(function, environment, state, workgroup, count_x, count_y, count_z):
    """Runs every workgroup; returns (0, 0, 0, 0) or (result, x, y, z) of the first failure."""
    state_address = state.ctypes.data
    workgroup_address = workgroup.ctypes.data
    for z in range(count_z):
        workgroup[0].workgroup_id_z = z
        for y in range(count_y):
            workgroup[0].workgroup_id_y = y
            for x in range(count_x):
                workgroup[0].workgroup_id_x = x
                result = _call_dispatch(function, environment, state_address, workgroup_address)
                if result != 0:
                    return result, x, y, z
    return 0, 0, 0, 0


@njit(cache=True)
def _dispatch(function, environment, count_x, count_y, count_z, constants, bindings,
              local_memory, local_memory_size):
    binding_count = len(bindings)
    binding_ptrs = np.empty(binding_count, np.uint64)
    binding_lengths = np.empty(binding_count, np.uint64)
    for i in range(binding_count):
        binding_ptrs[i] = bindings[i].ctypes.data
        binding_lengths[i] = bindings[i].size
    state = np.zeros(1, DISPATCH_STATE_V0)
    state[0].workgroup_size_x = 1
    state[0].workgroup_size_y = 1
    state[0].workgroup_size_z = 1
    state[0].constant_count = constants.size
    state[0].workgroup_count_x = count_x
    state[0].workgroup_count_y = count_y
    state[0].workgroup_count_z = count_z
    state[0].max_concurrency = 1
    state[0].binding_count = binding_count
    state[0].constants = constants.ctypes.data
    state[0].binding_ptrs = binding_ptrs.ctypes.data
    state[0].binding_lengths = binding_lengths.ctypes.data
    workgroup = np.zeros(1, WORKGROUP_STATE_V0)
    workgroup[0].local_memory = local_memory
    workgroup[0].local_memory_size = local_memory_size
    # The arrays are arguments of the loop call, so they stay alive through it.
    return _workgroup_loop(function, environment, state, workgroup, count_x, count_y, count_z)


_BINDING = types.Array(types.uint8, 1, "C", readonly=True)
_CONSTANTS = types.Array(types.uint32, 1, "C", readonly=True)
_compiled_binding_counts: set[int] = set()
_compile_lock = threading.Lock()


def runner(binding_count: int):
    """The compiled dispatch loop for exports with `binding_count` bindings.

    Call the result as `(function, environment, count_x, count_y, count_z,
    constants, bindings, local_memory, local_memory_size)`: int addresses and
    counts, a uint32 array and a tuple of `binding_count` uint8 arrays. It
    returns (0, 0, 0, 0) or (result, x, y, z) of the first failing workgroup,
    and raises TypeError for a non-contiguous or wrongly typed array.
    """
    with _compile_lock:
        if binding_count not in _compiled_binding_counts:
            signature = (types.int64,) * 5 + (
                _CONSTANTS, types.UniTuple(_BINDING, binding_count), types.int64, types.int64)
            _dispatch.disable_compile(False)
            try:
                _dispatch.compile(signature)
            finally:
                _dispatch.disable_compile(True)
            _compiled_binding_counts.add(binding_count)
    return _dispatch
