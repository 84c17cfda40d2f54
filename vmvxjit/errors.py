"""The error hierarchy: every failure vmvxjit reports is a `vmvxjit.Error`.

Errors carry an IREE status code so that messages read like IREE's
(`OUT_OF_RANGE; out-of-bounds access ...`) and so that `vm.fail` with an
arbitrary code maps onto the same classes. Where an error happens inside VM
code, the interpreter and the JIT add the location (module, function,
bytecode offset) with `Error.add_frame`.
"""

from __future__ import annotations

import enum


class StatusCode(enum.IntEnum):
    """IREE's status codes (iree/base/status.h)."""

    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16
    DEFERRED = 17
    INCOMPATIBLE = 18


class Error(Exception):
    """Base of every vmvxjit error: a status code, a message and VM frames."""

    code = StatusCode.UNKNOWN
    # Bytecode offset of the failing op, set by code that runs many ops per
    # interpreter step (fused blocks, compiled regions); the interpreter uses it
    # for the innermost frame it annotates.
    vm_pc: int | None = None

    def __init__(self, message: str, *, code: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = _status_name(code)
        self.frames: list[str] = []

    def add_frame(self, where: str) -> "Error":
        """Records one VM frame (innermost first), e.g. `module.add+0x0042`."""
        self.frames.append(where)
        return self

    def __str__(self) -> str:
        code = self.code.name if isinstance(self.code, StatusCode) else str(self.code)
        text = f"{code}; {self.message}"
        for frame in self.frames:
            text += f"\n    at {frame}"
        return text


def _status_name(code: int):
    try:
        return StatusCode(code)
    except ValueError:
        return code


class InvalidArgumentError(Error):
    code = StatusCode.INVALID_ARGUMENT


class NotFoundError(Error):
    code = StatusCode.NOT_FOUND


class FunctionNotFoundError(NotFoundError, AttributeError, KeyError):
    """A module has no export of that name: also the AttributeError and KeyError
    that `module.name` and `module[name]` promise, so `hasattr` keeps working."""


class PermissionDeniedError(Error):
    code = StatusCode.PERMISSION_DENIED


class DeadlineExceededError(Error):
    """A call ran past the deadline its module was loaded with (`deadline=`): a program
    that loops forever, or one slower than its caller allows."""

    code = StatusCode.DEADLINE_EXCEEDED


class ResourceExhaustedError(Error):
    code = StatusCode.RESOURCE_EXHAUSTED


class FailedPreconditionError(Error):
    code = StatusCode.FAILED_PRECONDITION


class OutOfRangeError(Error):
    code = StatusCode.OUT_OF_RANGE


class UnimplementedError(Error):
    code = StatusCode.UNIMPLEMENTED


class InternalError(Error):
    code = StatusCode.INTERNAL


class UnavailableError(Error):
    code = StatusCode.UNAVAILABLE


class ModuleFormatError(InvalidArgumentError):
    """A `.vmfb` (or an executable inside one) is malformed."""


class VerificationError(InvalidArgumentError):
    """Bytecode failed the load-time verifier."""


class ArithmeticFault(Error):
    """Integer division by zero or INT_MIN / -1 (IREE's process dies here)."""

    code = StatusCode.OUT_OF_RANGE


class NativeCodeFault(Error):
    """An executable's native code faulted (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP) in a
    trapped call (native/trap.py); the module's memory may be damaged."""

    code = StatusCode.ABORTED


class VmFailError(Error):
    """Raised by `vm.fail` with the program's own status code and message."""


# What an OSError means as a status (any other OSError: the caller's default).
_OS_ERRORS = ((FileNotFoundError, NotFoundError), (PermissionError, PermissionDeniedError))


def os_error(error: OSError, message: str, default: type[Error] = Error) -> Error:
    """`message: <the OS's reason>` as the class for that reason (NOT_FOUND for a
    missing file), so callers of open() report files as IREE's status codes do."""
    cls = next((cls for os_cls, cls in _OS_ERRORS if isinstance(error, os_cls)), default)
    return cls(f"{message}: {error.strerror or error}")


# Python exceptions that mean a bug in vmvxjit when VM code raises them; they
# are reported as INTERNAL errors at the VM location where they happened.
UNEXPECTED = (ArithmeticError, TypeError, ValueError, IndexError, MemoryError, KeyError)


def internal_error(exc: BaseException) -> InternalError:
    return InternalError(f"{type(exc).__name__}: {exc}")
