#!/usr/bin/env bash
# Command-line tests of wssec(1): one directory per case under cases/.
#
#   tests/cli/run.sh WSSEC_BINARY PROJECT_ROOT [CASE-GLOB...]
#
# A case directory tests/cli/cases/<NN-name>/ holds:
#   args     the arguments, one per line (spaces are safe); the first line is
#            the command (secure, verify, inspect, or anything to test the
#            argument handling). Tokens substituted everywhere (args, env,
#            expect): @ROOT@ project root, @TMP@ a fresh temporary directory
#            for the case, @CASE@ the case directory.
#   stdin    optional: fed on standard input (otherwise /dev/null)
#   env      optional: lines NAME=VALUE exported for the wssec run only
#   setup    optional: bash script (run with -e) first, with WSSEC ROOT TMP CASE set
#            (e.g. to secure a message into $TMP/msg.xml, or tamper one)
#   check    optional: bash script (-e) run last, same variables plus STATUS (the
#            exit code); it must exit 0 (e.g. to verify what secure wrote)
#   expect   one expectation per line:
#              exit N                  the exit code (required)
#              fault QNAME             the "fault" of the JSON report, null if
#                                      accepted; one line per input, in order.
#                                      With any fault line the case runs with
#                                      --json --report @TMP@/report.json added.
#              stderr REGEX            grep -E on standard error
#              stderr-not REGEX        must not match standard error
#              stdout REGEX            grep -E on standard output
#              stdout-not REGEX        must not match standard output
#              stdout-lines N          standard output has exactly N lines
#              no-output FILE          FILE must not exist afterwards
#              output-contains FILE REGEX   FILE exists and grep -E matches
#              only-files DIR [NAME...]     ls -A DIR is exactly these names
#            Blank lines and lines starting with '#' are ignored.
#
# Cases run with the project root as the working directory. With
# WSSEC_VALGRIND=1 every wssec run is under valgrind (memcheck); exit 97 is
# then a memory error or a definite leak.
#
# Prints "ok NN-name" or "FAIL NN-name: why" per case, then "N passed, M failed";
# exits 1 when any case failed, 2 on a usage error.
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 WSSEC_BINARY PROJECT_ROOT [CASE-GLOB...]" >&2
    exit 2
fi
WSSEC_BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT_DIR=$(cd "$2" && pwd)
shift 2
if [ ! -x "$WSSEC_BIN" ]; then
    echo "$0: $WSSEC_BIN is not an executable" >&2
    exit 2
fi
CASES_DIR=$(cd "$(dirname "$0")" && pwd)/cases

have_jq=0
command -v jq >/dev/null 2>&1 && have_jq=1

VALGRIND=()
TIMEOUT=60
if [ "${WSSEC_VALGRIND:-0}" = 1 ]; then
    VALGRIND=(valgrind -q --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite)
    TIMEOUT=600
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wssec-cli.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT

# The "fault" of each JSON report line, one per line, null for a JSON null.
json_faults() {
    if [ "$have_jq" = 1 ]; then
        jq -r 'if .fault == null then "null" else .fault end' "$1"
    else
        python3 -c '
import json, sys
for line in open(sys.argv[1]):
    if line.strip():
        f = json.loads(line).get("fault")
        print("null" if f is None else f)' "$1"
    fi
}

passed=0
failed=0

