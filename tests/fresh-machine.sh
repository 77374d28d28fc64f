#!/usr/bin/env bash
# Runs the README's two commands (scripts/demo.sh, then tests/run-all.sh) on a
# fresh, minimal Debian 12 root, as root, with nothing else installed: the
# check that the project's own files install everything it needs.
#
#   tests/fresh-machine.sh [--check]
#
#   --check   only tell whether this machine can run it (root, the Debian
#             mirror reachable, debootstrap there: it is installed if missing);
#             exit 0 if so
#
# How: a minimal root (debootstrap --variant=minbase bookworm, from the Debian
# mirror this machine's apt uses) is made once and kept as a tar file under
# $WSSEC_FRESH_CACHE (default /var/cache/wssec-fresh). Each run unpacks a
# pristine copy of it, puts the committed tree in (`git archive HEAD`, so
# commit first) at /src/wssec and ../shared beside it read-only (a bind
# mount) when there is one, mounts /proc, /sys, /dev, /dev/pts and /dev/shm,
# and runs each command in a chroot with a clean environment and a time
# limit. Downloaded .deb files are kept between runs (bind-mounted as the
# root's /var/cache/apt/archives; WSSEC_FRESH_DEB_CACHE=0 turns that off):
# the root itself starts bare each time. A policy-rc.d in the root stops
# package scripts from starting services (redis-server) in the host's
# network namespace; the tests start the servers they need themselves.
#
# After a run that passed, the root is removed (WSSEC_FRESH_KEEP=1 keeps it);
# after a failure it stays for a look. Exit status: 0 both commands passed;
# 1 one failed; 2 the root could not be made. Limits: WSSEC_FRESH_DEMO_TIMEOUT
# (s, default 1800), WSSEC_FRESH_TEST_TIMEOUT (s, default 3600). Logs:
# $cache/logs/.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${WSSEC_FRESH_CACHE:-/var/cache/wssec-fresh}
suite=bookworm
demo_timeout=${WSSEC_FRESH_DEMO_TIMEOUT:-1800}
test_timeout=${WSSEC_FRESH_TEST_TIMEOUT:-3600}
check_only=0
case ${1:-} in
  --check) check_only=1 ;;
  "") ;;
  -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
  *) echo "fresh-machine: unknown argument $1" >&2; exit 2 ;;
esac

say() { printf 'fresh-machine: %s\n' "$*"; }
die() { printf 'fresh-machine: %s\n' "$*" >&2; exit 2; }

[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, chroot, mount)"

# The Debian mirror (and security mirror) this machine's apt uses, unless
# WSSEC_FRESH_MIRROR / WSSEC_FRESH_SECURITY_MIRROR say otherwise.
apt_uris() {
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
      2>/dev/null |
    awk '/^[[:space:]]*#/ { next }
         /^[[:space:]]*deb[[:space:]]/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }
         /^URIs:/ { for (i = 2; i <= NF; i++) print $i }'
}
mirror=${WSSEC_FRESH_MIRROR:-$(apt_uris | grep -E '/debian/?$' | head -n1 || true)}
security=${WSSEC_FRESH_SECURITY_MIRROR:-$(apt_uris | grep -E '/debian-security/?$' | head -n1 || true)}
mirror=${mirror%/}; security=${security%/}
[ -n "$mirror" ] || die "no Debian mirror in this machine's apt sources (set WSSEC_FRESH_MIRROR)"

mirror_reachable() {
  local tmp; tmp=$(mktemp)
  if timeout 60 /usr/lib/apt/apt-helper download-file "$mirror/dists/$suite/InRelease" "$tmp" \
       >/dev/null 2>&1; then rm -f "$tmp"; return 0; fi
  rm -f "$tmp"; return 1
}

ensure_debootstrap() {
  command -v debootstrap >/dev/null && return 0
  say "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null 2>&1; }
}

if [ "$check_only" -eq 1 ]; then
  command -v chroot >/dev/null || die "no chroot program"
  mirror_reachable || die "the Debian mirror $mirror does not answer"
  ensure_debootstrap || die "debootstrap cannot be installed"
  say "can run (mirror $mirror)"
  exit 0
fi

mkdir -p "$cache/logs" "$cache/debs"
base=$cache/$suite-minbase.tar
root=$cache/root
t_start=$(date +%s)

