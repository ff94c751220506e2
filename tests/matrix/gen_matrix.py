#!/usr/bin/env python3
"""Generates the misuse matrix of include/wasmtime_rr.h.

    tests/matrix/gen_matrix.py include/wasmtime_rr.h target/matrix/matrix_cases.c

Reads every function declared in our header (and only there), and writes one C
caller per function plus a table of cases for tests/matrix/driver.c. Each
parameter's type picks a factory of tests/matrix/harness.c that makes its valid
value; each case changes one parameter:

  null        every pointer NULL (with its length unchanged when it has one);
  null-empty  a pointer that has a length: NULL with length 0 (allowed);
  misaligned  every pointer whose target is aligned to more than one byte, at
              the address of a valid object (or output slot) + 1;
  foreign     an object of another store (same engine), of another engine
              (same record/replay mode) or of an engine in another mode, for
              every owned object when the function takes another one;
  bogus       handles that are zeroed, or of the right store with a garbage
              index;
  kind        enum parameters (`*_kind_t`, `*_mode_t`) at 0..16, 255, INT_MAX
              and -1, and the `kind` field of each element of a
              wasmtime_val_t / wasmtime_extern_t input array at 0..16 and 255
              (the field is a uint8_t: INT_MAX and -1 would be 255 again).

A parameter type, return type or enum this file does not know makes it fail,
so that a new one is noticed (and given a factory) instead of skipped.
"""

import re
import sys
from dataclasses import dataclass, field

INT_MAX = 2**31 - 1
ENUM_SWEEP = list(range(17)) + [255, INT_MAX, -1]
FIELD_SWEEP = list(range(17)) + [255]


class GenError(Exception):
    pass


# --------------------------------------------------------------------------
# Parsing the header.


@dataclass
class Param:
    type: str
    name: str


@dataclass
class Function:
    name: str
    ret: str
    params: list
    doc: str
    param_docs: dict = field(default_factory=dict)


def normalize_type(text):
    text = " ".join(text.split())
    text = re.sub(r"\s*\*", " *", text)
    text = re.sub(r"\*\s+\*", "**", text)
    return text.strip()


def split_top_level(text):
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current)
    return [p.strip() for p in parts]


def parse_param(text):
    fn_ptr = re.fullmatch(r"(.+?)\(\s*\*\s*(\w+)\s*\)\s*\((.*)\)", text, re.S)
    if fn_ptr:
        ret, name, args = fn_ptr.groups()
        return Param(f"{normalize_type(ret)} (*)({normalize_type(args)})", name)
    m = re.fullmatch(r"(.+?)\b(\w+)", text, re.S)
    if not m:
        raise GenError(f"cannot parse parameter `{text}`")
    return Param(normalize_type(m.group(1)), m.group(2))


def parse_param_docs(doc):
    docs = {}
    for m in re.finditer(r"\\param\s+(\w+)\s+(.*?)(?=\\param|\\return|\n\s*\*\s*\n|$)", doc, re.S):
        docs[m.group(1)] = " ".join(m.group(2).replace("*", " ").split())
    return docs


def parse_header(text):
    functions = []
    decl_re = re.compile(r"/\*\*(?P<doc>(?:(?!\*/).)*)\*/\s*(?P<decl>[^;{}#/]*?\([^;{}#]*?\))\s*;", re.S)
    for m in decl_re.finditer(text):
        decl = " ".join(m.group("decl").split())
        if decl.startswith("typedef"):
            continue
        d = re.fullmatch(r"(?P<ret>.*?)\b(?P<name>\w+)\s*\((?P<args>.*)\)", decl, re.S)
        if not d:
            raise GenError(f"cannot parse declaration `{decl}`")
        args = d.group("args").strip()
        params = [] if args in ("", "void") else [parse_param(a) for a in split_top_level(args)]
        doc = m.group("doc")
        functions.append(Function(d.group("name"), normalize_type(d.group("ret")), params, doc,
                                  parse_param_docs(doc)))
    # Every declaration must have been seen: a function without a doc comment
    # (or written in a shape the regular expression above misses) is an error,
    # not a function silently left out of the sweep.
    bare = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    bare = re.sub(r"//[^\n]*", "", bare)
    bare = "\n".join(line for line in bare.splitlines() if not line.lstrip().startswith("#"))
    seen = {f.name for f in functions}
    for statement in bare.split(";"):
        statement = " ".join(statement.replace("}", " ").replace("{", " ").split())
        statement = re.sub(r'^extern "C"\s*', "", statement)
        if "(" not in statement or statement.startswith("typedef"):
            continue
        name = re.match(r"[^(]*?\b(\w+)\s*\(", statement)
        if name and name.group(1) not in seen:
            raise GenError(f"declaration not parsed (no doc comment?): `{statement}`")
    return functions