run_case() {
    local case=$1 name=${1##*/}
    local tmp=$WORK/$name
    mkdir -p "$tmp"
    local reasons=()

    subst() {
        local s=$1
        s=${s//@ROOT@/$ROOT_DIR}
        s=${s//@TMP@/$tmp}
        s=${s//@CASE@/$case}
        printf '%s' "$s"
    }

    if [ ! -f "$case/args" ] || [ ! -f "$case/expect" ]; then
        echo "FAIL $name: no args or expect file"
        failed=$((failed + 1))
        return
    fi

    # Expectations.
    local want_exit="" line key rest
    local faults=() checks=()
    while IFS= read -r line || [ -n "$line" ]; do
        line=$(subst "$line")
        read -r key rest <<<"$line"
        case "$key" in
        "" | "#"*) ;;
        exit) want_exit=$rest ;;
        fault) faults+=("$rest") ;;
        *) checks+=("$line") ;;
        esac
    done <"$case/expect"
    if [ -z "$want_exit" ]; then
        echo "FAIL $name: expect has no 'exit N' line"
        failed=$((failed + 1))
        return
    fi

    # Arguments.
    local args=()
    while IFS= read -r line || [ -n "$line" ]; do
        args+=("$(subst "$line")")
    done <"$case/args"
    if [ ${#faults[@]} -gt 0 ]; then
        args+=(--json --report "$tmp/report.json")
    fi

    # Environment.
    local envs=()
    if [ -f "$case/env" ]; then
        while IFS= read -r line || [ -n "$line" ]; do
            case "$line" in "" | "#"*) continue ;; esac
            envs+=("$(subst "$line")")
        done <"$case/env"
    fi

    local stdin_file=/dev/null
    [ -f "$case/stdin" ] && stdin_file=$case/stdin

    if [ -f "$case/setup" ]; then
        if ! (cd "$ROOT_DIR" && WSSEC=$WSSEC_BIN ROOT=$ROOT_DIR TMP=$tmp CASE=$case \
            bash -e "$case/setup") >"$WORK/$name.setup.out" 2>&1; then
            echo "FAIL $name: setup failed"
            sed 's/^/    | /' "$WORK/$name.setup.out"
            failed=$((failed + 1))
            return
        fi
    fi

    local out=$WORK/$name.stdout err=$WORK/$name.stderr status
    (cd "$ROOT_DIR" && env "${envs[@]}" timeout "$TIMEOUT" "${VALGRIND[@]}" "$WSSEC_BIN" "${args[@]}") \
        <"$stdin_file" >"$out" 2>"$err"
    status=$?

    if [ "$status" = 124 ]; then
        reasons+=("timed out after ${TIMEOUT}s")
    elif [ "${#VALGRIND[@]}" -gt 0 ] && [ "$status" = 97 ]; then
        reasons+=("valgrind reported errors (exit 97)")
    elif [ "$status" != "$want_exit" ]; then
        reasons+=("exit $status, expected $want_exit")
    fi

    if [ ${#faults[@]} -gt 0 ]; then
        if [ ! -f "$tmp/report.json" ]; then
            reasons+=("no JSON report written")
        else
            local got=()
            mapfile -t got < <(json_faults "$tmp/report.json" 2>&1)
            if [ "${#got[@]}" != "${#faults[@]}" ]; then
                reasons+=("${#got[@]} report(s) [${got[*]}], expected ${#faults[@]} [${faults[*]}]")
            else
                local i
                for i in "${!faults[@]}"; do
                    [ "${got[$i]}" = "${faults[$i]}" ] ||
                        reasons+=("report $((i + 1)): fault ${got[$i]}, expected ${faults[$i]}")
                done
            fi
        fi
    fi

    local c file re n
    for c in "${checks[@]}"; do
        read -r key rest <<<"$c"
        case "$key" in
        stderr) grep -Eq -- "$rest" "$err" || reasons+=("stderr does not match /$rest/") ;;
        stderr-not) grep -Eq -- "$rest" "$err" && reasons+=("stderr matches /$rest/") ;;
        stdout) grep -Eq -- "$rest" "$out" || reasons+=("stdout does not match /$rest/") ;;
        stdout-not) grep -Eq -- "$rest" "$out" && reasons+=("stdout matches /$rest/") ;;
        stdout-lines)
            n=$(wc -l <"$out" | tr -d ' ')
            [ "$n" = "$rest" ] || reasons+=("stdout has $n lines, expected $rest")
            ;;
        no-output) [ -e "$rest" ] && reasons+=("$rest exists") ;;
        output-contains)
            read -r file re <<<"$rest"
            if [ ! -f "$file" ]; then
                reasons+=("$file was not written")
            elif ! grep -Eq -- "$re" "$file"; then
                reasons+=("$file does not match /$re/")
            fi
            ;;
        only-files)
            local have want names=()
            read -r -a names <<<"$rest"
            file=${names[0]:-}
            have=$(cd "$file" 2>&1 && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | sort | tr '\n' ' ')
            want=$(printf '%s\n' "${names[@]:1}" | sed '/^$/d' | sort | tr '\n' ' ')
            [ "$have" = "$want" ] || reasons+=("$file holds [${have% }], expected [${want% }]")
            ;;
        *) reasons+=("unknown expectation '$key'") ;;
        esac
    done

    if [ -f "$case/check" ] && [ ${#reasons[@]} -eq 0 ]; then
        if ! (cd "$ROOT_DIR" && WSSEC=$WSSEC_BIN ROOT=$ROOT_DIR TMP=$tmp CASE=$case STATUS=$status \
            bash -e "$case/check") >"$WORK/$name.check.out" 2>&1; then
            reasons+=("check failed: $(tr '\n' ' ' <"$WORK/$name.check.out")")
        fi
    fi

    if [ ${#reasons[@]} -eq 0 ]; then
        echo "ok $name"
        passed=$((passed + 1))
    else
        local IFS=';'
        echo "FAIL $name: ${reasons[*]}"
        unset IFS
        if [ -s "$err" ]; then
            echo "    stderr:"
            sed 's/^/    | /' "$err"
        fi
        failed=$((failed + 1))
    fi
}

shopt -s nullglob
for case in "$CASES_DIR"/*/; do
    case=${case%/}
    if [ $# -gt 0 ]; then
        match=0
        for g in "$@"; do
            # shellcheck disable=SC2053
            [[ ${case##*/} == $g ]] && match=1
        done
        [ "$match" = 1 ] || continue
    fi
    run_case "$case"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
