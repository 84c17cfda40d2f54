"""The command line: `python -m vmvxjit run|info`, flag-compatible with iree-run-module.

    python -m vmvxjit run model.vmfb --function=f --input="4xf32=1 2 3 4"
    python -m vmvxjit run                       # runs the bundled demo module
    python -m vmvxjit info model.vmfb --disasm

`run` prints exactly what iree-run-module prints; failures go to stderr with
exit status 1.
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources

from vmvxjit.errors import Error

DEMO_MODULE = "demo.vmfb"
DEMO_INPUTS = ("4xf32=1 2 3 4", "4xf32=10 20 30 40")


def _run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vmvxjit run", description="Run a function of a .vmfb module.")
    parser.add_argument("module_path", nargs="?", help="the .vmfb (default: the bundled demo)")
    parser.add_argument("--module", dest="module_flag", help="same as the positional MODULE")
    parser.add_argument("--function", help="export to call (default: the only public one)")
    parser.add_argument("--input", action="append", default=[], help="one argument (iree-run-module syntax)")
    parser.add_argument("--output", action="append", default=None,
                        help="where each result goes: '-', '@file', '+file', '' (skip)")
    parser.add_argument("--output_max_element_count", type=int, default=1024)
    parser.add_argument("--tier", choices=("interp", "jit", "auto"), default=None,
                        help="execution tier (default: auto)")
    parser.add_argument("--trace", action="store_true",
                        help="report compiled regions and time spent in compiled code on stderr")
    parser.add_argument("--device", help="accepted for compatibility; inline modules need none")
    return parser


def _info_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vmvxjit info", description="Describe a .vmfb module.")
    parser.add_argument("module_path")
    parser.add_argument("--disasm", action="store_true", help="also disassemble every function")
    return parser


def _demo_path() -> str:
    return str(resources.files("vmvxjit.demo").joinpath(DEMO_MODULE))


def run_command(argv: list[str]) -> int:
    from vmvxjit.declaration import parse_declaration
    from vmvxjit.runtime import Program
    from vmvxjit.tooling.inputs import declared_checks, parse_inputs
    from vmvxjit.tooling.outputs import format_value, write_outputs

    args = _run_parser().parse_args(argv)
    path = args.module_flag or args.module_path
    inputs = args.input
    if path is None:
        path = _demo_path()
        inputs = inputs or list(DEMO_INPUTS)
    options = {"tier": args.tier} if args.tier else {}
    program = Program(path, **options)
    name = args.function or program.default_function()
    function = program.signature(name)
    declaration = parse_declaration(function.attrs.get("iree.abi.declaration"))
    checks = declared_checks(declaration and declaration.inputs, len(function.cconv.args))
    values = parse_inputs(inputs, function.cconv.args, checks=checks)
    sys.stdout.write(f"EXEC @{name}\n")
    sys.stdout.flush()
    results = program.call(name, values)
    limit = None if args.output_max_element_count < 0 else args.output_max_element_count
    types = function.cconv.results
    if args.output is None:
        for i, (value, value_type) in enumerate(zip(results, types)):
            sys.stdout.write(f"result[{i}]: {format_value(value, limit, value_type)}\n")
    else:
        write_outputs(args.output, results, types, limit, sys.stdout)
    if args.trace:
        sys.stderr.write(program.context.jit_stats.report() + "\n")
    return 0


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


COMMANDS = {"run": run_command, "info": info_command}


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        sys.stderr.write("usage: python -m vmvxjit {run,info} ...\n"
                         "  run [MODULE] [--function=F] [--input=...]   run a function "
                         "(no MODULE: the bundled demo)\n"
                         "  info MODULE [--disasm]                      describe a module\n")
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    try:
        return COMMANDS[argv[0]](argv[1:])
    except Error as error:
        sys.stdout.flush()
        sys.stderr.write(f"Error: {error}\n")
        return 1
    except OSError as error:
        sys.stderr.write(f"Error: {error}\n")
        return 1
