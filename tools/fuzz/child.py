"""What a forked child does with one mutant: load it, call every export twice, report.

The report is a small dict: `result` when every call returned, `error` for a
`vmvxjit.Error` (its class, status and message), `foreign` for any other
exception (with its traceback). Before each call the child notes the function
and its inputs in iree-run-module's syntax, so a hang can be replayed with IREE.
Crashes and hangs leave no report; the parent learns of them from the exit
status, the crash site and faulthandler's output.
"""

from __future__ import annotations

import traceback

import vmvxjit
from tools.fuzz.arguments import arguments, iree_inputs
from vmvxjit.vm.module_def import load_module_def

# An INTERNAL error whose message starts like this wraps a Python exception that
# escaped vmvxjit's own checks (vmvxjit.errors.internal_error): a finding, too.
PYTHON_EXCEPTIONS = ("ArithmeticError", "ZeroDivisionError", "OverflowError", "TypeError",
                     "ValueError", "IndexError", "MemoryError", "KeyError", "AttributeError",
                     "AssertionError", "RecursionError")


def _innermost_vmvxjit_frame(error: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "vmvxjit" in f.filename]
    frame = frames[-1] if frames else traceback.extract_tb(error.__traceback__)[-1]
    return f"{frame.filename.rpartition('vmvxjit/')[2] or frame.filename}:{frame.lineno} {frame.name}"


def _first_export(data: bytes) -> str | None:
    try:
        exports = load_module_def(data).exports
    except vmvxjit.Error:
        return None
    return exports[0].name if exports else None


def run_mutant(data: bytes, options: dict, note) -> dict:
    """Loads `data` with `options` and calls each public function twice (`note(call)`
    first tells the parent which, with what): from its second call an export may run
    compiled whole (vmvxjit/host), native entry and all, which the first never does."""
    stage = "load"
    try:
        note({"function": _first_export(data), "inputs": []})   # for a hang while loading
        module = vmvxjit.load(data, **options)
        for name, function in module.functions.items():
            stage = f"call {name}"
            values = arguments(function)
            note({"function": name, "inputs": iree_inputs(function, values)})
            function(*values)
            stage = f"call {name} again"
            function(*values)
        return {"outcome": "result"}
    except vmvxjit.Error as error:
        report = {"outcome": "error", "stage": stage, "type": type(error).__name__,
                  "code": getattr(error.code, "name", str(error.code)), "message": str(error)[:400]}
        if isinstance(error, vmvxjit.InternalError) and error.message.startswith(PYTHON_EXCEPTIONS):
            cause = error.__cause__ or error.__context__ or error
            report.update(outcome="internal", where=_innermost_vmvxjit_frame(cause),
                          traceback="".join(traceback.format_exception(error))[-3000:])
        return report
    except Exception as error:   # noqa: BLE001 -- any other exception is the finding
        return {"outcome": "foreign", "stage": stage, "type": type(error).__name__,
                "message": str(error)[:400], "where": _innermost_vmvxjit_frame(error),
                "traceback": "".join(traceback.format_exception(error))[-3000:]}
