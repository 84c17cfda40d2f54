"""vmvxjit: run IREE inline-execution `.vmfb` modules in Python.

    import vmvxjit
    m = vmvxjit.load("model.vmfb")
    y = m.main(x)            # numpy in, numpy out

Every failure raises a `vmvxjit.Error` subclass.
"""

from vmvxjit.errors import (  # noqa: F401 (re-exported)
    ArithmeticFault,
    Error,
    InvalidArgumentError,
    ModuleFormatError,
    NotFoundError,
    OutOfRangeError,
    StatusCode,
    VerificationError,
    VmFailError,
)

__version__ = "0.1.0"


def load(source, **options):
    """Loads a `.vmfb` (path, bytes or uint8 array) and returns a `vmvxjit.api.Module`."""
    from vmvxjit.api import load as _load
    return _load(source, **options)
