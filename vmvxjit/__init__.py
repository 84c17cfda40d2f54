"""vmvxjit: run IREE inline-execution `.vmfb` modules in Python.

    import vmvxjit
    m = vmvxjit.load("model.vmfb")
    y = m.main(x)            # numpy in, numpy out
    m = vmvxjit.compile("model.onnx", model="inline-dynamic", target="llvm-cpu")

Every failure raises a `vmvxjit.Error` subclass.
"""

from vmvxjit.errors import (  # noqa: F401 (re-exported)
    ArithmeticFault,
    DeadlineExceededError,
    Error,
    FailedPreconditionError,
    FunctionNotFoundError,
    InternalError,
    InvalidArgumentError,
    ModuleFormatError,
    NativeCodeFault,
    NotFoundError,
    OutOfRangeError,
    PermissionDeniedError,
    ResourceExhaustedError,
    StatusCode,
    UnavailableError,
    UnimplementedError,
    VerificationError,
    VmFailError,
)
from vmvxjit.version import __version__  # noqa: F401 (re-exported)


def load(source, **options):
    """Loads a `.vmfb` (path, bytes or uint8 array) and returns a `vmvxjit.api.Module`."""
    from vmvxjit.api import load as _load
    return _load(source, **options)


def compile(source, model="inline-static", target=None, output=None, flags=(), **options):
    """Compiles `source` (MLIR text, or a `.mlir` / `.onnx` file's path) with IREE's compiler
    for execution `model` ("inline-static" or "inline-dynamic") and `target` ("vmvx-inline";
    "llvm-cpu" for this CPU, or "vmvx"), with the flags real models need, and loads it
    (`options` as for `load`). `output` also keeps the `.vmfb` there; `flags` are extra
    iree-compile flags. Needs the compiler extra: `pip install 'vmvxjit[compiler]'`."""
    import tempfile
    from pathlib import Path

    from vmvxjit.tooling.compile import compile_file

    if output is not None:
        return load(str(compile_file(source, Path(output), model, target, tuple(flags))), **options)
    with tempfile.TemporaryDirectory(prefix="vmvxjit-") as work:
        path = compile_file(source, Path(work) / "module.vmfb", model, target, tuple(flags))
        return load(path.read_bytes(), **options)


def buffer_view(array, element_type=None):
    """Copies a numpy array into a HAL buffer view once.

    Functions accept the view in place of the array, so repeated calls on the
    same inputs skip the copy (what iree-benchmark-module does with parsed
    inputs).
    """
    from vmvxjit.tooling.arrays import buffer_view_from_array
    return buffer_view_from_array(array, element_type)
