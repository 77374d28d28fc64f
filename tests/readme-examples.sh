#!/usr/bin/env bash
# The README's examples, run as a reader would run them:
#
#   tests/readme-examples.sh BUILD_DIR PROJECT_ROOT
#
# 1. Every fenced ```sh block of README.md, in order, in one shell, from a
#    scratch directory that stands for the project root (samples/ and build/
#    are links to the real ones, so the examples' own output files land
#    there), with BUILD_DIR (the wssec program) first on PATH. Each command
#    (lines joined at a final backslash) must exit 0, or N when it ends with
#    the comment `# exit N`. A block right after the line
#    `<!-- readme-examples: skip (why) -->` is not run.
# 2. One story for the options: every option of `wssec --help` is in the
#    README's option tables and every option there is in `wssec --help`;
#    every option the man page names exists.
set -u
build=${1:?usage: readme-examples.sh BUILD_DIR PROJECT_ROOT}
root=${2:?usage: readme-examples.sh BUILD_DIR PROJECT_ROOT}
build=$(cd "$build" && pwd)
root=$(cd "$root" && pwd)
[ -x "$build/wssec" ] || { echo "readme-examples: no $build/wssec" >&2; exit 2; }
command -v python3 >/dev/null || { echo "readme-examples: needs python3" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wssec-readme.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root" "$tmp/log"
ln -s "$root/samples" "$tmp/root/samples"
ln -s "$build" "$tmp/root/build"

# ---- 1. the examples ----
python3 - "$root/README.md" "$tmp/log" >"$tmp/examples.sh" <<'EOF' || exit 2
import re, shlex, sys
readme, logdir = sys.argv[1], sys.argv[2]
lines = open(readme, encoding="utf-8").read().split("\n")
out = ['set -o pipefail', 'n=0; passed=0; failed=0; skipped=0',
       'check() {  # WANT GOT WHERE TEXT',
       '  n=$((n + 1))',
       '  if [ "$2" = "$1" ]; then passed=$((passed + 1)); echo "ok $n $3: $4"',
       '  else failed=$((failed + 1)); echo "FAIL $n $3: $4"',
       '    echo "    exit $2, expected $1"; sed "s/^/    | /" "$5.out" "$5.err" | tail -n 15; fi',
       '}']
i = 0
while i < len(lines):
    if lines[i].strip() != "```sh":
        i += 1
        continue
    start = i
    prev = next((l for l in reversed(lines[:i]) if l.strip()), "")
    skip = re.match(r"\s*<!--\s*readme-examples:\s*skip\b(.*?)-->", prev)
    i += 1
    body = []
    while i < len(lines) and lines[i].strip() != "```":
        body.append((i + 1, lines[i]))
        i += 1
    i += 1
    if skip:
        out.append('skipped=$((skipped + 1)); echo %s' % shlex.quote(
            "skip README.md:%d:%s" % (start + 1, skip.group(1).rstrip())))
        continue
    cmd, first = "", None
    for ln, text in body:
        if first is None:
            if not text.strip() or text.lstrip().startswith("#"):
                continue
            first = ln
        if text.endswith("\\"):
            cmd += text[:-1] + " "
            continue
        cmd += text
        m = re.search(r"#\s*exit\s+(\d+)\s*$", cmd)
        want = m.group(1) if m else "0"
        k = len([l for l in out if l.startswith("check ")]) + 1
        log = "%s/%d" % (logdir, k)
        out.append("{ %s\n} >%s.out 2>%s.err" % (cmd, log, log))
        out.append("check %s $? README.md:%d %s %s" % (
            want, first, shlex.quote(re.sub(r"\s+", " ", cmd.strip())[:110]), log))
        cmd, first = "", None
out.append('echo "README examples: $passed of $n commands as documented; $skipped blocks skipped"')
out.append('[ "$failed" -eq 0 ] && [ "$n" -gt 0 ]')
print("\n".join(out))
EOF

fail=0
(cd "$tmp/root" && PATH="$build:$PATH" timeout 600 bash "$tmp/examples.sh" </dev/null) || fail=1

# ---- 2. one story for the options ----
"$build/wssec" --help >"$tmp/help.txt" 2>&1
python3 - "$tmp/help.txt" "$root/README.md" "$root/man/wssec.1" <<'EOF' || fail=1
import re, sys
help_text = open(sys.argv[1], encoding="utf-8").read()
readme = open(sys.argv[2], encoding="utf-8").read()
man = open(sys.argv[3], encoding="utf-8").read()
helped = set(re.findall(r"^\s+(?:-\w, )?--([a-z0-9-]+)", help_text, re.M))
tabled = set()
for line in readme.split("\n"):
    if not line.startswith("| `-"):
        continue
    first_cell = re.split(r"(?<!\\)\|", line)[1]
    tabled |= set(re.findall(r"`(?:-\w, )?--([a-z0-9-]+)", first_cell))
    tabled |= set(re.findall(r"--([a-z0-9-]+)", first_cell))
manned = set(re.findall(r"\\-\\-([a-z0-9\\-]+)", man))
manned = {m.replace("\\-", "-").rstrip("-") for m in manned} - {"no"}  # \-\-no\- NAME
bad = 0
for o in sorted(helped - tabled):
    print("FAIL wssec --help has --%s, the README's option tables do not" % o); bad = 1
for o in sorted(tabled - helped):
    print("FAIL the README's option tables have --%s, wssec --help does not" % o); bad = 1
for o in sorted(manned - helped):
    if o.startswith("no-") and o[3:] in helped:
        continue
    print("FAIL man/wssec.1 names --%s, wssec --help does not have it" % o); bad = 1
if not bad:
    print("ok options: the %d options of wssec --help are the README's; the man page names %d of them"
          % (len(helped), len(manned)))
sys.exit(bad)
EOF

if [ "$fail" -eq 0 ]; then echo "readme-examples: passed"; else echo "readme-examples: FAILED"; fi
exit "$fail"
