"""The VM instruction set (bytecode v17.0): one row per opcode.

Columns: set (`core`, `ext_f32` behind prefix 0xE0, `ext_f64` behind 0xE1),
opcode, mnemonic, and the operand fields in byte order. Field kinds:
`R.<bank>`/`W.<bank>` register read/written (banks i32, i64, f32, f64, ref;
`/mv` = the ref MOVE bit is allowed), `global`/`type`/`rodata`/`func`/`pc`
u32 attributes, `imm:<t>` immediates, `u16`, `str16` (u16 length + bytes),
`list<t>`/`rlist<t>` (2-byte aligned u16 count + u16 entries), `remap`
(aligned count + src/dst pairs) and `cases[n]` (n × pc + remap).
Opcode 0x79 is the block marker. `vm.fpowi.f32` (E0 3E) and `vm.fpowi.f64`
(E1 40) are emitted by
iree-compile 3.13 but newer than the reference ISA notes; its layout and
semantics were established against iree-run-module 3.13.
"""

from __future__ import annotations

from typing import NamedTuple

BLOCK_MARKER = 0x79
PREFIX_EXT_F32 = 0xE0
PREFIX_EXT_F64 = 0xE1
SET_PREFIXES = {"core": None, "ext_f32": PREFIX_EXT_F32, "ext_f64": PREFIX_EXT_F64}

REF_BIT = 0x8000
MOVE_BIT = 0x4000
REF_MASK = 0x3FFF
I32_MASK = 0x7FFF
IMPORT_BIT = 0x80000000

