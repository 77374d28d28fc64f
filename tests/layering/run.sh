#!/usr/bin/env bash
# The layering check (check.py) on the library's sources, then on copies
# with one deliberate violation of each rule, each of which it must refuse
# with its rule named.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../src" && pwd)
python3 "$here/check.py" "$src"

inc=$(cd "$here/../../include" && pwd)
httpd=$(cd "$here/../.." && pwd)/httpd
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
# violate NAME FILE LINE RULE: add LINE after FILE's first include, expect RULE
violate() {
    local name=$1 file=$2 line=$3 rule=$4 out
    rm -rf "$tmp/src" "$tmp/include" "$tmp/httpd" && cp -r "$src" "$tmp/src" && cp -r "$inc" "$tmp/include"
    [ -d "$httpd" ] && cp -r "$httpd" "$tmp/httpd"
    case $file in include/*|httpd/*) f=$tmp/$file ;; *) f=$tmp/src/$file ;; esac
    sed -i "0,/^#include [\"<]/s||$line\n&|" "$f"
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
violate "mod_wssec includes a private header" httpd/mod_wssec.c '#include "../src/record.h"' "rule 7"
violate "mod_wssec includes the library's sources" httpd/replay_socache.c '#include <src/replay.h>' "rule 7"
exit $fail
