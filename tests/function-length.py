#!/usr/bin/env python3
"""No function in src/ longer than 80 lines without a reason (run by ctest
as `function_length`, label unit; see docs/DEVELOPMENT.md).

A function's length is the number of lines between its opening and its
closing brace. The sources are read with comments, strings and character
literals blanked out, and braces matched: a brace opened at file level
after "name(...)" opens a function. Simple, and enough for this code base's
style (no K&R definitions, no braces in macros at file level).

ALLOWED lists the functions that keep their length for a reason, each with
the reason. The list may only shrink: an entry that no longer occurs (the
function was split, renamed or removed) is itself reported, so it is
deleted when paid.

Usage: function-length.py [SRC_DIR]   (default: the src/ beside tests/)
Exit 0 when every function fits; 1 with one line per violation otherwise.
"""
import os
import re
import sys

MAX_LINES = 80

# (file relative to src/, function): the reason it stays long.
ALLOWED = {}

HEAD = re.compile(r"(\w+)\s*\([^;{}]*\)\s*(?:__attribute__\s*\(\(.*\)\)\s*)*$", re.S)


def blank(text):
    """text with comments, strings and character literals replaced by
    spaces, newlines kept (so line numbers stay true)."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif text[i] in "\"'":
            q, j = text[i], i + 1
            while j < n and text[j] != q and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
        else:
            out.append(text[i])
            i += 1
            continue
        out.append(re.sub(r"[^\n]", " ", text[i:j]))
        i = j
    return "".join(out)


def functions(path):
    """(name, first line, body lines) of each function defined in path."""
    with open(path, encoding="utf-8") as f:
        lines = blank(f.read()).split("\n")
    found, depth, head, name, start = [], 0, [], None, 0
    for ln, line in enumerate(lines, 1):
        if depth == 0 and line.lstrip().startswith("#"):
            head = []
            continue
        for col, ch in enumerate(line):
            if ch == "{":
                if depth == 0:
                    m = HEAD.search(" ".join(head + [line[:col]]))
                    name = m.group(1) if m and "=" not in " ".join(head + [line[:col]]) else None
                    start = ln
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    if name:
                        found.append((name, start, ln - start - 1))
                    name, head = None, []
            elif ch == ";" and depth == 0:
                head = []
        if depth == 0:
            tail = line.rsplit(";", 1)[-1].rsplit("}", 1)[-1]
            head.append(tail)
    return found


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "src")
    problems, seen = [], set()
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for f in sorted(files):
            if not f.endswith(".c"):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, src)
            for name, start, length in functions(path):
                if length <= MAX_LINES:
                    continue
                if (rel, name) in ALLOWED:
                    seen.add((rel, name))
                    continue
                problems.append(f"src/{rel}:{start}: {name} is {length} lines (most {MAX_LINES}): "
                                "split it into short commented functions, or add it to ALLOWED "
                                "in tests/function-length.py with the reason")
    for rel, name in sorted(set(ALLOWED) - seen):
        problems.append(f"src/{rel}: {name} is allowed to be long but is not any more "
                        "(or is gone): delete its entry from ALLOWED")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
