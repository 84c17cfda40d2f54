"""The command line: `python -m vmvxjit run|bench|compile|info`, flag-compatible with iree-run-module.

    python -m vmvxjit run model.vmfb --function=f --input="4xf32=1 2 3 4"
    python -m vmvxjit run                       # runs the bundled demo module
    python -m vmvxjit bench model.vmfb --function=f --input=@x.npy --compare-iree
    python -m vmvxjit info model.vmfb --disasm
    python -m vmvxjit compile model.onnx -o model.vmfb --model=inline-dynamic --target=llvm-cpu

`run` prints exactly what iree-run-module prints; failures go to stderr with
exit status 1.
"""

from __future__ import annotations

import argparse
import sys

from vmvxjit import demo
from vmvxjit.errors import Error


def _call_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """A parser with what run and bench share: which module, function and inputs, and the tier."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("module_path", nargs="?", help="the .vmfb (default: the bundled demo)")
    parser.add_argument("--module", dest="module_flag", help="same as the positional MODULE")
    parser.add_argument("--function", help="export to call (default: the only public one)")
    parser.add_argument("--input", action="append", default=[], help="one argument (iree-run-module syntax)")
    parser.add_argument("--tier", choices=("interp", "jit", "auto"), default=None,
                        help="execution tier (default: auto)")
    parser.add_argument("--max-allocation", default=None, metavar="BYTES",
                        help="cap on the bytes of live buffers, e.g. 2G "
                             "(default: VMVXJIT_MAX_ALLOCATION, else none)")
    parser.add_argument("--threads", default=None, metavar="N",
                        help="threads a dispatch's workgroups may run on; 1 as IREE's "
                             "inline HAL (default: VMVXJIT_THREADS, else the usable cores)")
    parser.add_argument("--deadline", default=None, metavar="SECONDS",
                        help="stop a call that runs longer with DEADLINE_EXCEEDED "
                             "(default: VMVXJIT_DEADLINE, else none)")
    return parser


def _run_parser() -> argparse.ArgumentParser:
    parser = _call_parser("vmvxjit run", "Run a function of a .vmfb module.")
    parser.add_argument("--output", action="append", default=None,
                        help="where each result goes: '-', '@file', '+file', '' (skip)")
    parser.add_argument("--output_max_element_count", type=int, default=1024)
    parser.add_argument("--trace", action="store_true",
                        help="report compiled regions and time spent in compiled code on stderr")
    parser.add_argument("--device", help="accepted for compatibility; inline modules need none")
    return parser


def _bench_parser() -> argparse.ArgumentParser:
    parser = _call_parser("vmvxjit bench", "Time calls of a function, as iree-benchmark-module does.")
    parser.add_argument("--warmup", type=int, default=1, help="untimed calls after the first (default 1)")
    parser.add_argument("--repetitions", type=int, default=10, help="timed calls (default 10)")
    parser.add_argument("--compare-iree", action="store_true",
                        help="also run iree-benchmark-module on the same module and inputs")
    parser.add_argument("--iree-timeout", type=float, default=600.0, help="seconds (default 600)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def _compile_parser() -> argparse.ArgumentParser:
    from vmvxjit.tooling.compile import CONFIGURATIONS

    parser = argparse.ArgumentParser(
        prog="vmvxjit compile", description="Compile MLIR or ONNX with IREE's compiler for vmvxjit.",
        epilog="Flags after `--` go to iree-compile as they are.")
    parser.add_argument("source", help="a .mlir or .onnx file")
    parser.add_argument("-o", "--output", required=True, help="the .vmfb to write")
    parser.add_argument("--model", default="inline-static", choices=sorted({m for m, _ in CONFIGURATIONS}),
                        help="IREE execution model (default: inline-static)")
    parser.add_argument("--target", choices=sorted({t for _, t in CONFIGURATIONS}),
                        help="backend (default: vmvx-inline for inline-static, llvm-cpu for inline-dynamic)")
    return parser


def _info_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vmvxjit info", description="Describe a .vmfb module.")
    parser.add_argument("module_path")
    parser.add_argument("--disasm", action="store_true", help="also disassemble every function")
    return parser


def _is_demo(args) -> bool:
    return (args.module_flag or args.module_path) is None


def _prepare_call(args, announce: bool = False):
    """(module path, inputs, program, function name, its VM function, parsed values) for
    run and bench: the bundled demo without a module; each input checked against the
    function's declaration as soon as it is parsed. `announce`: a failed declaration
    check first prints `EXEC @f`, as iree-run-module has by the time its call reports
    the same mismatch."""
    from vmvxjit.declaration import parse_declaration
    from vmvxjit.runtime import Program
    from vmvxjit.tooling.inputs import declared_checks, parse_inputs

    path = args.module_flag or args.module_path
    inputs = args.input
    if _is_demo(args):
        path = str(demo.MODULE)
        inputs = inputs or [f"@{demo.INPUT}"]
    options = {"tier": args.tier} if args.tier else {}
    if args.max_allocation is not None:
        options["max_allocation"] = args.max_allocation
    if args.threads is not None:
        options["threads"] = args.threads
    if args.deadline is not None:
        options["deadline"] = args.deadline
    program = Program(path, **options)
    name = args.function or program.default_function()
    function = program.signature(name)
    declaration = parse_declaration(function.attrs.get("iree.abi.declaration"), name)
    checks = declared_checks(declaration and declaration.inputs, len(function.cconv.args))
    if announce:
        checks = [check and _announcing(check, name) for check in checks]
    values = parse_inputs(inputs, function.cconv.args, checks=checks, limit=program.context.allocations)
    return path, inputs, program, name, function, values


def _announcing(check, name: str):
    def announced(shape, element_type):
        try:
            check(shape, element_type)
        except Error:
            sys.stdout.write(f"EXEC @{name}\n")
            raise
    return announced


def run_command(argv: list[str]) -> int:
    args = _run_parser().parse_args(argv)
    showing_demo = _is_demo(args)
    if showing_demo:
        args.tier = args.tier or demo.TIER
    path, inputs, program, name, function, values = _prepare_call(args, announce=True)
    if showing_demo:
        return _run_demo(args, path, inputs, program, name, function, values)
    sys.stdout.write(f"EXEC @{name}\n")
    sys.stdout.flush()
    _print_results(args, program, function, program.call(name, values))
    return 0


def _run_demo(args, path, inputs, program, name, function, values) -> int:
    """The demo: what runs and its input, the answer, then what iree-run-module would print
    (its `EXEC` after the call, as the answer comes first) and how to run one's own model."""
    from vmvxjit.demo import show

    sys.stdout.write(show.intro(path, inputs, values, program.context.tier))
    results = program.call(name, values)
    sys.stdout.write(show.answer(results) + f"EXEC @{name}\n")
    _print_results(args, program, function, results)
    sys.stdout.write(show.HOW_TO)
    return 0