def parse_defines(text, prefix):
    return {m.group(1).lower(): int(m.group(2))
            for m in re.finditer(rf"#define {prefix}(\w+) (\d+)\b", text)}


# --------------------------------------------------------------------------
# What each parameter type is. `role` decides the C code and the mutations:
#   obj       a pointer to an object made by `factory(c, p)`
#   array     a pointer to elements made by `factory(c, p, &n)`, followed by
#             its size_t length
#   bytes     bytes/characters with a length, `factory(c, p, &n)`
#   cstr      a NUL-terminated string, `factory(c, p)`
#   out       an output location (`align` > 1: misaligned is swept)
#   userdata  a `void *` the library only passes back (NULL allowed)
#   finalizer a destructor callback (documented "may be NULL")
#   callback  a required callback
#   scalar    a plain value, never mutated
#   enum      a value swept over ENUM_SWEEP
# `owner` is "store" or "engine" for objects that belong to one.

@dataclass
class Spec:
    role: str
    factory: str = ""
    owner: str = ""
    zeroed: bool = False     # a zeroed handle is swept
    bogus: bool = False      # a handle with a garbage index is swept
    align: int = 8
    count: int = 1           # baseline element count of an out array
    value: str = ""          # scalar baseline


# Known kinds of the fields inside Wasmtime 48's wasmtime_val_t and
# wasmtime_extern_t (WASMTIME_I32 .. WASMTIME_EXNREF, WASMTIME_EXTERN_FUNC ..
# WASMTIME_EXTERN_TAG; harness.c asserts these at compile time), and which kind
# each element of the baseline array has.
VAL_KINDS = range(0, 9)
EXTERN_KINDS = range(0, 6)
ARRAY_ELEMENT_KINDS = {
    "h_args": [0, 5],     # run's parameters: (i32, funcref)
    "h_imports": [0],     # the guest's one import: a function
    "h_raw_args": [],     # raw values carry no kind to sweep
    "h_component_args": [],  # see "const wasmtime_component_val_t *" above
}
ARRAY_KNOWN_KINDS = {"h_args": VAL_KINDS, "h_imports": EXTERN_KINDS, "h_raw_args": range(0), "h_component_args": range(0)}

