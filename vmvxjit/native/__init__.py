"""Native code below the VM: LLVM through llvmlite, the C math library by symbol name,
the host CPU's features, and the LLVM-level intrinsics Numba code calls."""