def _print_results(args, program, function, results) -> None:
    """The results as iree-run-module prints or writes them; the JIT's report with --trace."""
    from vmvxjit.tooling.outputs import format_value, write_outputs

    limit = None if args.output_max_element_count < 0 else args.output_max_element_count
    types = function.cconv.results
    if args.output is None:
        for i, (value, value_type) in enumerate(zip(results, types)):
            sys.stdout.write(f"result[{i}]: {format_value(value, limit, value_type)}\n")
    else:
        write_outputs(args.output, results, types, limit, sys.stdout)
    if args.trace:
        from vmvxjit.host.host_function import verdict
        sys.stderr.write(program.context.jit_stats.report() + "\n")
        sys.stderr.write(f"jit:   export @{function.name}: {verdict(program, function.name)}\n")


def info_command(argv: list[str]) -> int:
    from vmvxjit.runtime import missing_module_error, missing_modules
    from vmvxjit.tooling.dump import format_module_info
    from vmvxjit.tooling.disasm import disassembler
    from vmvxjit.vm.module_def import load_module_def

    args = _info_parser().parse_args(argv)
    module_def = load_module_def(args.module_path)
    sys.stdout.write(format_module_info(
        module_def, disassemble=disassembler(module_def) if args.disasm else None))
    for name in missing_modules(module_def.dependencies):
        note = missing_module_error(name).message
        sys.stderr.write(f"Note: vmvxjit cannot run this module: {note}\n")
    return 0


def bench_command(argv: list[str]) -> int:
    import json
    import time

    from vmvxjit.tooling import bench

    args = _bench_parser().parse_args(argv)
    start = time.perf_counter()
    path, inputs, program, name, _, values = _prepare_call(args)
    load = time.perf_counter() - start
    report = {"module": path, "function": name, "tier": program.context.tier, "load_s": load,
              **bench.measure(lambda: program.call(name, values), args.warmup, args.repetitions),
              "jit": program.context.jit_stats.as_dict()}
    if args.compare_iree:
        bench.compare_with_iree(report, path, name, inputs, args.repetitions, args.iree_timeout)
    if args.json:
        sys.stdout.write(json.dumps(report, indent=1) + "\n")
    else:
        sys.stdout.write(bench.format_report(report))
    return 0


def compile_command(argv: list[str]) -> int:
    from pathlib import Path

    from vmvxjit.tooling.compile import compile_file

    split = argv.index("--") if "--" in argv else len(argv)
    args = _compile_parser().parse_args(argv[:split])
    compile_file(Path(args.source), Path(args.output), args.model, args.target, tuple(argv[split + 1:]))
    sys.stdout.write(f"wrote {args.output}\n")
    return 0


# name -> (function, usage, what it does)
COMMANDS = {
    "run": (run_command, "run [MODULE] [--function=F] [--input=...]",
            "run a function, as iree-run-module (no MODULE: the bundled demo)"),
    "bench": (bench_command, "bench [MODULE] [--function=F] [--input=...] [--compare-iree]",
              "time calls, as iree-benchmark-module (first call, compile and warm calls apart)"),
    "compile": (compile_command, "compile SOURCE -o OUT.vmfb [--model=M] [--target=T]",
                "compile a .mlir or .onnx file for vmvxjit (needs vmvxjit[compiler])"),
    "info": (info_command, "info MODULE [--disasm]", "describe a module, as iree-dump-module"),
}


def _help() -> str:
    from vmvxjit.version import __version__

    lines = [f"vmvxjit {__version__}: runs IREE .vmfb modules compiled for the inline execution models.",
             "usage: python -m vmvxjit COMMAND [options]    (COMMAND --help for its options)", ""]
    lines += [f"  {usage:<62} {what}" for _, usage, what in COMMANDS.values()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(_help())
        return 0
    if argv[0] == "--version":
        from vmvxjit.version import __version__

        sys.stdout.write(f"vmvxjit {__version__}\n")
        return 0
    if argv[0] not in COMMANDS:
        sys.stderr.write(f"vmvxjit: unknown command '{argv[0]}'\n" + _help())
        return 2
    try:
        return COMMANDS[argv[0]][0](argv[1:])
    except Error as error:
        sys.stdout.flush()
        sys.stderr.write(f"Error: {error}\n")
        return 1
    except OSError as error:
        sys.stderr.write(f"Error: {error}\n")
        return 1