_TABLE = """
core    0x00 vm.global.load.i32                 byte_offset=global:u32 result=W.i32
core    0x01 vm.global.store.i32                byte_offset=global:u32 value=R.i32
core    0x02 vm.global.load.indirect.i32        byte_offset=R.i32 result=W.i32
core    0x03 vm.global.store.indirect.i32       byte_offset=R.i32 value=R.i32
core    0x04 vm.global.load.i64                 byte_offset=global:u32 result=W.i64
core    0x05 vm.global.store.i64                byte_offset=global:u32 value=R.i64
core    0x06 vm.global.load.indirect.i64        byte_offset=R.i32 result=W.i64
core    0x07 vm.global.store.indirect.i64       byte_offset=R.i32 value=R.i64
core    0x08 vm.global.load.ref                 global=global:u32 type_def=type:u32 value=W.ref/mv
core    0x09 vm.global.store.ref                global=global:u32 type_def=type:u32 value=R.ref/mv
core    0x0A vm.global.load.indirect.ref        global=R.i32 type_def=type:u32 value=W.ref/mv
core    0x0B vm.global.store.indirect.ref       global=R.i32 type_def=type:u32 value=R.ref/mv
core    0x0C vm.const.i32.zero                  result=W.i32
core    0x0D vm.const.i32                       value=imm:i32 result=W.i32
core    0x0E vm.const.i64.zero                  result=W.i64
core    0x0F vm.const.i64                       value=imm:i64 result=W.i64
core    0x10 vm.const.ref.zero                  result=W.ref/mv
core    0x11 vm.const.ref.rodata                rodata=rodata:u32 value=W.ref/mv
core    0x12 vm.list.alloc                      element_type=type:u32 initial_capacity=R.i32 result=W.ref/mv
core    0x13 vm.list.reserve                    list=R.ref minimum_capacity=R.i32
core    0x14 vm.list.size                       list=R.ref result=W.i32
core    0x15 vm.list.resize                     list=R.ref new_size=R.i32
core    0x16 vm.list.get.i32                    list=R.ref index=R.i32 result=W.i32
core    0x17 vm.list.set.i32                    list=R.ref index=R.i32 value=R.i32
core    0x18 vm.list.get.i64                    list=R.ref index=R.i32 result=W.i64
core    0x19 vm.list.set.i64                    list=R.ref index=R.i32 value=R.i64
core    0x1A vm.list.get.ref                    list=R.ref index=R.i32 type_def=type:u32 result=W.ref/mv
core    0x1B vm.list.set.ref                    list=R.ref index=R.i32 value=R.ref/mv
core    0x1C vm.select.i32                      condition=R.i32 true_value=R.i32 false_value=R.i32 result=W.i32
core    0x1D vm.select.i64                      condition=R.i32 true_value=R.i64 false_value=R.i64 result=W.i64
core    0x1E vm.select.ref                      condition=R.i32 true_value_type_def=type:u32 true_value=R.ref/mv false_value=R.ref/mv result=W.ref/mv
core    0x1F vm.switch.i32                      index=R.i32 default_value=R.i32 values=list<i32> result=W.i32
core    0x20 vm.switch.i64                      index=R.i32 default_value=R.i64 values=list<i64> result=W.i64
core    0x21 vm.switch.ref                      index=R.i32 type_def=type:u32 default_value=R.ref/mv values=list<ref/mv> result=W.ref/mv
core    0x22 vm.add.i32                         left=R.i32 right=R.i32 result=W.i32
core    0x23 vm.sub.i32                         left=R.i32 right=R.i32 result=W.i32
core    0x24 vm.mul.i32                         left=R.i32 right=R.i32 result=W.i32
core    0x25 vm.div.i32.s                       left=R.i32 right=R.i32 result=W.i32
core    0x26 vm.div.i32.u                       left=R.i32 right=R.i32 result=W.i32
core    0x27 vm.rem.i32.s                       left=R.i32 right=R.i32 result=W.i32
core    0x28 vm.rem.i32.u                       left=R.i32 right=R.i32 result=W.i32
core    0x29 vm.fma.i32                         first=R.i32 second=R.i32 third=R.i32 result=W.i32
core    0x2A vm.add.i64                         left=R.i64 right=R.i64 result=W.i64
core    0x2B vm.sub.i64                         left=R.i64 right=R.i64 result=W.i64
core    0x2C vm.mul.i64                         left=R.i64 right=R.i64 result=W.i64
core    0x2D vm.div.i64.s                       left=R.i64 right=R.i64 result=W.i64
core    0x2E vm.div.i64.u                       left=R.i64 right=R.i64 result=W.i64
core    0x2F vm.rem.i64.s                       left=R.i64 right=R.i64 result=W.i64
core    0x30 vm.rem.i64.u                       left=R.i64 right=R.i64 result=W.i64
core    0x31 vm.fma.i64                         first=R.i64 second=R.i64 third=R.i64 result=W.i64
core    0x32 vm.not.i32                         operand=R.i32 result=W.i32
core    0x33 vm.and.i32                         left=R.i32 right=R.i32 result=W.i32
core    0x34 vm.or.i32                          left=R.i32 right=R.i32 result=W.i32
core    0x35 vm.xor.i32                         left=R.i32 right=R.i32 result=W.i32
core    0x36 vm.not.i64                         operand=R.i64 result=W.i64
core    0x37 vm.and.i64                         left=R.i64 right=R.i64 result=W.i64
core    0x38 vm.or.i64                          left=R.i64 right=R.i64 result=W.i64
core    0x39 vm.xor.i64                         left=R.i64 right=R.i64 result=W.i64
core    0x3A vm.shl.i32                         operand=R.i32 amount=R.i32 result=W.i32
core    0x3B vm.shr.i32.s                       operand=R.i32 amount=R.i32 result=W.i32
core    0x3C vm.shr.i32.u                       operand=R.i32 amount=R.i32 result=W.i32
core    0x3D vm.shl.i64                         operand=R.i64 amount=R.i32 result=W.i64
core    0x3E vm.shr.i64.s                       operand=R.i64 amount=R.i32 result=W.i64
core    0x3F vm.shr.i64.u                       operand=R.i64 amount=R.i32 result=W.i64
core    0x40 vm.trunc.i32.i8                    operand=R.i32 result=W.i32
core    0x41 vm.trunc.i32.i16                   operand=R.i32 result=W.i32
core    0x42 vm.trunc.i64.i32                   operand=R.i64 result=W.i32
core    0x43 vm.ext.i8.i32.s                    operand=R.i32 result=W.i32
core    0x44 vm.ext.i8.i32.u                    operand=R.i32 result=W.i32
core    0x45 vm.ext.i16.i32.s                   operand=R.i32 result=W.i32
core    0x46 vm.ext.i16.i32.u                   operand=R.i32 result=W.i32
core    0x47 vm.ext.i32.i64.s                   operand=R.i32 result=W.i64
core    0x48 vm.ext.i32.i64.u                   operand=R.i32 result=W.i64
core    0x49 vm.cmp.eq.i32                      left=R.i32 right=R.i32 result=W.i32
core    0x4A vm.cmp.ne.i32                      left=R.i32 right=R.i32 result=W.i32
core    0x4B vm.cmp.lt.i32.s                    left=R.i32 right=R.i32 result=W.i32
core    0x4C vm.cmp.lt.i32.u                    left=R.i32 right=R.i32 result=W.i32
core    0x4D vm.cmp.nz.i32                      operand=R.i32 result=W.i32
core    0x4E vm.cmp.eq.i64                      left=R.i64 right=R.i64 result=W.i32
core    0x4F vm.cmp.ne.i64                      left=R.i64 right=R.i64 result=W.i32
core    0x50 vm.cmp.lt.i64.s                    left=R.i64 right=R.i64 result=W.i32
core    0x51 vm.cmp.lt.i64.u                    left=R.i64 right=R.i64 result=W.i32
core    0x52 vm.cmp.nz.i64                      operand=R.i64 result=W.i32
core    0x53 vm.cmp.eq.ref                      left=R.ref right=R.ref result=W.i32
core    0x54 vm.cmp.ne.ref                      left=R.ref right=R.ref result=W.i32
core    0x55 vm.cmp.nz.ref                      operand=R.ref result=W.i32
core    0x56 vm.br                              dest_pc=pc:u32 operands=remap
core    0x57 vm.cond_br                         condition=R.i32 true_dest_pc=pc:u32 true_operands=remap false_dest_pc=pc:u32 false_operands=remap
core    0x58 vm.call                            callee_ordinal=func:u32 operands=list<any> results=rlist<any>
core    0x59 vm.call.variadic                   callee_ordinal=func:u32 segment_sizes=list<u16> operands=list<any> results=rlist<any>
core    0x5A vm.return                          operands=list<any>
core    0x5B vm.fail                            status=R.i32 message=str16
core    0x5C vm.import.resolved                 import_ordinal=func:u32 result=W.i32
core    0x5D vm.yield                           dest_pc=pc:u32 operands=remap
core    0x5E vm.trace                           event_name=str16 operands=list<any>
core    0x5F vm.print                           event_name=str16 operands=list<any>
core    0x60 vm.cond_break                      condition=R.i32 dest_pc=pc:u32 operands=remap
core    0x61 vm.break                           dest_pc=pc:u32 operands=remap
core    0x62 vm.buffer.load.i8.u                source_buffer=R.ref source_offset=R.i64 result=W.i32
core    0x63 vm.buffer.load.i8.s                source_buffer=R.ref source_offset=R.i64 result=W.i32
core    0x64 vm.buffer.load.i16.u               source_buffer=R.ref source_offset=R.i64 result=W.i32
core    0x65 vm.buffer.load.i16.s               source_buffer=R.ref source_offset=R.i64 result=W.i32
core    0x66 vm.buffer.load.i32                 source_buffer=R.ref source_offset=R.i64 result=W.i32
core    0x67 vm.buffer.load.i64                 source_buffer=R.ref source_offset=R.i64 result=W.i64
core    0x68 vm.buffer.store.i8                 target_buffer=R.ref target_offset=R.i64 value=R.i32
core    0x69 vm.buffer.store.i16                target_buffer=R.ref target_offset=R.i64 value=R.i32
core    0x6A vm.buffer.store.i32                target_buffer=R.ref target_offset=R.i64 value=R.i32
core    0x6B vm.buffer.store.i64                target_buffer=R.ref target_offset=R.i64 value=R.i64
core    0x6C vm.buffer.alloc                    length=R.i64 alignment=R.i32 result=W.ref/mv
core    0x6D vm.buffer.clone                    source=R.ref offset=R.i64 length=R.i64 alignment=R.i32 result=W.ref/mv
core    0x6E vm.buffer.length                   buffer=R.ref result=W.i64
core    0x6F vm.buffer.copy                     source_buffer=R.ref source_offset=R.i64 target_buffer=R.ref target_offset=R.i64 length=R.i64
core    0x70 vm.buffer.compare                  lhs_buffer=R.ref lhs_offset=R.i64 rhs_buffer=R.ref rhs_offset=R.i64 length=R.i64 result=W.i32
core    0x71 vm.buffer.fill.i8                  target_buffer=R.ref target_offset=R.i64 length=R.i64 value=R.i32
core    0x72 vm.buffer.fill.i16                 target_buffer=R.ref target_offset=R.i64 length=R.i64 value=R.i32
core    0x73 vm.buffer.fill.i32                 target_buffer=R.ref target_offset=R.i64 length=R.i64 value=R.i32
core    0x74 vm.buffer.fill.i64                 target_buffer=R.ref target_offset=R.i64 length=R.i64 value=R.i64
core    0x75 vm.ctlz.i32                        operand=R.i32 result=W.i32
core    0x76 vm.ctlz.i64                        operand=R.i64 result=W.i64
core    0x77 vm.abs.i32                         operand=R.i32 result=W.i32
core    0x78 vm.abs.i64                         operand=R.i64 result=W.i64
core    0x7A vm.min.i32.s                       left=R.i32 right=R.i32 result=W.i32
core    0x7B vm.min.i32.u                       left=R.i32 right=R.i32 result=W.i32
core    0x7C vm.max.i32.s                       left=R.i32 right=R.i32 result=W.i32
core    0x7D vm.max.i32.u                       left=R.i32 right=R.i32 result=W.i32
core    0x7E vm.min.i64.s                       left=R.i64 right=R.i64 result=W.i64
core    0x7F vm.min.i64.u                       left=R.i64 right=R.i64 result=W.i64
core    0x80 vm.max.i64.s                       left=R.i64 right=R.i64 result=W.i64
core    0x81 vm.max.i64.u                       left=R.i64 right=R.i64 result=W.i64
core    0x82 vm.cast.any.ref                    operand=R.ref/mv result_type=type:u32 result=W.ref/mv
core    0x83 vm.br_table                        index=R.i32 default_dest_pc=pc:u32 default_operands=remap table_size=u16 cases=cases[table_size]
core    0x84 vm.buffer.hash                     source_buffer=R.ref source_offset=R.i64 length=R.i64 result=W.i64
core    0x85 vm.discard.refs                    refs=list<any>
core    0x86 vm.assign.ref                      source=R.ref/mv result=W.ref/mv
core    0x87 vm.call.yieldable                  callee_ordinal=func:u32 operands=list<any> dest_pc=pc:u32 results=rlist<any>
core    0x88 vm.call.variadic.yieldable         callee_ordinal=func:u32 segment_sizes=list<u16> operands=list<any> dest_pc=pc:u32 results=rlist<any>
ext_f32 0x00 vm.global.load.f32                 byte_offset=global:u32 result=W.f32
ext_f32 0x01 vm.global.store.f32                byte_offset=global:u32 value=R.f32
ext_f32 0x02 vm.global.load.indirect.f32        byte_offset=R.i32 result=W.f32
ext_f32 0x03 vm.global.store.indirect.f32       byte_offset=R.i32 value=R.f32
ext_f32 0x04 vm.const.f32.zero                  result=W.f32
ext_f32 0x05 vm.const.f32                       value=imm:f32 result=W.f32
ext_f32 0x06 vm.list.get.f32                    list=R.ref index=R.i32 result=W.f32
ext_f32 0x07 vm.list.set.f32                    list=R.ref index=R.i32 value=R.f32
ext_f32 0x08 vm.select.f32                      condition=R.i32 true_value=R.f32 false_value=R.f32 result=W.f32
ext_f32 0x09 vm.switch.f32                      index=R.i32 default_value=R.f32 values=list<f32> result=W.f32
ext_f32 0x0A vm.add.f32                         left=R.f32 right=R.f32 result=W.f32
ext_f32 0x0B vm.sub.f32                         left=R.f32 right=R.f32 result=W.f32
ext_f32 0x0C vm.mul.f32                         left=R.f32 right=R.f32 result=W.f32
ext_f32 0x0D vm.div.f32                         left=R.f32 right=R.f32 result=W.f32
ext_f32 0x0E vm.rem.f32                         left=R.f32 right=R.f32 result=W.f32
ext_f32 0x0F vm.fma.f32                         first=R.f32 second=R.f32 third=R.f32 result=W.f32
ext_f32 0x10 vm.abs.f32                         operand=R.f32 result=W.f32
ext_f32 0x11 vm.neg.f32                         operand=R.f32 result=W.f32
ext_f32 0x12 vm.ceil.f32                        operand=R.f32 result=W.f32
ext_f32 0x13 vm.floor.f32                       operand=R.f32 result=W.f32
ext_f32 0x14 vm.cast.si32.f32                   operand=R.i32 result=W.f32
ext_f32 0x15 vm.cast.ui32.f32                   operand=R.i32 result=W.f32
ext_f32 0x16 vm.cast.f32.si32                   operand=R.f32 result=W.i32
ext_f32 0x17 vm.cast.f32.ui32                   operand=R.f32 result=W.i32
ext_f32 0x18 vm.bitcast.i32.f32                 operand=R.i32 result=W.f32
ext_f32 0x19 vm.bitcast.f32.i32                 operand=R.f32 result=W.i32
ext_f32 0x1A vm.atan.f32                        operand=R.f32 result=W.f32
ext_f32 0x1B vm.atan2.f32                       left=R.f32 right=R.f32 result=W.f32
ext_f32 0x1C vm.cos.f32                         operand=R.f32 result=W.f32
ext_f32 0x1D vm.sin.f32                         operand=R.f32 result=W.f32
ext_f32 0x1E vm.exp.f32                         operand=R.f32 result=W.f32
ext_f32 0x1F vm.exp2.f32                        operand=R.f32 result=W.f32
ext_f32 0x20 vm.expm1.f32                       operand=R.f32 result=W.f32
ext_f32 0x21 vm.log.f32                         operand=R.f32 result=W.f32
ext_f32 0x22 vm.log10.f32                       operand=R.f32 result=W.f32
ext_f32 0x23 vm.log1p.f32                       operand=R.f32 result=W.f32
ext_f32 0x24 vm.log2.f32                        operand=R.f32 result=W.f32
ext_f32 0x25 vm.pow.f32                         left=R.f32 right=R.f32 result=W.f32
ext_f32 0x26 vm.rsqrt.f32                       operand=R.f32 result=W.f32
ext_f32 0x27 vm.sqrt.f32                        operand=R.f32 result=W.f32
ext_f32 0x28 vm.tanh.f32                        operand=R.f32 result=W.f32
ext_f32 0x29 vm.erf.f32                         operand=R.f32 result=W.f32
ext_f32 0x2A vm.cmp.eq.f32.o                    left=R.f32 right=R.f32 result=W.i32
ext_f32 0x2B vm.cmp.eq.f32.u                    left=R.f32 right=R.f32 result=W.i32
ext_f32 0x2C vm.cmp.ne.f32.o                    left=R.f32 right=R.f32 result=W.i32
ext_f32 0x2D vm.cmp.ne.f32.u                    left=R.f32 right=R.f32 result=W.i32
ext_f32 0x2E vm.cmp.lt.f32.o                    left=R.f32 right=R.f32 result=W.i32
ext_f32 0x2F vm.cmp.lt.f32.u                    left=R.f32 right=R.f32 result=W.i32
ext_f32 0x30 vm.cmp.lte.f32.o                   left=R.f32 right=R.f32 result=W.i32
ext_f32 0x31 vm.cmp.lte.f32.u                   left=R.f32 right=R.f32 result=W.i32
ext_f32 0x32 vm.cmp.nan.f32                     operand=R.f32 result=W.i32
ext_f32 0x33 vm.buffer.load.f32                 source_buffer=R.ref source_offset=R.i64 result=W.f32
ext_f32 0x34 vm.buffer.store.f32                target_buffer=R.ref target_offset=R.i64 value=R.f32
ext_f32 0x35 vm.buffer.fill.f32                 target_buffer=R.ref target_offset=R.i64 length=R.i64 value=R.f32
ext_f32 0x36 vm.round.f32                       operand=R.f32 result=W.f32
ext_f32 0x37 vm.min.f32                         left=R.f32 right=R.f32 result=W.f32
ext_f32 0x38 vm.max.f32                         left=R.f32 right=R.f32 result=W.f32
ext_f32 0x39 vm.round.f32.even                  operand=R.f32 result=W.f32
ext_f32 0x3A vm.cast.f32.si64                   operand=R.f32 result=W.i64
ext_f32 0x3B vm.cast.f32.ui64                   operand=R.f32 result=W.i64
ext_f32 0x3C vm.cast.si64.f32                   operand=R.i64 result=W.f32
ext_f32 0x3E vm.fpowi.f32                       lhs=R.f32 rhs=R.i64 result=W.f32
ext_f64 0x40 vm.fpowi.f64                       lhs=R.f64 rhs=R.i64 result=W.f64
ext_f32 0x3D vm.cast.ui64.f32                   operand=R.i64 result=W.f32
ext_f64 0x00 vm.global.load.f64                 byte_offset=global:u32 result=W.f64
ext_f64 0x01 vm.global.store.f64                byte_offset=global:u32 value=R.f64
ext_f64 0x02 vm.global.load.indirect.f64        byte_offset=R.i32 result=W.f64
ext_f64 0x03 vm.global.store.indirect.f64       byte_offset=R.i32 value=R.f64
ext_f64 0x04 vm.const.f64.zero                  result=W.f64
ext_f64 0x05 vm.const.f64                       value=imm:f64 result=W.f64
ext_f64 0x06 vm.list.get.f64                    list=R.ref index=R.i32 result=W.f64
ext_f64 0x07 vm.list.set.f64                    list=R.ref index=R.i32 value=R.f64
ext_f64 0x08 vm.select.f64                      condition=R.i32 true_value=R.f64 false_value=R.f64 result=W.f64
ext_f64 0x09 vm.switch.f64                      index=R.i32 default_value=R.f64 values=list<f64> result=W.f64
ext_f64 0x0A vm.add.f64                         left=R.f64 right=R.f64 result=W.f64
ext_f64 0x0B vm.sub.f64                         left=R.f64 right=R.f64 result=W.f64
ext_f64 0x0C vm.mul.f64                         left=R.f64 right=R.f64 result=W.f64
ext_f64 0x0D vm.div.f64                         left=R.f64 right=R.f64 result=W.f64
ext_f64 0x0E vm.rem.f64                         left=R.f64 right=R.f64 result=W.f64
ext_f64 0x0F vm.fma.f64                         first=R.f64 second=R.f64 third=R.f64 result=W.f64
ext_f64 0x10 vm.abs.f64                         operand=R.f64 result=W.f64
ext_f64 0x11 vm.neg.f64                         operand=R.f64 result=W.f64
ext_f64 0x12 vm.ceil.f64                        operand=R.f64 result=W.f64
ext_f64 0x13 vm.floor.f64                       operand=R.f64 result=W.f64
ext_f64 0x14 vm.trunc.f64.f32                   operand=R.f64 result=W.f32
ext_f64 0x15 vm.ext.f32.f64                     operand=R.f32 result=W.f64
ext_f64 0x16 vm.cast.si32.f64                   operand=R.i32 result=W.f64
ext_f64 0x17 vm.cast.ui32.f64                   operand=R.i32 result=W.f64
ext_f64 0x18 vm.cast.f64.si32                   operand=R.f64 result=W.i32
ext_f64 0x19 vm.cast.f64.ui32                   operand=R.f64 result=W.i32
ext_f64 0x1A vm.cast.si64.f64                   operand=R.i64 result=W.f64
ext_f64 0x1B vm.cast.ui64.f64                   operand=R.i64 result=W.f64
ext_f64 0x1C vm.cast.f64.si64                   operand=R.f64 result=W.i64
ext_f64 0x1D vm.cast.f64.ui64                   operand=R.f64 result=W.i64
ext_f64 0x1E vm.bitcast.i64.f64                 operand=R.i64 result=W.f64
ext_f64 0x1F vm.bitcast.f64.i64                 operand=R.f64 result=W.i64
ext_f64 0x20 vm.atan.f64                        operand=R.f64 result=W.f64
ext_f64 0x21 vm.atan2.f64                       left=R.f64 right=R.f64 result=W.f64
ext_f64 0x22 vm.cos.f64                         operand=R.f64 result=W.f64
ext_f64 0x23 vm.sin.f64                         operand=R.f64 result=W.f64
ext_f64 0x24 vm.exp.f64                         operand=R.f64 result=W.f64
ext_f64 0x25 vm.exp2.f64                        operand=R.f64 result=W.f64
ext_f64 0x26 vm.expm1.f64                       operand=R.f64 result=W.f64
ext_f64 0x27 vm.log.f64                         operand=R.f64 result=W.f64
ext_f64 0x28 vm.log10.f64                       operand=R.f64 result=W.f64
ext_f64 0x29 vm.log1p.f64                       operand=R.f64 result=W.f64
ext_f64 0x2A vm.log2.f64                        operand=R.f64 result=W.f64
ext_f64 0x2B vm.pow.f64                         left=R.f64 right=R.f64 result=W.f64
ext_f64 0x2C vm.rsqrt.f64                       operand=R.f64 result=W.f64
ext_f64 0x2D vm.sqrt.f64                        operand=R.f64 result=W.f64
ext_f64 0x2E vm.tanh.f64                        operand=R.f64 result=W.f64
ext_f64 0x2F vm.erf.f64                         operand=R.f64 result=W.f64
ext_f64 0x30 vm.cmp.eq.f64.o                    left=R.f64 right=R.f64 result=W.i32
ext_f64 0x31 vm.cmp.eq.f64.u                    left=R.f64 right=R.f64 result=W.i32
ext_f64 0x32 vm.cmp.ne.f64.o                    left=R.f64 right=R.f64 result=W.i32
ext_f64 0x33 vm.cmp.ne.f64.u                    left=R.f64 right=R.f64 result=W.i32
ext_f64 0x34 vm.cmp.lt.f64.o                    left=R.f64 right=R.f64 result=W.i32
ext_f64 0x35 vm.cmp.lt.f64.u                    left=R.f64 right=R.f64 result=W.i32
ext_f64 0x36 vm.cmp.lte.f64.o                   left=R.f64 right=R.f64 result=W.i32
ext_f64 0x37 vm.cmp.lte.f64.u                   left=R.f64 right=R.f64 result=W.i32
ext_f64 0x38 vm.cmp.nan.f64                     operand=R.f64 result=W.i32
ext_f64 0x39 vm.buffer.load.f64                 source_buffer=R.ref source_offset=R.i64 result=W.f64
ext_f64 0x3A vm.buffer.store.f64                target_buffer=R.ref target_offset=R.i64 value=R.f64
ext_f64 0x3B vm.buffer.fill.f64                 target_buffer=R.ref target_offset=R.i64 length=R.i64 value=R.f64
ext_f64 0x3C vm.round.f64                       operand=R.f64 result=W.f64
ext_f64 0x3D vm.min.f64                         left=R.f64 right=R.f64 result=W.f64
ext_f64 0x3E vm.max.f64                         left=R.f64 right=R.f64 result=W.f64
ext_f64 0x3F vm.round.f64.even                  operand=R.f64 result=W.f64
"""


