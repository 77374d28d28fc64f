#!/usr/bin/env bash
# The layering check (check.py) on the library's sources, then on copies
# with one deliberate violation of each rule, each of which it must refuse
# with its rule named.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../src" && pwd)
python3 "$here/check.py" "$src"

inc=$(cd "$here/../../include" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
# violate NAME FILE LINE RULE: add LINE after FILE's first include, expect RULE
violate() {
    local name=$1 file=$2 line=$3 rule=$4 out
    rm -rf "$tmp/src" "$tmp/include" && cp -r "$src" "$tmp/src" && cp -r "$inc" "$tmp/include"
    case $file in include/*) f=$tmp/$file ;; *) f=$tmp/src/$file ;; esac
    sed -i "0,/^#include \"/s||$line\n&|" "$f"
    if out=$(python3 "$here/check.py" "$tmp/src"); then
        echo "FAIL $name: accepted"; fail=1
    elif ! grep -q "($rule" <<<"$out"; then
        echo "FAIL $name: refused, but not by $rule:"; echo "$out"; fail=1
    else
        echo "ok   $name: $(grep -m1 "($rule" <<<"$out")"
    fi
}
violate "token module includes the core" tokens/timestamp.c '#include "plugin.h"' "rule 1"
violate "service includes a token module" trust.c '#include "tokens/tokens.h"' "rule 2"
violate "service includes the core" xml.c '#include "plugin.h"' "rule 3"
violate "cycle" x509.c '#include "trust.h"' "rule 4"
violate "CLI includes a private header" cli/main.c '#include "../record.h"' "rule 5"
violate "public header includes a private one" include/wssec/sys/token.h '#include "../../../src/record.h"' "rule 6"
exit $fail
