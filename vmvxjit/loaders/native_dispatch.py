"""The inline workgroup loop over a native dispatch function, as LLVM IR (no Numba).

`run` builds dispatch_state_v0 and workgroup_state_v0 exactly as IREE's
hal_loader does (workgroup size 1x1x1, max_concurrency 1, processor 0) and
calls the loop: native code that calls the export once per workgroup, z
outermost and x innermost, stopping at the first non-zero return. The loop
is emitted with llvmlite.ir and compiled once per machine by the process's
LLVM engine, which caches the object on disk under a digest of the IR text;
a later process loads it without compiling. ctypes releases the GIL for the
whole loop.
"""

from __future__ import annotations

import ctypes
import hashlib
from functools import lru_cache

import numpy as np
from llvmlite import ir

from vmvxjit.loaders.library_abi import DispatchStateV0, WorkgroupStateV0
from vmvxjit.native import llvm_engine

SYMBOL = "vmvxjit_workgroup_loop"
_I8P = ir.IntType(8).as_pointer()
_I32 = ir.IntType(32)
# i32 loop(fn, environment, dispatch_state, workgroup_state, count_x, count_y, count_z,
#          u32 failed_xyz[3])
_LOOP_TYPE = ctypes.CFUNCTYPE(ctypes.c_int32, *[ctypes.c_void_p] * 4, *[ctypes.c_uint32] * 3,
                              ctypes.c_void_p)


def _for(builder: ir.IRBuilder, count: ir.Value, name: str, body) -> None:
    """Emits `for index in range(count)` (unsigned i32), `body(index)` inside."""
    start = builder.block
    head = builder.append_basic_block(f"{name}.head")
    loop = builder.append_basic_block(f"{name}.body")
    done = builder.append_basic_block(f"{name}.done")
    builder.branch(head)
    builder.position_at_end(head)
    index = builder.phi(_I32, name)
    index.add_incoming(ir.Constant(_I32, 0), start)
    builder.cbranch(builder.icmp_unsigned("<", index, count), loop, done)
    builder.position_at_end(loop)
    body(index)
    index.add_incoming(builder.add(index, ir.Constant(_I32, 1)), builder.block)
    builder.branch(head)
    builder.position_at_end(done)


def _field(builder: ir.IRBuilder, struct: ir.Value, field, bits: int) -> ir.Value:
    """A typed pointer to a WorkgroupStateV0 field inside the struct at `struct`."""
    address = builder.gep(struct, [ir.Constant(_I32, field.offset)])
    return builder.bitcast(address, ir.IntType(bits).as_pointer())


def loop_ir() -> str:
    """The LLVM IR text of the workgroup loop function `SYMBOL`."""
    module = ir.Module(name="workgroup_loop")
    dispatch_type = ir.FunctionType(_I32, [_I8P] * 3)
    function = ir.Function(module, ir.FunctionType(
        _I32, [_I8P] * 4 + [_I32] * 3 + [_I32.as_pointer()]), name=SYMBOL)
    export, environment, state, workgroup, count_x, count_y, count_z, failed = function.args
    builder = ir.IRBuilder(function.append_basic_block("entry"))
    callee = builder.bitcast(export, dispatch_type.as_pointer())
    id_x = _field(builder, workgroup, WorkgroupStateV0.workgroup_id_x, 32)
    id_y = _field(builder, workgroup, WorkgroupStateV0.workgroup_id_y, 32)
    id_z = _field(builder, workgroup, WorkgroupStateV0.workgroup_id_z, 16)

    def x_body(x, y, z):
        builder.store(x, id_x)
        result = builder.call(callee, [environment, state, workgroup])
        with builder.if_then(builder.icmp_signed("!=", result, ir.Constant(_I32, 0)), likely=False):
            for i, value in enumerate((x, y, z)):
                builder.store(value, builder.gep(failed, [ir.Constant(_I32, i)]))
            builder.ret(result)

    def y_body(y, z):
        builder.store(y, id_y)
        _for(builder, count_x, "x", lambda x: x_body(x, y, z))

    def z_body(z):
        builder.store(builder.trunc(z, ir.IntType(16)), id_z)
        _for(builder, count_y, "y", lambda y: y_body(y, z))

    _for(builder, count_z, "z", z_body)
    builder.ret(ir.Constant(_I32, 0))
    return str(module)


@lru_cache(maxsize=None)
def _loop():
    text = loop_ir()
    llvm_engine.compile_ir(text, "workgroup-loop-" + hashlib.sha256(text.encode()).hexdigest()[:24])
    return _LOOP_TYPE(llvm_engine.address(SYMBOL))


def _address(array, dtype, what: str) -> int:
    if not (isinstance(array, np.ndarray) and array.dtype == dtype and array.ndim == 1
            and array.flags.c_contiguous):
        raise TypeError(f"{what} is not a contiguous 1-D {np.dtype(dtype)} array")
    return array.ctypes.data


def run(function: int, environment: int, workgroup_count: tuple[int, int, int],
        constants: np.ndarray, bindings, local_memory: int, local_memory_size: int):
    """Runs every workgroup of the export at address `function`.

    `constants` is a uint32 array and `bindings` a sequence of uint8 arrays,
    all contiguous and 1-D (else TypeError, before anything runs). Returns
    (0, 0, 0, 0) or (result, x, y, z) of the first failing workgroup.
    """
    constants_address = _address(constants, np.uint32, "constants")
    count = len(bindings)
    pointers = (ctypes.c_uint64 * count)(
        *(_address(binding, np.uint8, f"binding {i}") for i, binding in enumerate(bindings)))
    lengths = (ctypes.c_uint64 * count)(*(binding.size for binding in bindings))
    count_x, count_y, count_z = workgroup_count
    state = DispatchStateV0(
        workgroup_size_x=1, workgroup_size_y=1, workgroup_size_z=1,
        constant_count=constants.size,
        workgroup_count_x=count_x, workgroup_count_y=count_y, workgroup_count_z=count_z,
        max_concurrency=1, binding_count=count,
        constants=constants_address,
        binding_ptrs=ctypes.addressof(pointers), binding_lengths=ctypes.addressof(lengths))
    workgroup = WorkgroupStateV0(local_memory=local_memory, local_memory_size=local_memory_size)
    failed = (ctypes.c_uint32 * 3)()
    result = _loop()(function, environment, ctypes.addressof(state), ctypes.addressof(workgroup),
                     count_x, count_y, count_z, failed)
    return (result, *failed) if result else (0, 0, 0, 0)