class Field(NamedTuple):
    """One operand field: its name and kind (`R.i32`, `W.ref`, `list<any>`, ...), and
    for a register field its bank (`i32`, `i64`, `f32`, `f64`, `ref`), worked out once:
    the JIT's analyses ask for it hundreds of thousands of times per model."""

    name: str
    kind: str
    bank: str

    @property
    def is_register(self) -> bool:
        return self.kind[:2] in ("R.", "W.")

    @property
    def allows_move(self) -> bool:
        return self.kind.endswith("/mv")


class OpInfo(NamedTuple):
    """An opcode: its set, byte value, mnemonic and operand fields."""

    set: str
    opcode: int
    mnemonic: str
    fields: tuple
    written: tuple = ()     # (operand index, 64-bit) of each numeric register it writes
    branches: tuple = ()    # (operand index, its remap's index or None, a cases table) per branch field

    @property
    def name(self) -> str:
        """The mnemonic without the `vm.` prefix (`add.i32`)."""
        return self.mnemonic[3:]

    @property
    def result_bank(self) -> str | None:
        """The bank of the one register the op writes (`vm.const.f32`: `f32`), else None."""
        banks = [f.bank for f in self.fields if f.kind.startswith("W.")]
        return banks[0] if len(banks) == 1 else None


def _parse_table() -> dict:
    tables = {"core": {}, "ext_f32": {}, "ext_f64": {}}
    for line in _TABLE.strip().splitlines():
        op_set, opcode, mnemonic, *fields = line.split()
        parsed = tuple(Field(name, kind, kind[2:].split("/")[0])
                       for name, kind in (f.split("=", 1) for f in fields))
        written = tuple((i, f.bank in ("i64", "f64")) for i, f in enumerate(parsed)
                        if f.kind.startswith("W.") and f.bank != "ref")
        branches = tuple((i, i + 1 if i + 1 < len(parsed) and parsed[i + 1].kind == "remap" else None,
                          f.kind == "cases[table_size]")
                         for i, f in enumerate(parsed) if f.kind in ("pc:u32", "cases[table_size]"))
        tables[op_set][int(opcode, 16)] = OpInfo(op_set, int(opcode, 16), mnemonic, parsed, written, branches)
    return tables


OPCODES = _parse_table()
BY_MNEMONIC = {info.mnemonic: info for table in OPCODES.values() for info in table.values()}


def numeric_ops(prefix: str) -> frozenset:
    """The mnemonics beginning with `prefix` whose register operands are all numeric
    (`numeric_ops("vm.const.")`: the i32, i64, f32 and f64 constants, no ref ones)."""
    return frozenset(m for m, info in BY_MNEMONIC.items() if m.startswith(prefix)
                     and all(f.bank != "ref" for f in info.fields if f.is_register))
