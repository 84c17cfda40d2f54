"""One LLVM JIT per process for generated code: host target, objects cached on disk.

`compile_ir(text, key, level)` optimizes LLVM IR for this machine's CPU (a
few passes, O1 or O3: LEVELS; no fast-math flags are ever emitted, so
results keep their bits), emits an object file and loads it into the process's MCJIT
engine; `address(name)` then finds a function. Objects are cached under
`<cache root>/llvm-<llvmlite>-<cpu>-<features digest>/<key>.o`: a second
process loads machine code without compiling (or importing Numba). Keys are
chosen by the caller and must cover everything the object depends on.

Optimizing and emitting run outside the engine's lock and, each compile in
its own LLVM context, outside llvmlite's (llvm_parallel.py), so several
threads compile at once; llvmlite calls LLVM through ctypes, which releases
the GIL, so a background compile does not stop the interpreter.
"""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from pathlib import Path

from llvmlite import binding as llvm

from vmvxjit import cache_files
from vmvxjit.native import clock, fastcall, heap, libm, llvm_parallel

_LOCK = threading.Lock()
_LOADED: set = set()


@lru_cache(maxsize=None)
def _target():
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    # Loop strength reduction was a fifth of the quick level's time (40 Inception v1
    # regions: 1.45 s with it, 1.18 s without) and made no code faster: warm calls at O3
    # were as fast or faster without it (SqueezeNet 95 vs 97 ms, Inception v1 201 vs
    # 212 ms, ShuffleNet 56 vs 60 ms; dyn-vmvx SqueezeNet's Numba kernels unchanged).
    # The option is process-wide, so it also holds for Numba's compiles.
    llvm.set_option("", "-disable-lsr")
    libm.register()
    clock.register()
    heap.register()
    fastcall.register()
    return llvm.Target.from_default_triple()


@lru_cache(maxsize=None)
def _features() -> str:
    return llvm.get_host_cpu_features().flatten()


def target_machine(speed: int = 3, baseline: bool = False):
    """A new target machine for this CPU generating code at LLVM level `speed` (each
    compiling thread uses its own); `baseline`: for the architecture's baseline CPU
    instead, position-independent (code kept on disk for any host of the architecture)."""
    if baseline:
        return _target().create_target_machine(opt=speed, reloc="pic", codemodel="small")
    return _target().create_target_machine(cpu=llvm.get_host_cpu_name(), features=_features(),
                                           opt=speed, reloc="default", codemodel="jitdefault")


@lru_cache(maxsize=None)
def _engine():
    tm = target_machine()
    empty = llvm.parse_assembly("")
    empty.triple = llvm.get_process_triple()
    return llvm.create_mcjit_compiler(empty, tm)


def cache_dir() -> Path:
    """The object directory under VMVXJIT_CACHE_DIR (read on each call: tests and tools
    point it elsewhere within one process)."""
    return _object_dir(str(cache_files.root()))


@lru_cache(maxsize=None)
def _object_dir(root: str) -> Path:
    import llvmlite

    digest = hashlib.sha256(_features().encode()).hexdigest()[:10]
    path = Path(root) / f"llvm-{llvmlite.__version__}-{llvm.get_host_cpu_name()}-{digest}"
    path.mkdir(parents=True, exist_ok=True)
    return path


# Compile levels: (the optimization passes, the code generator's level). Level 1
# runs a short pass list, level 2 LLVM's O1 pipeline without loop unrolling, level
# 3 O3. On ShuffleNet's 60 regions LLVM took 1.9 s (level 1), 3.6 s (2) and 4.3 s
# (O1 with unrolling) for a call of 98, 85 and 77 ms; on SqueezeNet's 33, 1.4 s, 2.6 s
# and 3.3 s for 363, 131 and 125 ms (level 1 has no loop vectorizer). Most of level
# 1's time is instruction selection and register allocation, which no pass list
# shortens; a code generator below level 1 (fast instruction selection and
# register allocation) made code 15x slower. Level 1 combines instructions once,
# after loop rotation: a second one before it made LLVM 7% slower on ShuffleNet's
# regions and the code no faster (cold runs: compile 1.68-1.78 ->
# 1.56-1.61 s, the first call's compiled code 0.11-0.14 s either way; Inception
# v1 2.91-3.09 -> 2.72-2.77 s, code 0.57-0.65 vs 0.60 s). Every level inlines the
# functions marked alwaysinline (what the JIT's helpers call: each helper is one function).
LEVELS = {
    1: (("always_inliner", "sroa", "simplify_cfg", "loop_rotate", "instruction_combine"), 1),
    2: (1, 1),
    3: (3, 3),
}