TYPES = {
    "wasm_config_t *": Spec("obj", "h_config"),
    "const wasm_config_t *": Spec("obj", "h_config"),
    "const wasm_engine_t *": Spec("obj", "h_engine"),
    "const wasmtime_error_t *": Spec("obj", "h_error"),
    "wasmtime_module_t *": Spec("obj", "h_module", owner="engine"),
    "const wasmtime_module_t *": Spec("obj", "h_module", owner="engine"),
    "wasmtime_context_t *": Spec("obj", "h_context", owner="store"),
    "const wasm_functype_t *": Spec("obj", "h_functype"),
    "wasmtime_linker_t *": Spec("obj", "h_linker", owner="engine"),
    "const wasmtime_linker_t *": Spec("obj", "h_linker", owner="engine"),
    # A func handle's payload is a raw pointer (VMFuncRef): a garbage one
    # cannot be told from a real one, so only a zeroed func is swept.
    "const wasmtime_func_t *": Spec("obj", "h_func", owner="store", zeroed=True),
    "const wasmtime_memory_t *": Spec("obj", "h_memory", owner="store", zeroed=True, bogus=True),
    "wasmtime_rr_recorder_t *": Spec("obj", "h_recorder"),
    "wasmtime_rr_replayer_t *": Spec("obj", "h_replayer"),
    "wasi_config_t *": Spec("obj", "h_wasi_config"),
    "const wasmtime_extern_t *": Spec("array", "h_imports", owner="store", zeroed=True),
    "const wasmtime_val_t *": Spec("array", "h_args", owner="store"),
    # run's arguments as raw values, results written over them (unchecked
    # convention: the values themselves cannot be checked by anyone).
    "wasmtime_val_raw_t *": Spec("array", "h_raw_args"),
    "void *": Spec("userdata", "h_userdata", align=1),
    "void (*)(void *)": Spec("finalizer", "h_finalizer", align=1),
    "wasmtime_func_callback_t": Spec("callback", "h_func_callback", align=1),
    "wasmtime_func_unchecked_callback_t": Spec("callback", "h_raw_callback", align=1),
    "wasmtime_rr_write_callback_t": Spec("callback", "h_write_callback", align=1),
    "wasmtime_rr_read_callback_t": Spec("callback", "h_read_callback", align=1),
    "wasm_engine_t **": Spec("out"),
    "bool *": Spec("out", align=1),
    "uint8_t **": Spec("out"),
    "wasmtime_rr_mode_t *": Spec("out", align=4),
    "wasmtime_error_t **": Spec("out"),
    "wasmtime_module_t **": Spec("out"),
    "wasmtime_func_t *": Spec("out"),
    "wasmtime_instance_t *": Spec("out"),
    "wasm_trap_t **": Spec("out"),
    "wasmtime_val_t *": Spec("out", count=1),  # results of run: one i32
    "wasmtime_rr_recorder_t **": Spec("out"),
    "wasmtime_rr_replayer_t **": Spec("out"),
    # Components: a component with one import and one export, `greet`
    # (string) -> list<u32>, its linker (defining the import), the linker's
    # root instance, and the export as a function handle.
    "const wasmtime_component_t *": Spec("obj", "h_component", owner="engine"),
    "wasmtime_component_t *": Spec("obj", "h_component", owner="engine"),
    "wasmtime_component_t **": Spec("out"),
    "const wasmtime_component_linker_t *": Spec("obj", "h_component_linker", owner="engine"),
    "wasmtime_component_linker_t *": Spec("obj", "h_component_linker", owner="engine"),
    "wasmtime_component_linker_instance_t *": Spec("obj", "h_linker_instance"),
    "wasmtime_component_instance_t *": Spec("out"),
    "wasmtime_component_func_callback_t": Spec("callback", "h_component_callback", align=1),
    # A host resource type (number 7) and its destructor.
    "const wasmtime_component_resource_type_t *": Spec("obj", "h_resource_type"),
    "wasmtime_component_resource_destructor_t": Spec("callback", "h_resource_destructor", align=1),
    "const wasmtime_component_func_t *": Spec("obj", "h_component_func", owner="store", zeroed=True),
    # greet's argument, the string "ab". Its kind is not swept: a kind that
    # does not fit the payload makes the payload's bytes be read as another
    # kind's pointers, which nobody can check (as with raw values).
    "const wasmtime_component_val_t *": Spec("array", "h_component_args"),
    "wasmtime_component_val_t *": Spec("out", count=1),  # greet's result
    "bool": Spec("scalar", value="true"),
    "int32_t": Spec("scalar", value="3"),  # a compression level
    "uint32_t": Spec("scalar", value="1"),
    "uint64_t": Spec("scalar", value="1"),
    "size_t": Spec("scalar", value="1"),
    "wasmtime_rr_mode_t": Spec("enum", value="WASMTIME_RR_MODE_NONE"),
    "wasmtime_rr_error_kind_t": Spec("enum", value="WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT"),
}

