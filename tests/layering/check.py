#!/usr/bin/env python3
"""The layering of libwssec, checked from its #include lines (run by ctest
as `layering`; see docs/DEVELOPMENT.md, "The shape of the code").

    cli/ ─────────────▶ include/wssec (the public API) only
    pipeline, context, config (config_file, options), plugin, registry
      │   (the library's core: builds the context, walks the header)
    tokens/*.c  ──────▶ the module SDK (include/wssec, include/wssec/sys)
      │                 and service headers only
    services           (xml, soap, node, x509, trust, keyref, replay, policy, fault,
                        identity, message, record, settings, algs, bsp, error,
                        util, global): never a token module, never the pipeline

Rules:
  1. A token module includes only public headers and service headers.
  2. Nothing includes a token module's header except the registry (and a
     token module its own header).
  3. A service includes no token module and no core header (the registry's
     list of modules excepted).
  4. No cycles among units (a unit is X.c with its X.h).
  5. The command-line program includes only public headers and its own.
  6. A public header (include/wssec) includes only public headers.
  7. mod_wssec (httpd/, beside src/) includes only public headers and its
     own, like the CLI: a gateway is a client of the public API.

Usage: check.py [SRC_DIR]   (default: the src/ beside this script's tests/)
Exit 0 when every rule holds; 1 with one line per violation otherwise.
"""
import os
import re
import sys

CORE = {"pipeline", "context", "config", "config_file", "options", "plugin", "registry"}
# Headers a token module may not include even though they are not token
# modules: the core's internals. What a module needs of them it gets
# through the SDK.
TOKEN_FORBIDDEN = CORE | {"record", "context.h", "config.h"}

# Known debts: (file, header) pairs that break rule 1 and are being paid
# off. The list may only shrink: an entry that no longer occurs is itself
# reported, so it is deleted when paid. (Empty since the built-in modules
# moved to the module SDK.)
DEBTS = set()

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


DECL = re.compile(r"^[A-Za-z_][^;{}()#]*\b\w+\s*\([^;{}]*\)\s*(__attribute__\S*\s*)*;", re.M)
COMMENT = re.compile(r"/\*.*?\*/", re.S)


def data_only(path):
    """A header that declares no function: an object's definition (the
    context, the configuration). It is a unit of its own, apart from the
    .c that builds the object, so that what reads the object does not
    depend on what builds it."""
    with open(path, encoding="utf-8") as f:
        text = COMMENT.sub("", f.read())
    text = re.sub(r"^\s*#.*$", "", text, flags=re.M)
    return not DECL.search(text) and "extern" not in text


def unit_of(path, src):
    rel = os.path.relpath(path, src)
    stem = os.path.splitext(rel)[0]
    if rel.endswith(".h") and data_only(path):
        return rel
    return stem


def includes(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return INCLUDE.findall(text)


def resolve(inc, path, src):
    """The src-relative unit a quoted include names, or None for a public
    (wssec/...) or outside header."""
    if inc.startswith("wssec/"):
        return None
    here = os.path.dirname(path)
    for base in (here, src):
        cand = os.path.normpath(os.path.join(base, inc))
        if os.path.exists(cand) and cand.startswith(src + os.sep):
            return unit_of(cand, src)
    return "?" + inc


def main():
    src = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                          os.path.join(os.path.dirname(__file__), "..", "..", "src"))
    files = []
    for root, _, names in os.walk(src):
        for n in sorted(names):
            if n.endswith((".c", ".h")):
                files.append(os.path.join(root, n))
    errors = []
    edges = {}
    used_debts = set()
    for path in sorted(files):
        rel = os.path.relpath(path, src)
        unit = unit_of(path, src)
        is_cli = rel.startswith("cli" + os.sep)
        is_token = rel.startswith("tokens" + os.sep)
        for inc in includes(path):
            target = resolve(inc, path, src)
            if is_cli:
                if target is not None and target != "cli/cli":
                    errors.append(f"{rel}: the CLI includes private header \"{inc}\" (rule 5)")
                continue
            if target is None:
                continue
            if target.startswith("?"):
                errors.append(f"{rel}: includes \"{inc}\", which is not in src/")
                continue
            if target != unit and not (rel.endswith(".c") and target == unit + ".h"):
                edges.setdefault(unit, set()).add(target)
            t_token = target.startswith("tokens/")
            if t_token and unit not in ("registry", target) and not (
                    is_token and target == "tokens/tokens.h"):
                errors.append(f"{rel}: includes token module header \"{inc}\" (rule 2: "
                              "only the registry does)")
            if is_token and (target in TOKEN_FORBIDDEN):
                if (rel, inc) in DEBTS:
                    used_debts.add((rel, inc))
                else:
                    errors.append(f"{rel}: a token module includes core header \"{inc}\" "
                                  "(rule 1: use the module SDK)")
            if not is_token and unit not in CORE and (t_token or target in CORE - {"registry"}):
                errors.append(f"{rel}: service '{unit}' includes \"{inc}\" (rule 3)")
    # rule 6: the public headers stand alone
    inc_dir = os.path.join(os.path.dirname(src), "include", "wssec")
    for root, _, names in os.walk(inc_dir):
        for n in sorted(names):
            if not n.endswith(".h"):
                continue
            path = os.path.join(root, n)
            for inc in includes(path):
                target = os.path.normpath(os.path.join(root, inc))
                if not target.startswith(inc_dir + os.sep):
                    errors.append(f"{os.path.relpath(path, os.path.dirname(src))}: includes "
                                  f"\"{inc}\", which is not a public header (rule 6)")
    # rule 7: httpd/ (mod_wssec) is a client of the public API only
    httpd_dir = os.path.join(os.path.dirname(src), "httpd")
    any_inc = re.compile(r'^\s*#\s*include\s+[<"]([^">]+)[">]', re.M)
    for root, _, names in os.walk(httpd_dir):
        for n in sorted(names):
            if not n.endswith((".c", ".h")):
                continue
            path = os.path.join(root, n)
            with open(path, encoding="utf-8") as f:
                incs = any_inc.findall(f.read())
            for inc in incs:
                own = os.path.normpath(os.path.join(root, inc))
                if inc.startswith("wssec/") and ".." not in inc:
                    continue
                if os.path.exists(own) and own.startswith(httpd_dir + os.sep):
                    continue
                if "/" in inc and ("src" in inc.split("/") or ".." in inc.split("/")):
                    errors.append(f"{os.path.relpath(path, os.path.dirname(src))}: mod_wssec "
                                  f"includes \"{inc}\", which is not the public API (rule 7)")
    for d in sorted(DEBTS - used_debts):
        errors.append(f"check.py: debt {d} no longer occurs: delete it from DEBTS")
    # rule 4: cycles, by depth-first search over the unit graph
    state = {}
    stack = []

    def visit(u):
        state[u] = 1
        stack.append(u)
        for v in sorted(edges.get(u, ())):
            if state.get(v) == 1:
                cyc = stack[stack.index(v):] + [v]
                errors.append("cycle among units: " + " -> ".join(cyc) + " (rule 4)")
            elif v not in state:
                visit(v)
        stack.pop()
        state[u] = 2

    for u in sorted(edges):
        if u not in state:
            visit(u)
    for e in errors:
        print(e)
    if errors:
        print(f"layering: {len(errors)} violation(s)")
        return 1
    print(f"layering: {len(files)} files, {sum(len(v) for v in edges.values())} unit "
          "dependencies, every rule holds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