def emit_object(text: str, level: int = 3, baseline: bool = False) -> bytes:
    """Machine code for LLVM IR `text` at compile `level` (LEVELS), for this CPU or the
    `baseline` one (target_machine); safe to call from any thread."""
    _target()
    with llvm_parallel.private() as context:
        module = llvm.parse_assembly(text, context)
        try:
            return _optimize_and_emit(module, level, baseline)
        finally:
            module.close()


_MACHINES = threading.local()


def _thread_machine(speed: int, baseline: bool):
    """This thread's target machine for (`speed`, `baseline`), made once: making one (and
    reading the host's features) per module was 1.1 of a trivial module's 2.1 ms."""
    machines = _MACHINES.__dict__.setdefault("made", {})
    if (speed, baseline) not in machines:
        machines[speed, baseline] = target_machine(speed, baseline)
    return machines[speed, baseline]


def _optimize_and_emit(module, level: int, baseline: bool) -> bytes:
    module.triple = llvm.get_process_triple()
    module.verify()
    passes, codegen_level = LEVELS[level]
    tm = _thread_machine(codegen_level, baseline)
    module.data_layout = str(tm.target_data)
    options = llvm.create_pipeline_tuning_options(speed_level=passes if isinstance(passes, int) else 1)
    options.loop_vectorization = True
    options.loop_unrolling = level == 3
    # SLP was ~60% of LLVM's time on SqueezeNet's regions; without it that model
    # compiles in 9 s instead of 15 s and runs 175 ms instead of 223 ms (softmax
    # 282 vs 347 µs, matmul equal; only conv2d loses, 96 vs 82 µs).
    options.slp_vectorization = False
    builder = llvm.create_pass_builder(tm, options)
    if isinstance(passes, int):
        manager = builder.getModulePassManager()
    else:
        manager = llvm.create_new_module_pass_manager()
        for name in passes:
            getattr(manager, f"add_{name}_pass")()
    manager.run(module, builder)
    return tm.emit_object(module)


def load_object(key: str, data: bytes) -> None:
    with _LOCK:
        if key in _LOADED:
            return
        engine = _engine()
        engine.add_object_file(llvm.ObjectFileRef.from_data(data))
        engine.finalize_object()
        _LOADED.add(key)


def _object_path(key: str) -> Path:
    return cache_dir() / f"{key}.o"


def available(key: str) -> bool:
    """Whether the object for `key` is loaded or in the disk cache (nothing is read)."""
    return key in _LOADED or _object_path(key).exists()


def cached(key: str) -> str:
    """Where the object for `key` comes from without compiling: "process" (already
    loaded), "disk" (read from the disk cache and loaded now) or "" (nowhere)."""
    if key in _LOADED:
        return "process"
    try:
        data = _object_path(key).read_bytes()
    except OSError:
        return ""
    _target()
    load_object(key, data)
    return "disk"


def compile_ir(text: str, key: str, level: int = 3) -> None:
    """Makes the functions of IR `text` callable (compiled once, then from the disk cache)."""
    if cached(key):
        return
    data = emit_object(text, level)
    cache_files.write_atomic(_object_path(key), data)
    load_object(key, data)


def mark(key: str) -> None:
    """Records on disk that the object for `key` is wanted (see `marked`)."""
    (cache_dir() / f"{key}.wanted").touch()


def marked(key: str) -> bool:
    """Whether a process asked for `key`'s object with `mark`."""
    return (cache_dir() / f"{key}.wanted").exists()


def stored_text(key: str) -> str | None:
    """The IR text `store_text` kept under `key`, if any."""
    try:
        return (cache_dir() / f"{key}.ll").read_text()
    except OSError:
        return None


def store_text(key: str, text: str) -> None:
    """Keeps IR `text` in the disk cache under `key` (see llvm_backend.lowered_ir)."""
    cache_files.write_atomic(cache_dir() / f"{key}.ll", text.encode())


def address(name: str) -> int:
    with _LOCK:
        return _engine().get_function_address(name)
