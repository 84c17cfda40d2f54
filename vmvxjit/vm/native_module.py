"""Native modules: VM modules implemented in Python (hal_inline, hal_loader, vmvx).

Each export is a method declared with `@export(name, cconv)`; the class's
export table is collected from those declarations. An export receives its
arguments as Python values in cconv order (ints for `i`/`I`, floats for
`f`/`F`, ref objects or None for `r`; a `C…D` span arrives as a list of
tuples, or a list of values when the span has one element) and returns
None, one value, or a tuple of values matching the result cconv.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from vmvxjit.vm.cconv import CConv, parse_cconv


class ExportDecl(NamedTuple):
    name: str
    cconv: CConv
    method: str


def export(name: str, cconv: str) -> Callable:
    """Marks a NativeModule method as the export `name` with calling convention `cconv`."""

    def mark(fn):
        fn._vm_export = (name, cconv)
        return fn

    return mark


class NativeFunction(NamedTuple):
    """A resolved native export: its calling convention and a Python callable."""

    module: "NativeModule"
    name: str
    cconv: CConv
    call: Callable


class NativeModule:
    """Base class: subclasses set `name`, `version` and declare exports."""

    name = ""
    version = 0
    exports: dict[str, ExportDecl] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        table = dict(cls.exports)
        for attr, fn in list(vars(cls).items()):
            mark = getattr(fn, "_vm_export", None)
            if mark is not None:
                table[mark[0]] = ExportDecl(mark[0], parse_cconv(mark[1]), attr)
        cls.exports = table

    dependencies: tuple = ()

    def lookup(self, name: str) -> NativeFunction | None:
        decl = self.exports.get(name)
        if decl is None:
            return None
        return NativeFunction(self, decl.name, decl.cconv, getattr(self, decl.method))

    def export_names(self) -> list[str]:
        return sorted(self.exports)
