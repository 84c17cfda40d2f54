"""A hand-written executable library (ABI v6), built with the system C compiler.

It lets tests exercise what compiled IREE modules never do: failing
dispatches, library imports, executable constants, local memory, an
initializer, an ELF-level import and odd header values. Exports:

* `noop` (0 bindings, 0 constants): returns 0.
* `fail_at` (1 binding: u32 call counter; constants code, x, y, z): counts
  its calls and returns `code` at workgroup (x, y, z).
* `record` (3 bindings, 3 constants, 1 local memory page): workgroup
  (0,0,0) writes what it sees into binding 0 (u64 words, see `REPORT`;
  `initialized` is 12 when DT_INIT ran and then DT_INIT_ARRAY);
  every workgroup writes its 1-based call sequence number into binding 1 at
  index 1 + linear id (binding 1 word 0 is the counter).

`build_library(directory, **defines)` compiles a variant; defines override
HEADER_VERSION, SANITIZER, LIBRARY_CONSTANTS, IMPORTS (a C initializer list
of strings) and ELF_IMPORT (call an undefined external function).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

CC = shutil.which("cc")

# Fields written by `record` into binding 0, in order.
REPORT = [
    "workgroup_size_x", "workgroup_size_y", "workgroup_size_z", "constant_count",
    "workgroup_count_x", "workgroup_count_y", "workgroup_count_z", "max_concurrency",
    "binding_count", "constant0", "constant1", "constant2", "binding_length0",
    "binding_length1", "binding_length2", "binding_ptr2", "processor_data0",
    "executable_constant0", "local_memory_nonnull", "local_memory_size", "processor_id",
    "initialized", "local_memory_was_zero", "workgroup_reserved", "import_thunk_nonnull",
    "import_funcs0",
]

SOURCE = r"""
#include <stddef.h>
#include <stdint.h>

#ifndef HEADER_VERSION
#define HEADER_VERSION 6
#endif
#ifndef SANITIZER
#define SANITIZER 0
#endif
#ifndef LIBRARY_CONSTANTS
#define LIBRARY_CONSTANTS 0
#endif

typedef struct { uint32_t version; const char* name; uint32_t features; int32_t sanitizer; } header_t;
typedef struct {
  const uint32_t* constants; void* import_thunk; void* const* import_funcs;
  const void** import_contexts; uint64_t processor[8];
} environment_t;
typedef struct {
  uint32_t size_x, size_y; uint16_t size_z, constant_count;
  uint32_t count_x, count_y; uint16_t count_z; uint8_t max_concurrency, binding_count;
  const uint32_t* constants; void* const* binding_ptrs; const size_t* binding_lengths;
} dispatch_state_t;
typedef struct {
  uint32_t x, y; uint16_t z, reserved; uint32_t processor_id;
  void* local_memory; uint32_t local_memory_size;
} workgroup_state_t;
typedef int (*dispatch_t)(const environment_t*, const dispatch_state_t*, const workgroup_state_t*);
typedef struct {
  uint64_t flags; uint16_t local_memory_pages; uint8_t constant_count, binding_count;
  uint32_t size_x, size_y; uint16_t size_z, parameter_count; uint64_t reserved[5];
} attrs_t;
typedef struct {
  const header_t* header;
  struct { uint32_t count; const char* const* symbols; } imports;
  struct {
    uint32_t count; const dispatch_t* ptrs; const attrs_t* attrs; const void* params;
    const void* occupancy; const char* const* names; const void* tags;
    const void* parameter_names; const void* source_locations; const void* stage_locations;
  } exports;
  struct { uint32_t count; } constants;
  struct { uint32_t count; const void* files; } sources;
} library_t;

/* DT_INIT (linked with -init=fixture_init) runs before DT_INIT_ARRAY: 1 then 12. */
static volatile int initialized;
void fixture_init(void) { initialized = 1; }
__attribute__((constructor)) static void initialize(void) { initialized = initialized * 10 + 2; }

#ifdef ELF_IMPORT
extern int external_helper(void);
#endif