# Pointers to bytes or characters: the type says too little, the name decides.
BY_NAME = {
    ("const uint8_t *", "wasm"): Spec("bytes", "h_wasm", align=1),      # module bytes
    ("const uint8_t *", "buf"): Spec("bytes", "h_component_bytes", align=1),  # component bytes
    ("const uint8_t *", "data"): Spec("bytes", "h_data", align=1),      # bytes to write to memory
    ("const uint8_t *", "bytes"): Spec("bytes", "h_trace", align=1),    # a trace
    ("const char *", "module"): Spec("bytes", "h_name:env", align=1),   # import module name
    ("const char *", "name"): Spec("bytes", "h_name:g", align=1),       # import name
    ("const char *", "path"): Spec("cstr", "h_path", align=1),
    ("const char *", "message"): Spec("cstr", "h_message", align=1),
}

# The values an enum parameter accepts; any other value must give
# INVALID_ARGUMENT. None: every value is accepted (checked by the result).
def enum_valid(function, param, modes, kinds):
    table = {
        ("wasm_config_rr_mode_set", "mode"): set(modes.values()),
        # "one of the WASMTIME_RR_ERROR_KIND_* values other than NONE and WASMTIME"
        ("wasmtime_rr_error_new", "kind"): {v for k, v in kinds.items() if k not in ("none", "wasmtime")},
        ("wasmtime_rr_error_kind_name", "kind"): None,
    }
    key = (function, param)
    if key not in table:
        raise GenError(f"{function}: enum parameter `{param}` has no entry in enum_valid()")
    return table[key]


# --------------------------------------------------------------------------
# The exceptions, from the functions' documentation.
#
# NULL is an error (NULL_ARGUMENT) for every pointer, except:
#  - `void *` user data (`env`, `data`): only handed back to callbacks;
#  - finalizers: "(may be NULL)";
#  - the object given to a `_delete` function: "may be NULL" (ignored); a
#    misaligned one is ignored too (it must not crash);
#  - `wasmtime_rr_error_kind(NULL)`: returns NONE ("NULL means success");
#  - a pointer with a length: "NULL only when len is 0" (null-empty cases).
# The generator checks the header against this: a parameter documented
# "may be NULL" that this list does not allow is an error.
def null_allowed(function, param, spec):
    return (spec.role in ("userdata", "finalizer")
            or is_deleter(function)
            or function.name == "wasmtime_rr_error_kind")


def is_deleter(function):
    return function.ret == "void" and function.name.endswith("_delete")


# Functions that attach a recorder or replayer themselves get a store with
# nothing attached (the recording variant attaches one to every other store).
NO_ATTACH = {"wasmtime_rr_store_record", "wasmtime_rr_store_replay"}

# Variants: functions that take engine- or store-owned objects run against a
# stock engine ("plain"), a recording one (its stores with a recorder
# attached) and a replaying one (its stores replay a trace that holds one
# instantiation of the guest). store_record and store_replay attach a session
# themselves: each runs against the engine that accepts it, and a plain one.
WORLD_FACTORIES = {"h_engine", "h_context", "h_linker", "h_module", "h_func", "h_memory", "h_imports", "h_args",
                   "h_component", "h_component_linker", "h_linker_instance", "h_component_func"}
WORLD_VARIANTS = ["plain", "recording", "replaying"]
VARIANT_OVERRIDE = {
    "wasmtime_rr_store_record": ["plain", "recording"],
    "wasmtime_rr_store_replay": ["plain", "replaying"],
}

