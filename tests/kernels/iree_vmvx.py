"""IREE's own `vmvx` module, called in-process: the oracle for our exports.

`iree.runtime` can resolve the native `vmvx` module and invoke its exports
directly with `vm.buffer` arguments. IREE initializes its CPU feature data
(which selects tile sizes and mmt4d tile functions) when its HAL loads a
first executable, as it always has before a real VMVX dispatch; `IreeVmvx`
does the same by running a tiny full-HAL module once.

Only send calls IREE survives: integer division faults kill the process
(SIGFPE), and regions IREE's wrapped check accepts but that lie outside the
buffer make it read or write out of bounds.
"""

from __future__ import annotations

import re

import numpy as np

from tests.support.modules import ADD_F32, compile_mlir
from vmvxjit.errors import Error
from vmvxjit.vm.buffer import VmBuffer

_STATUS = re.compile(r"([A-Z_]+); (.*?); while invoking native function")


class IreeError(Exception):
    """An error status returned by IREE: `code` name and `message`."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}; {message}")
        self.code = code
        self.message = message


class IreeVmvx:
    def __init__(self):
        import iree.runtime as rt
        from iree.runtime import _binding

        self._binding = _binding
        path = compile_mlir(ADD_F32, ["--iree-hal-target-backends=vmvx"])
        module = rt.load_vm_flatbuffer_file(str(path), driver="local-sync")
        module.add(np.ones(4, np.float32), np.ones(4, np.float32))
        self._instance = _binding.VmInstance()
        self._module = _binding.VmModule.resolve_module_dependency(self._instance, "vmvx", 0)
        self._context = _binding.VmContext(self._instance, [self._module])

    def exports(self) -> dict[str, str]:
        """Export name -> calling convention, as IREE declares them."""
        result = {}
        for name in self._module.function_names:
            text = repr(self._module.lookup_function(name))
            result[name] = re.search(r"\((0[^)]*)\)", text).group(1)
        return result

    def call(self, name: str, *args):
        """Calls export `name`; VmBuffer arguments are mirrored into IREE buffers and back."""
        b = self._binding
        mirrors = {}
        arguments = b.VmVariantList(len(args))
        for arg in args:
            if isinstance(arg, VmBuffer):
                if id(arg) not in mirrors:
                    mirror = b.VmBuffer(arg.length, 0, arg.mutable)
                    if arg.mutable:
                        np.asarray(mirror)[:] = arg.data
                    elif arg.data.any():
                        raise ValueError("read-only IREE buffers can only start zeroed")
                    mirrors[id(arg)] = (arg, mirror)
                arguments.push_ref(mirrors[id(arg)][1].ref)
            else:
                arguments.push_int(int(arg))
        results = b.VmVariantList(2)
        try:
            self._context.invoke(self._module.lookup_function(name), arguments, results)
        except Exception as exc:  # IREE maps statuses to several Python exception types
            match = _STATUS.search(str(exc))
            if not match:
                raise
            raise IreeError(match.group(1), match.group(2)) from None
        for arg, mirror in mirrors.values():
            if arg.mutable:
                arg.data[:] = np.asarray(mirror)
        return tuple(results.get_variant(i) for i in range(results.size))


def same_outcome(ours, theirs) -> None:
    """Asserts two call outcomes agree: equal results, or errors with equal code and message."""
    if isinstance(ours, Error) or isinstance(theirs, IreeError):
        assert isinstance(ours, Error) and isinstance(theirs, IreeError), (ours, theirs)
        assert (ours.code.name, ours.message) == (theirs.code, theirs.message)
    else:
        assert ours == theirs


def outcome(call, *args):
    """`call(*args)`'s result, or the vmvxjit/IREE error it raised."""
    try:
        result = call(*args)
    except (Error, IreeError) as exc:
        return exc
    return () if result is None else (tuple(result) if isinstance(result, tuple) else (result,))


def differential(vmvx, iree: IreeVmvx, name: str, make_args):
    """Runs export `name` in vmvxjit and in IREE on fresh equal arguments from `make_args()`.

    Asserts the same outcome and byte-identical buffers afterwards; returns our outcome.
    """
    ours_args, their_args = make_args(), make_args()
    ours = outcome(vmvx.lookup(name).call, *ours_args)
    theirs = outcome(iree.call, name, *their_args)
    same_outcome(ours, theirs)
    for mine, their in zip(ours_args, their_args):
        if isinstance(mine, VmBuffer):
            np.testing.assert_array_equal(mine.data, their.data)
    return ours
