"""vmvxjit: run IREE inline-execution `.vmfb` modules in Python.

    import vmvxjit
    m = vmvxjit.load("model.vmfb")
    y = m.main(x)            # numpy in, numpy out

Every failure raises a `vmvxjit.Error` subclass.
"""

from vmvxjit.errors import (  # noqa: F401 (re-exported)
    ArithmeticFault,
    Error,
    FailedPreconditionError,
    FunctionNotFoundError,
    InternalError,
    InvalidArgumentError,
    ModuleFormatError,
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


def buffer_view(array, element_type=None):
    """Copies a numpy array into a HAL buffer view once.

    Functions accept the view in place of the array, so repeated calls on the
    same inputs skip the copy (what iree-benchmark-module does with parsed
    inputs).
    """
    from vmvxjit.tooling.arrays import buffer_view_from_array
    return buffer_view_from_array(array, element_type)
