#!/usr/bin/env bash
# Consistency checks between the code and its documentation:
#   1. every WSSEC_API declaration in include/wssec/ (and sys/) has a doc comment ending
#      just before it (/** ... */), or a /** one-line */ comment above it;
#   2. the README's table of error codes lists every code of error.h with its
#      number, and nothing else.
# Usage: tests/consistency.sh PROJECT_ROOT
set -u
root=${1:?usage: consistency.sh PROJECT_ROOT}
fail=0

for h in "$root"/include/wssec/*.h "$root"/include/wssec/sys/*.h; do
    awk -v file="${h#"$root"/}" '
        /\*\/[ \t]*$/ { last_doc_end = NR }
        /^WSSEC_API/ {
            if (last_doc_end != NR - 1) {
                printf "%s:%d: WSSEC_API declaration without a doc comment just above it\n", file, NR
                bad = 1
            }
        }
        END { exit bad }' "$h" || fail=1
done

codes=$(grep -oE 'WSSEC_E[A-Z]+ = -[0-9]+' "$root/include/wssec/error.h" | sed 's/ = / /' | sort)
documented=$(grep -oE '^\| `WSSEC_E[A-Z]+` \(-[0-9]+\)' "$root/README.md" | sed -E 's/^\| `([A-Z_]+)` \((-[0-9]+)\)/\1 \2/' | sort)
if [ "$codes" != "$documented" ]; then
    echo "README.md error-code table differs from include/wssec/error.h:"
    diff <(echo "$codes") <(echo "$documented")
    fail=1
fi
n=$(echo "$codes" | wc -l)
if [ "$fail" -eq 0 ]; then
    echo "consistency: every WSSEC_API declaration documented; $n error codes match the README"
fi
exit $fail
