"""Exported functions compiled whole, host code included (issue 14).

An export whose host work (`hal_inline` calls, buffer-view asserts, allocations)
is decided by its declaration alone becomes one native function over the
arguments' numpy arrays: `host_plan.py` works the host code out once,
`entry_ir.py` writes the native entry that checks the arrays and calls the
function's numeric code, `host_function.py` compiles it and makes the call.
"""