# Baselines that fail by design (documented): nothing attached, an engine
# that does not record/replay, or a replay going past its trace (which holds
# only the world's instantiation).
BASELINE_KIND = {
    ("wasmtime_rr_store_record", "plain"): "INVALID_ARGUMENT",   # the engine is not recording
    ("wasmtime_rr_store_replay", "plain"): "INVALID_ARGUMENT",   # the engine is not replaying
    ("wasmtime_rr_store_flush", "plain"): "INVALID_ARGUMENT",    # nothing attached
    ("wasmtime_rr_store_finish", "plain"): "INVALID_ARGUMENT",   # nothing attached
    ("wasmtime_rr_func_call", "replaying"): "DIVERGENCE",        # a call the trace does not have
    ("wasmtime_rr_func_call_unchecked", "replaying"): "DIVERGENCE",  # likewise
    ("wasmtime_rr_memory_write", "replaying"): "DIVERGENCE",     # a write the trace does not have
    ("wasmtime_rr_store_finish", "replaying"): "DIVERGENCE",     # the instantiation is left in the trace
    # The trace's first instantiation is the core module's.
    ("wasmtime_rr_component_linker_instantiate", "replaying"): "MODULE_MISMATCH",
    ("wasmtime_rr_component_func_call", "replaying"): "DIVERGENCE",  # a call the trace does not have
}

# Functions that return something other than an error object, and what is
# checked of their result.
OTHER_RETURNS = {
    "wasmtime_rr_error_kind": "wasmtime_rr_error_kind_t",
    "wasmtime_rr_error_kind_name": "const char *",
    "wasmtime_rr_version": "const char *",
    "wasmtime_rr_compiled_in": "bool",
    "wasmtime_rr_env_mode": "wasmtime_rr_mode_t",  # what the environment asks for: any mode is fine
}


# --------------------------------------------------------------------------
# Cases.

@dataclass
class Case:
    function: str
    variant: str
    cls: str
    param: int
    param_name: str
    mutation: str
    label: str
    expect: str
    kind: str = "NONE"
    string: str = ""
    element: int = 0
    value: int = 0


def spec_of(function, param):
    key = (param.type, param.name)
    if key in BY_NAME:
        return BY_NAME[key]
    if param.type in TYPES:
        return TYPES[param.type]
    raise GenError(f"{function.name}: parameter `{param.name}` has an unknown type `{param.type}`: "
                   "give it a factory in tests/matrix/harness.c and an entry in TYPES")


def pairs(function, specs):
    """Indices of pointer parameters followed by their size_t length."""
    out = {}
    for i, (p, s) in enumerate(zip(function.params, specs)):
        nxt = function.params[i + 1] if i + 1 < len(function.params) else None
        if s.role in ("array", "bytes", "out") and nxt is not None and nxt.type == "size_t":
            out[i] = i + 1
        elif s.role in ("array", "bytes"):
            raise GenError(f"{function.name}: `{p.name}` has no length parameter after it")
    return out


def check_docs(function, specs, paired):
    for i, (p, s) in enumerate(zip(function.params, specs)):
        doc = function.param_docs.get(p.name, "")
        says_null = re.search(r"may be NULL|NULL only when", doc, re.I)
        if not says_null:
            continue
        if re.search(r"only when", doc, re.I):
            if i not in paired:
                raise GenError(f"{function.name}: `{p.name}` is documented NULL only with a length, but has none")
        elif not null_allowed(function, p, s):
            raise GenError(f"{function.name}: `{p.name}` is documented \"may be NULL\"; "
                           "add it to null_allowed() in gen_matrix.py")


