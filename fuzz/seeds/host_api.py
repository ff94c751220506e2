#!/usr/bin/env python3
"""Writes the hand-written seeds of the host_api fuzz target:
    python3 fuzz/seeds/host_api.py fuzz/corpus/host_api

Each seed is a script (fuzz/src/host_api.rs, `Script`) spelled with the
helpers below, which encode it the way arbitrary 1.x decodes it: an enum is a
little-endian u32 whose variant is (u32 * variants) >> 32, a bool is a byte's
low bit, integers are little-endian, an Option is a bool then the value, a
list is a 1 byte before each element and a 0 byte after the last, structs
and tuples are their fields in order. Check a seed with
`cargo +nightly fuzz fmt host_api corpus/host_api/NAME` (from fuzz/), or run
it with HOST_API_VERBOSE=1 to see every call it makes.
Keep this file in step with the input types in fuzz/src/host_api.rs.
"""
import struct, sys, os

def enum(i, n, *fields):
    return struct.pack('<I', -(-(i << 32) // n)) + b''.join(fields)
def u8(v): return bytes([v & 0xff])
def u16(v): return struct.pack('<H', v)
def u64(v): return struct.pack('<Q', v & (2**64 - 1))
def boolean(v): return u8(1 if v else 0)
def option(v): return u8(0) if v is None else u8(1) + v
def vec(items): return b''.join(u8(1) + i for i in items) + u8(0)

# Mode
def record(): return enum(0, 3)
def replay(source): return enum(1, 3, source)
def nothing(engine): return enum(2, 3, enum(engine, 3))  # 0 none, 1 recording, 2 replaying
RECORDED = enum(0, 4)
def changed(at, xor): return enum(1, 4, u16(at), u8(xor))
def cut(keep): return enum(2, 4, u16(keep))
# Settings: validation, digest, window % 17, flush
def settings(validation=False, digest=False, window=1, flush=None):
    f = enum(0, 3) if flush == 0 else enum(1, 3) if flush is None else enum(2, 3, u16(flush))
    return boolean(validation) + boolean(digest) + u8(window) + f
def sink(fail_at=None, reenter=None):
    return option(None if fail_at is None else u8(fail_at)) + option(None if reenter is None else u8(reenter[0]) + reenter[1])
# Ptr
VALID, NULL, MISALIGNED = enum(0, 3), enum(1, 3), enum(2, 3)
# Instantiate { store, how }
RIGHT, MISSING, GLOBAL = enum(0, 4), enum(1, 4), enum(3, 4)
def host_def(n): return enum(2, 4, u8(n))
def linker(defs=(RIGHT,) * 4, store=VALID): return store + enum(0, 2, *defs)
def imports(items, ptr=VALID, store=VALID): return store + enum(1, 2, vec(items), ptr)
def imp_host(n): return enum(0, 8, u8(n))
def imp_export(e): return enum(1, 8, e)
IMP_HOST_MEMORY, IMP_OWN_MEMORY, IMP_GLOBAL, IMP_FOREIGN, IMP_DEAD = (enum(i, 8) for i in range(2, 7))
def imp_bad_kind(kind, bits=bytes(16)): return enum(7, 8, u8(kind), bits)
RIGHT_IMPORTS = [imp_host(i) for i in range(4)]
# Export
RUN, ID, TRAP, BOOM, GETF = (enum(i, 5) for i in range(5))
# Op
def call(func, args, nresults=None, store=VALID, args_ptr=VALID, results_ptr=VALID, trap_ptr=VALID):
    return enum(0, 5, func, args, option(None if nresults is None else u8(nresults)), store, args_ptr, results_ptr, trap_ptr)
def export(e, instance=0): return enum(0, 6, u8(instance), e)
def host_func(n): return enum(1, 6, u8(n))
F_FOREIGN, F_DEAD, F_NULL, F_MISALIGNED = (enum(i, 6) for i in range(2, 6))
def right(payload): return enum(0, 2, u64(payload))
def values(vals): return enum(1, 2, vec(vals))
def val(kind, bits=bytes(16), func=None): return u8(kind) + bits + (func or enum(0, 5))
def i32(v): return val(0, struct.pack('<i', v) + bytes(12))
def write(memory, offset, length, store=VALID, data=VALID, byte=0x5a):
    return enum(1, 5, store, memory, offset, length, data, u8(byte))
def own(n=0): return enum(0, 6, u8(n))
M_HOST, M_FOREIGN, M_DEAD, M_NULL, M_MISALIGNED = (enum(i, 6) for i in range(1, 6))
def at(n): return enum(0, 3, u16(n))
def from_end(n): return enum(1, 3, u16(n))
def raw(n): return enum(2, 3, u64(n))
def small(n): return enum(0, 3, u8(n))
def large(n): return enum(1, 3, u16(n))
def over(n): return enum(2, 3, u8(n))
def flush(store=VALID): return enum(2, 5, store)
def finish(store=VALID): return enum(3, 5, store)
def instantiate(inst): return enum(4, 5, inst)
# HostAction { reenter, trap, wrong_kind, value }
def action(reenter=(), trap=False, wrong_kind=None, value=0):
    return vec(list(reenter)) + boolean(trap) + option(None if wrong_kind is None else u8(wrong_kind)) + u64(value)

def script(mode, ops, host=(), setup=None, sett=None, snk=None):
    return mode + (sett or settings()) + (snk or sink()) + (setup or linker()) + vec(list(host)) + vec(list(ops))

RUN5 = call(export(RUN), right(5))
SEEDS = {
    # Every kind of correct call, recorded and replayed.
    'record-correct-calls': script(record(), [
        RUN5, call(export(ID), right(7)), write(own(), at(100), small(8)), call(export(GETF), right(0)),
        call(export(TRAP), right(1)), call(export(TRAP), right(0)), call(export(BOOM), right(0)), flush(),
        write(own(), from_end(8), small(8)), call(export(RUN), right(9)), finish()]),
    # The caller's mistakes, each followed by a correct call.
    'record-mistakes': script(record(), [
        call(export(RUN), values([val(9)])), RUN5,
        call(export(RUN), values([val(255)])), RUN5,
        call(export(RUN), values([i32(1), i32(2)])), RUN5,
        call(export(RUN), values([])), RUN5,
        call(export(RUN), right(5), nresults=1), RUN5,
        call(export(RUN), right(5), args_ptr=NULL), RUN5,
        call(export(RUN), right(5), results_ptr=MISALIGNED), RUN5,
        call(export(RUN), right(5), store=MISALIGNED), RUN5,
        call(F_NULL, right(5)), call(F_FOREIGN, right(5)), call(host_func(0), right(0)), RUN5,
        write(own(), from_end(4), small(8)), RUN5,
        write(own(), at(0), over(0)), write(own(), raw(2**64 - 1), small(1)), RUN5,
        write(M_HOST, at(0), small(8)), write(M_FOREIGN, at(0), small(8)), write(own(), at(0), small(8), data=NULL), RUN5,
        flush(NULL), finish(MISALIGNED), RUN5]),
    # Host functions call back: finish, a call, a flush, writes in and out of range.
    'record-host-reentry': script(record(), [RUN5, call(export(RUN), right(6)), RUN5], host=[
        action([finish()], value=11),
        action([RUN5, flush()], value=12),
        action([write(own(), at(32), small(4)), write(own(), from_end(1), small(2))], value=13),
        action([instantiate(linker())], value=14),
        action([], trap=True, value=15),
        action([], wrong_kind=9, value=16)]),
    # The write callback calls back: finish, then (another seed) a call.
    'record-sink-finish': script(record(), [RUN5, RUN5, RUN5], sett=settings(window=1, flush=0), snk=sink(reenter=(2, finish()))),
    'record-sink-call': script(record(), [RUN5, RUN5, RUN5], sett=settings(window=1, flush=0), snk=sink(reenter=(2, RUN5))),
    'record-sink-flush': script(record(), [RUN5, flush(), RUN5], sett=settings(window=2, flush=0), snk=sink(reenter=(1, flush()))),
    # The write callback fails: the recording fails with trace_io, no mistake.
    'record-sink-fails': script(record(), [RUN5, RUN5, RUN5, finish()], sett=settings(validation=True, digest=True, window=1, flush=0), snk=sink(fail_at=3)),
    # Instantiations: instance_new with the right imports, wrong ones, bad kinds.
    'record-instance-new': script(record(), [
        instantiate(imports([imp_host(1), imp_host(0), imp_host(2), imp_host(3)])),
        instantiate(imports([imp_bad_kind(9)] + RIGHT_IMPORTS[1:])),
        instantiate(imports(RIGHT_IMPORTS[:3] + [IMP_FOREIGN])),
        instantiate(imports(RIGHT_IMPORTS, ptr=MISALIGNED)),
        instantiate(linker((RIGHT, MISSING, RIGHT, GLOBAL))),
        instantiate(imports(RIGHT_IMPORTS)), call(export(RUN, 1), right(3)), RUN5],
        setup=imports(RIGHT_IMPORTS)),
    # The whole script (mistakes included) replayed from its recording.
    'replay-with-mistakes': script(replay(RECORDED), [
        RUN5, call(export(RUN), values([i32(1), i32(2)])), write(own(), from_end(4), small(8)),
        write(own(), at(64), small(16)), call(export(ID), values([val(9)])), RUN5, finish(), RUN5],
        sett=settings(validation=True, window=3)),
    'replay-changed': script(replay(changed(40, 1)), [RUN5, call(export(ID), right(2)), RUN5]),
    'replay-cut': script(replay(cut(60)), [RUN5, RUN5]),
    # Nothing attached: stock behaviour, bad kinds refused, host re-entry allowed.
    'nothing-bad-kinds': script(nothing(0), [call(export(ID), values([val(255)])), call(export(ID), values([val(9)])), RUN5, call(host_func(2), right(4))]),
    'nothing-recording-engine': script(nothing(1), [RUN5, call(export(ID), values([val(200)])), finish(), flush(), RUN5],
        host=[action([RUN5, write(own(), at(8), small(8))]), action([], wrong_kind=255)]),
}

if __name__ == '__main__':
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)
    print(f'{len(SEEDS)} seeds in {out}')