static int noop(const environment_t* e, const dispatch_state_t* d, const workgroup_state_t* w) {
#ifdef ELF_IMPORT
  return external_helper();
#else
  return 0;
#endif
}

static int fail_at(const environment_t* e, const dispatch_state_t* d, const workgroup_state_t* w) {
  uint32_t* calls = (uint32_t*)d->binding_ptrs[0];
  calls[0] += 1;
  if (w->x == d->constants[1] && w->y == d->constants[2] && w->z == d->constants[3]) {
    return (int)d->constants[0];
  }
  return 0;
}

static int record(const environment_t* e, const dispatch_state_t* d, const workgroup_state_t* w) {
  uint32_t* order = (uint32_t*)d->binding_ptrs[1];
  uint32_t linear = (w->z * d->count_y + w->y) * d->count_x + w->x;
  order[1 + linear] = ++order[0];
  volatile uint8_t* local = (volatile uint8_t*)w->local_memory;
  if (w->x || w->y || w->z) return 0;
  uint64_t was_zero = 1;
  for (uint32_t i = 0; i < w->local_memory_size; ++i) {
    if (local[i]) was_zero = 0;
    local[i] = 0xAB;
  }
  uint64_t* out = (uint64_t*)d->binding_ptrs[0];
  uint64_t values[] = {
    d->size_x, d->size_y, d->size_z, d->constant_count, d->count_x, d->count_y, d->count_z,
    d->max_concurrency, d->binding_count, d->constants[0], d->constants[1], d->constants[2],
    d->binding_lengths[0], d->binding_lengths[1], d->binding_lengths[2],
    (uint64_t)(uintptr_t)d->binding_ptrs[2], e->processor[0],
    e->constants ? e->constants[0] : 0xDEADu, w->local_memory != 0, w->local_memory_size,
    w->processor_id, initialized, was_zero, w->reserved, e->import_thunk != 0,
    e->import_funcs ? (uint64_t)(uintptr_t)e->import_funcs[0] : 0xDEADu,
  };
  for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); ++i) out[i] = values[i];
  return 0;
}

static const dispatch_t ptrs[] = {noop, fail_at, record};
static const attrs_t attrs[] = {
  {0, 0, 0, 0, 1, 1, 1, 0, {0}},
  {0, 0, 4, 1, 1, 1, 1, 0, {0}},
  {0, 1, 3, 3, 1, 1, 1, 0, {0}},
};
static const char* const names[] = {"noop", "fail_at", "record"};
#ifdef IMPORTS
static const char* const import_symbols[] = {IMPORTS};
#define IMPORT_COUNT (sizeof(import_symbols) / sizeof(import_symbols[0]))
#define IMPORT_SYMBOLS import_symbols
#else
#define IMPORT_COUNT 0
#define IMPORT_SYMBOLS 0
#endif
static const header_t header = {HEADER_VERSION, "fixture", 0, SANITIZER};
static const library_t library = {
  &header, {IMPORT_COUNT, IMPORT_SYMBOLS},
  {3, ptrs, attrs, 0, 0, names, 0, 0, 0, 0},
  {LIBRARY_CONSTANTS}, {0, 0},
};

const library_t* iree_hal_executable_library_query(uint32_t max_version, const environment_t* e) {
  return max_version == 6 ? &library : 0;
}
"""

FLAGS = ["-shared", "-nostdlib", "-fPIC", "-O1", "-fno-stack-protector", "-ffreestanding",
         "-Wl,--hash-style=both", "-Wl,-z,relro", "-Wl,-z,now", "-Wl,-init=fixture_init"]


def build_library(directory: Path, **defines) -> bytes:
    """The bytes of the fixture library compiled with `-D` defines (cached in `directory`)."""
    args = [f"-D{name}={value}" for name, value in sorted(defines.items())]
    key = hashlib.sha256(repr((SOURCE, FLAGS, args)).encode()).hexdigest()[:16]
    output = directory / f"fixture-{key}.so"
    if not output.exists():
        source = directory / f"fixture-{key}.c"
        source.write_text(SOURCE)
        subprocess.run([CC, *FLAGS, *args, str(source), "-o", str(output)], check=True,
                       capture_output=True)
    return output.read_bytes()