def make_cases(function, modes, kinds, names):
    specs = [spec_of(function, p) for p in function.params]
    paired = pairs(function, specs)
    check_docs(function, specs, paired)
    lengths = set(paired.values())

    if function.ret == "wasmtime_error_t *":
        returns = "error"
    elif is_deleter(function):
        returns = "void"
    elif OTHER_RETURNS.get(function.name) == function.ret:
        returns = function.ret
    else:
        raise GenError(f"{function.name}: unknown return type `{function.ret}`: add it to OTHER_RETURNS")

    world = any(s.factory in WORLD_FACTORIES for s in specs)
    variants = VARIANT_OVERRIDE.get(function.name, WORLD_VARIANTS if world else ["none"])
    owned = [i for i, s in enumerate(specs) if s.owner]
    cases = []

    for variant in variants:
        def add(cls, param, mutation, label, expect, kind="NONE", string="", element=0, value=0):
            name = function.params[param].name if param >= 0 else ""
            cases.append(Case(function.name, variant, cls, param, name, mutation, label, expect, kind,
                              string, element, value))

        base_kind = BASELINE_KIND.get((function.name, variant))
        # What a call that changes nothing relevant must give.
        if returns == "error":
            baseline = ("EXP_KIND", base_kind) if base_kind else ("EXP_OK", "NONE")
        elif returns == "void":
            baseline = ("EXP_NO_CRASH", "NONE")
        elif function.name == "wasmtime_rr_error_kind":
            baseline = ("EXP_RET_KIND", "INVALID_ARGUMENT")  # h_error makes an invalid_argument error
        elif function.name == "wasmtime_rr_error_kind_name":
            baseline = ("EXP_STRING", "NONE", "invalid_argument")
        elif function.name == "wasmtime_rr_version":
            baseline = ("EXP_STRING", "NONE", "@VERSION")
        else:
            baseline = ("EXP_NO_CRASH", "NONE")
        add("CLASS_BASELINE", -1, "MUT_NONE", "baseline", baseline[0], baseline[1],
            baseline[2] if len(baseline) > 2 else "")

        def tolerant():
            """Expectation for a change the function must accept or refuse cleanly."""
            if returns == "error":
                return ("EXP_NOT_PANIC", "NONE")
            return baseline[:2]

        for i, (p, s) in enumerate(zip(function.params, specs)):
            if i in lengths or s.role == "scalar":
                continue
            if s.role == "enum":
                valid = enum_valid(function.name, p.name, modes, kinds)
                for v in ENUM_SWEEP:
                    u = v & 0xFFFFFFFF
                    label = f"{p.name}={'INT_MAX' if v == INT_MAX else v}"
                    if function.name == "wasmtime_rr_error_kind_name":
                        add("CLASS_KIND", i, "MUT_KIND", label, "EXP_STRING", string=names.get(u, "unknown"),
                            value=v)
                    elif u in valid:
                        add("CLASS_KIND", i, "MUT_KIND", label, *tolerant(), value=v)
                    else:
                        add("CLASS_KIND", i, "MUT_KIND", label, "EXP_KIND", "INVALID_ARGUMENT", value=v)
                continue

            # NULL.
            if null_allowed(function, p, s):
                if function.name == "wasmtime_rr_error_kind":
                    add("CLASS_NULL", i, "MUT_NULL", f"{p.name}=NULL", "EXP_RET_KIND", "NONE")
                else:
                    add("CLASS_NULL", i, "MUT_NULL", f"{p.name}=NULL", *tolerant())
            else:
                add("CLASS_NULL", i, "MUT_NULL", f"{p.name}=NULL", "EXP_KIND", "NULL_ARGUMENT")
            if i in paired:
                length = function.params[paired[i]].name
                add("CLASS_NULL_EMPTY", i, "MUT_NULL_EMPTY", f"{p.name}=NULL,{length}=0", *tolerant())

            # Misaligned.
            if s.align > 1 and s.role in ("obj", "array", "out"):
                if is_deleter(function):
                    add("CLASS_MISALIGNED", i, "MUT_MISALIGNED", f"{p.name}=misaligned", "EXP_NO_CRASH")
                elif function.name == "wasmtime_rr_error_kind":
                    # Never NONE ("success") for a pointer that is no error
                    # object: INVALID_ARGUMENT, as for every misaligned pointer.
                    add("CLASS_MISALIGNED", i, "MUT_MISALIGNED", f"{p.name}=misaligned", "EXP_RET_KIND",
                        "INVALID_ARGUMENT")
                else:
                    add("CLASS_MISALIGNED", i, "MUT_MISALIGNED", f"{p.name}=misaligned", "EXP_KIND",
                        "INVALID_ARGUMENT")

            # Objects of another engine or store, when another owned object
            # makes the mix wrong.
            if s.owner and len(owned) >= 2:
                add("CLASS_FOREIGN", i, "MUT_FOREIGN_ENGINE", f"{p.name}=of another engine", "EXP_KIND",
                    "INVALID_ARGUMENT")
                add("CLASS_FOREIGN", i, "MUT_FOREIGN_MODE", f"{p.name}=of an engine in another mode", "EXP_KIND",
                    "INVALID_ARGUMENT")
                if s.owner == "store" and any(specs[j].owner == "store" for j in owned if j != i):
                    add("CLASS_FOREIGN", i, "MUT_FOREIGN_STORE", f"{p.name}=of another store", "EXP_KIND",
                        "INVALID_ARGUMENT")

            # Handles that are not handles.
            if s.zeroed:
                add("CLASS_BOGUS", i, "MUT_ZEROED", f"{p.name}=zeroed handle", "EXP_KIND", "INVALID_ARGUMENT")
            if s.bogus:
                add("CLASS_BOGUS", i, "MUT_BOGUS", f"{p.name}=garbage index", "EXP_KIND", "INVALID_ARGUMENT")

            # Kind fields of input arrays.
            if s.role == "array":
                known = ARRAY_KNOWN_KINDS[s.factory]
                for element, good in enumerate(ARRAY_ELEMENT_KINDS[s.factory]):
                    for v in FIELD_SWEEP:
                        label = f"{p.name}[{element}].kind={v}"
                        if v == good:
                            add("CLASS_KIND", i, "MUT_FIELD_KIND", label, *baseline[:2], element=element, value=v)
                        elif v in known:
                            # A known kind that does not fit the payload or the type.
                            add("CLASS_KIND", i, "MUT_FIELD_KIND", label, "EXP_ERROR_NOT_PANIC",
                                element=element, value=v)
                        else:
                            add("CLASS_KIND", i, "MUT_FIELD_KIND", label, "EXP_KIND", "INVALID_ARGUMENT",
                                element=element, value=v)
    return specs, paired, variants, cases