# ---- the bare root, made once ----
if [ ! -s "$base" ]; then
  ensure_debootstrap || die "cannot install debootstrap"
  say "making the bare $suite root (debootstrap --variant=minbase, $mirror)"
  new=$cache/base.new
  rm -rf --one-file-system "$new"
  timeout 1800 debootstrap --variant=minbase "$suite" "$new" "$mirror" >"$cache/logs/debootstrap.log" 2>&1 ||
    { tail -n 20 "$cache/logs/debootstrap.log" >&2; die "debootstrap failed (see $cache/logs/debootstrap.log)"; }
  {
    echo "deb $mirror $suite main"
    echo "deb $mirror $suite-updates main"
    [ -z "$security" ] || echo "deb $security $suite-security main"
  } > "$new/etc/apt/sources.list"
  rm -rf "$new"/var/cache/apt/archives/*.deb "$new"/var/lib/apt/lists/*_* 2>/dev/null || true
  tar -C "$new" --numeric-owner -cf "$base.tmp" . && mv "$base.tmp" "$base"
  rm -rf --one-file-system "$new"
  say "bare root made in $(( $(date +%s) - t_start )) s ($(du -h "$base" | cut -f1)), cached as $base"
else
  say "bare $suite root from the cache ($base)"
fi

# ---- a pristine copy for this run ----
mounted() { awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts; }
unmount_all() {
  local m
  for m in $(mounted | sort -r); do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
}
kill_leftovers() {
  # processes still running inside the root (servers a test left behind)
  local p r
  for p in /proc/[0-9]*; do
    r=$(readlink "$p/root" 2>/dev/null) || continue
    if [ "$r" = "$root" ]; then kill -KILL "${p#/proc/}" 2>/dev/null || true; fi
  done
}
drop_root=0   # set when both commands passed: nothing in the root left to look at
cleanup() {
  kill_leftovers; sleep 1; unmount_all
  if [ "$drop_root" = 1 ] && [ -z "$(mounted)" ]; then rm -rf --one-file-system "$root"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cleanup
[ -z "$(mounted)" ] || die "something is still mounted under $root: $(mounted | tr '\n' ' ')"
rm -rf --one-file-system "$root"
mkdir -p "$root"
tar -C "$root" --numeric-owner -xpf "$base"
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"; chmod 755 "$root/usr/sbin/policy-rc.d"

mkdir -p "$root/src/wssec"
# (with the modes a clone gets under the usual umask, not git archive's 0002)
git -C "$here" -c tar.umask=0022 archive HEAD | tar -C "$root/src/wssec" -xf -
say "tree: $(git -C "$here" log -1 --format='%h %s' | cut -c1-100)"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
if [ "${WSSEC_FRESH_DEB_CACHE:-1}" != 0 ]; then
  mount --bind "$cache/debs" "$root/var/cache/apt/archives"
fi
if [ -d "$here/../shared" ]; then
  mkdir -p "$root/src/shared"
  mount --bind "$here/../shared" "$root/src/shared"
  mount -o remount,bind,ro "$root/src/shared"
  say "../shared beside the tree, read-only"
fi
say "ready in $(( $(date +%s) - t_start )) s"

# ---- the README's two commands ----
results=()
overall=0
run_in_root() {  # NAME TIMEOUT COMMAND
  local name=$1 limit=$2 cmd=$3 log="$cache/logs/$1.log" t0 rc
  say "running $cmd (limit ${limit} s, log $log)"
  t0=$(date +%s)
  set +e
  timeout -k 30 "$limit" chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      /bin/bash -c "cd /src/wssec && $cmd" </dev/null 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  local verdict=passed
  [ "$rc" -eq 0 ] || { verdict=FAILED; overall=1; }
  [ "$rc" -ne 124 ] || verdict="FAILED (timed out after ${limit} s)"
  results+=("$(printf '%-18s %s, exit code %s, %s s' "$cmd" "$verdict" "$rc" $(( $(date +%s) - t0 )))")
}
run_in_root demo "$demo_timeout" scripts/demo.sh
run_in_root run-all "$test_timeout" tests/run-all.sh

echo
say "summary (a bare Debian 12 root, as root, nothing else installed):"
for r in "${results[@]}"; do echo "  $r"; done
say "total $(( $(date +%s) - t_start )) s"
npass=0; nfail=0
for r in "${results[@]}"; do case $r in *" passed, exit code 0,"*) npass=$((npass + 1)) ;; *) nfail=$((nfail + 1)) ;; esac; done
echo "fresh-machine: $npass passed, $nfail failed"
[ "$overall" -ne 0 ] || [ "${WSSEC_FRESH_KEEP:-0}" = 1 ] || drop_root=1
exit "$overall"
