"""A loaded program: the main module in a context with the native modules it needs.

Both the CLI and the library API run modules through `Program`, so they pick
functions, create `hal_inline`/`hal_loader` and report errors the same way
`iree-run-module` does.
"""

from __future__ import annotations

from vmvxjit.errors import FunctionNotFoundError, InvalidArgumentError, NotFoundError
from vmvxjit.vm.allocation_limit import AllocationLimit
from vmvxjit.vm.bytecode_module import BytecodeModule
from vmvxjit.vm.context import Context
from vmvxjit.vm.deadline import Deadline
from vmvxjit.vm.jit.tier import JitTier


def _hal_inline(options, context, module):
    from vmvxjit.hal_inline.module import HalInlineModule
    return HalInlineModule(trace_stream=options.get("trace_stream"), memory=options["memory"])


def _hal_loader(options, context, module):
    from vmvxjit.loaders.hal_loader_module import HalLoaderModule
    return HalLoaderModule(tier=context.tier, jit_stats=context.jit_stats, allocations=context.allocations,
                           threads=options["threads"], deadline=context.deadline)


# Native modules a program may depend on, by the name it imports them with.
NATIVE_MODULES = {"hal_inline": _hal_inline, "hal_loader": _hal_loader}

INLINE_FLAGS = ("--iree-execution-model=inline-static --iree-hal-target-backends=vmvx-inline, "
                "or --iree-execution-model=inline-dynamic with "
                "--iree-hal-target-backends=llvm-cpu or vmvx")
# Why a module imports one vmvxjit does not provide, and how to rebuild it.
MISSING_MODULE_HINTS = {
    "hal": "the module was compiled for IREE's full HAL (iree-compile without "
           "--iree-execution-model); vmvxjit runs inline modules: recompile with " + INLINE_FLAGS,
}


def missing_modules(dependencies) -> list[str]:
    """Names of the required modules vmvxjit has no implementation of."""
    return [dep.name for dep in dependencies
            if dep.name not in NATIVE_MODULES and not dep.optional]


def missing_module_error(name: str) -> NotFoundError:
    message = f"required module '{name}' is not provided by vmvxjit"
    hint = MISSING_MODULE_HINTS.get(name)
    return NotFoundError(f"{message}: {hint}" if hint else message)


# Keyword options of `Program` (and so of `vmvxjit.load`), with what each does.
OPTIONS = {"tier": "execution tier: interp, jit or auto (default: VMVXJIT_TIER, else auto)",
           "trace_stream": "where hal_inline traces go (default: stderr)",
           "max_allocation": "cap on the bytes the program's live buffers hold, e.g. 2G "
                             "(default: VMVXJIT_MAX_ALLOCATION, else none)",
           "threads": "threads a dispatch's workgroups may run on; 1 runs them one after "
                      "another, as IREE's inline HAL (default: VMVXJIT_THREADS, else the cores "
                      "this process may use)",
           "deadline": "seconds a call (or the module's initializer) may run before it is stopped "
                       "with DEADLINE_EXCEEDED (default: VMVXJIT_DEADLINE, else none)",
           "host_functions": "compile exports whole, host code included, when they qualify "
                             "(default: VMVXJIT_HOST_FUNCTIONS, else on; not in the interp tier)"}


def check_options(options: dict) -> None:
    """Rejects a misspelled option (`tire=`) instead of silently ignoring it."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise InvalidArgumentError(
            f"unknown option{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"valid options are {', '.join(OPTIONS)}")


def has_native_code(module) -> bool:
    """Whether executables with native code (hal_loader) may touch the program's buffers."""
    return any(dep.name == "hal_loader" for dep in module.dependencies)


def is_public_export(name: str) -> bool:
    """iree-run-module's notion of a user-facing function."""
    return not name.startswith("__") and "$" not in name


class Program:
    """A main module registered in its own context."""

    def __init__(self, source, **options):
        check_options(options)
        from vmvxjit.native.workers import resolve
        options = {**options, "threads": resolve(options.get("threads"))}
        allocations = AllocationLimit.resolve(options.get("max_allocation"))
        module = source if isinstance(source, BytecodeModule) else BytecodeModule.load(source)
        self.module = module
        self.native_code = has_native_code(module)
        from vmvxjit.hal_inline.memory_pool import MemoryPool
        self.memory = MemoryPool(allocations, self.native_code, parts=options["threads"])
        self.host_functions = options.get("host_functions")
        options["memory"] = self.memory
        jit = JitTier.resolve(options.get("tier"))
        jit.stats.threads = options["threads"]
        self.context = Context(jit=jit, allocations=allocations,
                               deadline=Deadline.resolve(options.get("deadline")))
        missing = missing_modules(module.dependencies)
        if missing:
            raise missing_module_error(missing[0])
        for dep in module.dependencies:
            if dep.name in NATIVE_MODULES:
                self.context.register(NATIVE_MODULES[dep.name](options, self.context, module))
        self.state = self.context.register(module)
        self._routes: dict = {}
        self._called: set = set()

    @property
    def public_functions(self) -> list[str]:
        return [name for name in self.module.exports if is_public_export(name)]

    def default_function(self) -> str:
        """The single public export, as iree-run-module picks without --function."""
        public = self.public_functions
        if len(public) != 1:
            raise InvalidArgumentError(
                f"module exports {len(public)} public functions "
                f"({', '.join(public) or 'none'}); specify one with --function")
        return public[0]

    def signature(self, name: str):
        ordinal = self.module.exports.get(name)
        if ordinal is None:
            raise self.function_not_found(name)
        return self.module.functions[ordinal]

    def function_not_found(self, name: str) -> FunctionNotFoundError:
        """The error for a missing export, listing the ones a caller can pick."""
        return FunctionNotFoundError(
            f"function '{name}' not found in module '{self.module.name}'; its exported "
            f"functions are: {', '.join(self.public_functions) or 'none'}")

    def call(self, name: str, args: list) -> list:
        """The results of export `name` called with `args` (buffer views and numbers):
        from its second call through the export compiled whole where it is
        (host/buffer_view_calls.py), else on the interpreter's path (so a single run,
        the command line's, imports no compiler)."""
        if name in self._called:
            results = self.host_route(name).call_views(args)
            if results is not None:
                return results
        self._called.add(name)
        return self.caller(name)(args)

    def host_route(self, name: str):
        """Export `name`'s host.host_function.HostRoute (made at first use, one per
        export: the library's calls with numpy arrays and `call`'s share it)."""
        route = self._routes.get(name)
        if route is None:
            from vmvxjit.declaration import parse_declaration
            from vmvxjit.host.host_function import HostRoute, limited_by
            function = self.signature(name)
            context = self.context
            route = self._routes.setdefault(name, HostRoute(       # one, whichever thread came first
                name, self.module, self.module.exports[name],
                parse_declaration(function.attrs.get("iree.abi.declaration"), name), context.tier,
                context.jit_stats, limited_by(context), self.memory, self.host_functions,
                self.state.global_refs, context))
        return route

    def caller(self, name: str):
        """A function calling export `name` with a list of values; returns its results."""
        self.signature(name)
        return self.context.invoker(self.state, name)