# --------------------------------------------------------------------------
# C output.

def c_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def emit_caller(function, specs, paired):
    lines = [f"static void call_{function.name}(const matrix_case_t *c, h_result_t *r) {{",
             "    h_begin(c, r);"]
    args = []
    for i, (p, s) in enumerate(zip(function.params, specs)):
        a = f"a{i}"
        args.append(a)
        if any(i == length for length in paired.values()):
            ptr = [k for k, v in paired.items() if v == i][0]
            lines.append(f"    size_t {a} = h_len(c, {ptr}, n{ptr});")
        elif s.role == "obj":
            lines.append(f"    {p.type}{a} = {s.factory}(c, {i});")
        elif s.role in ("array", "bytes"):
            factory, _, text = s.factory.partition(":")
            extra = f", {c_string(text)}" if text else ""
            lines.append(f"    size_t n{i} = 0;")
            lines.append(f"    {p.type}{a} = {factory}(c, {i}{extra}, &n{i});")
        elif s.role == "out":
            pointee = p.type[:-1].strip()
            if i in paired:
                lines.append(f"    size_t n{i} = {s.count};")
                lines.append(f"    {p.type}{a} = ({p.type})h_out(c, {i}, sizeof({pointee}) * n{i});")
            else:
                lines.append(f"    {p.type}{a} = ({p.type})h_out(c, {i}, sizeof({pointee}));")
        elif s.role == "cstr":
            lines.append(f"    {p.type}{a} = {s.factory}(c, {i});")
        elif s.role == "userdata":
            lines.append(f"    void *{a} = h_userdata(c, {i});")
        elif s.role == "finalizer":
            lines.append(f"    h_finalizer_t {a} = h_finalizer(c, {i});")
        elif s.role == "callback":
            lines.append(f"    {p.type} {a} = {s.factory}(c, {i});")
        elif s.role == "scalar":
            lines.append(f"    {p.type} {a} = {s.value};")
        elif s.role == "enum":
            lines.append(f"    {p.type} {a} = ({p.type})h_kind(c, {i}, {s.value});")
        else:
            raise GenError(f"role {s.role}")
    call = f"{function.name}({', '.join(args)})"
    if function.ret == "wasmtime_error_t *":
        lines.append(f"    h_returned_error(r, {call});")
    elif function.ret == "void":
        lines.append(f"    {call};")
        lines.append("    h_returned_void(r);")
    elif function.ret == "wasmtime_rr_error_kind_t":
        lines.append(f"    h_returned_kind(r, {call});")
    elif function.ret == "const char *":
        lines.append(f"    h_returned_string(r, {call});")
    elif function.ret == "bool":
        lines.append(f"    h_returned_bool(r, {call});")
    elif function.ret == "wasmtime_rr_mode_t":
        lines.append(f"    (void){call};")
        lines.append("    h_returned_void(r);")
    lines.append("}")
    return "\n".join(lines)


