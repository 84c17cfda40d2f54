"""Native code without Numba: LLVM through llvmlite, and the C math library by symbol name."""