FLAG_NAMES = {"plain": "VAR_PLAIN", "recording": "VAR_RECORDING", "replaying": "VAR_REPLAYING", "none": "VAR_NONE"}


def emit(functions, all_cases, callers, header_path):
    out = [f"/* GENERATED by tests/matrix/gen_matrix.py from {header_path}; do not edit. */",
           "#include \"harness.h\"",
           "#include <limits.h>",
           ""]
    out += callers
    out.append("")
    out.append("const matrix_case_t MATRIX_CASES[] = {")
    for c in all_cases:
        flags = "H_NO_ATTACH" if c.function in NO_ATTACH else "0"
        string = "WASMTIME_RR_VERSION" if c.string == "@VERSION" else (c_string(c.string) if c.string else "NULL")
        value = "-1" if c.value == -1 else ("INT_MAX" if c.value == INT_MAX else str(c.value))
        out.append(f"    {{{c_string(c.function)}, call_{c.function}, {FLAG_NAMES[c.variant]}, {flags}, {c.cls}, "
                   f"{c.param}, {c_string(c.param_name)}, {c.mutation}, {c.element}, {value}, {c.expect}, "
                   f"WASMTIME_RR_ERROR_KIND_{c.kind}, {string}, {c_string(c.label)}}},")
    out.append("};")
    out.append(f"const size_t MATRIX_CASE_COUNT = {len(all_cases)};")
    out.append("const char *const MATRIX_FUNCTIONS[] = {")
    out += [f"    {c_string(f.name)}," for f in functions]
    out.append("};")
    out.append(f"const size_t MATRIX_FUNCTION_COUNT = {len(functions)};")
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    header_path, out_path = argv[1], argv[2]
    text = open(header_path, encoding="utf-8").read()
    try:
        functions = parse_header(text)
        if not functions:
            raise GenError("no function found")
        kinds = parse_defines(text, "WASMTIME_RR_ERROR_KIND_")
        modes = parse_defines(text, "WASMTIME_RR_MODE_")
        if not kinds or not modes:
            raise GenError("error kind or mode constants not found")
        names = {v: k for k, v in kinds.items()}
        all_cases, callers = [], []
        for f in functions:
            specs, paired, _, cases = make_cases(f, modes, kinds, names)
            callers.append(emit_caller(f, specs, paired))
            all_cases += cases
    except GenError as e:
        print(f"gen_matrix.py: {header_path}: {e}", file=sys.stderr)
        return 1
    with open(out_path, "w", encoding="utf-8") as out:
        out.write(emit(functions, all_cases, callers, header_path))
    by_class = {}
    for c in all_cases:
        by_class[c.cls] = by_class.get(c.cls, 0) + 1
    summary = ", ".join(f"{k[6:].lower()} {v}" for k, v in by_class.items())
    print(f"gen_matrix.py: {len(functions)} functions in {header_path}, {len(all_cases)} cases ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
