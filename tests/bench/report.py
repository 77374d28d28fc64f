#!/usr/bin/env python3
"""Side-by-side report of a benchmark run (issue #9).

    report.py --out RESULTS.md [--peers PEERS.txt] [--command CMD] wssec.jsonl [wss4j.jsonl] [gsoap.jsonl]

Reads the JSON lines written by wssec_bench (impl "wssec", "limit", "meta"), BenchWss4j
(impl "wss4j") and gsoap_bench (impl "gsoap"), prints one table with each case's rate, its
ratio to the bound the machine's limits imply, and the wssec/WSS4J and wssec/gSOAP ratios,
then the limits, the scaling and the targets of the issue; writes the same as Markdown.
PEERS.txt holds one line per peer that was not measured: "NAME: not measured (reason)".
"""
import argparse
import json
import sys

CASES = ["secure", "verify", "verify-nocache", "encrypt", "decrypt", "secure+encrypt",
         "decrypt+verify", "ut-generate", "ut-validate"]
# the peer row each wssec case is compared with (peers have no certificate cache)
PEER_CASE = {"verify-nocache": "verify"}


def load(paths):
    rows, meta = [], {}
    for p in paths:
        try:
            with open(p, encoding="utf-8") as f:
                for line in f:
                    line = line.strip()
                    if not line.startswith("{"):
                        continue
                    try:
                        r = json.loads(line)
                    except ValueError:
                        continue
                    if r.get("impl") == "meta":
                        tool = r.get("tool", "wssec_bench")
                        meta.setdefault(tool, {}).update(r)
                    else:
                        rows.append(r)
        except OSError:
            pass
    return rows, meta


def find(rows, impl, case, size, threads=1, input_=None):
    for r in rows:
        if (r.get("impl") == impl and r.get("case") == case and r.get("size") == size
                and r.get("threads", 1) == threads and (input_ is None or r.get("input") == input_)):
            return r
    return None


def rate(r):
    return r.get("ops_per_s") if r and r.get("status") == "ok" else None


def fmt_rate(v):
    if v is None:
        return "-"
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return "%.2f" % v


def fmt_ratio(v):
    return "-" if v is None else "%.2f" % v


def status_text(r):
    if r is None:
        return "-"
    if r.get("status") == "ok":
        return None
    return "n/a" if r.get("status") == "n/a" else "ERROR"


def sizes_of(rows):
    order = []
    for r in rows:
        if r.get("impl") == "wssec" and r.get("size") not in order:
            order.append(r["size"])
    return order


def group(where):
    """ "verify 2K, 20K; secure 20M" from [(case, size), ...], in first-seen order."""
    by = {}
    for case, size in where:
        by.setdefault(case, [])
        if size not in by[case]:
            by[case].append(size)
    return "; ".join("%s %s" % (c, ", ".join(s)) for c, s in by.items())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out")
    ap.add_argument("--peers")
    ap.add_argument("--command", default="tests/bench/run.sh")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    rows, meta = load(a.files)
    peers_missing = []
    if a.peers:
        try:
            with open(a.peers, encoding="utf-8") as f:
                peers_missing = [l.strip() for l in f if l.strip()]
        except OSError:
            pass
    wm = meta.get("wssec_bench", {})
    jm = meta.get("BenchWss4j", {})
    gm = meta.get("gsoap_bench", {})
    out = []

    def p(s=""):
        out.append(s)

    p("# wssec benchmark results")
    p()
    p("Machine: %s. Date: %s (UTC). Load average at start %s, at end %s (this machine is "
      "shared: other work shows as spread)." % (wm.get("machine", "?"), wm.get("date", "?"),
                                               wm.get("loadavg", "?"), wm.get("loadavg_end", "?")))
    p()
    p("wssec %s with libxml2 %s, xmlsec1 1.2.37, %s; WSS4J %s on %s; gSOAP %s. "
      "Each case: %s repetitions of %s s after warm-up, median and spread (max-min)/median; "
      "peak RSS is the case's own high-water mark." % (
          wm.get("wssec", "?"), wm.get("libxml2", "?"), wm.get("openssl", "?"),
          jm.get("wss4j", "-"), jm.get("java", "-"), gm.get("gsoap", "-"),
          wm.get("reps", "?"), wm.get("time_s", "?")))
    p()
    p("Reproduce: `%s`" % a.command)
    p()
    for m in peers_missing:
        p("- %s" % m)
    if peers_missing:
        p()

    # ---- the side-by-side table
    p("## Throughput, one thread (messages/s)")
    p()
    p("| case | size | wssec | spread | peak RSS | bound | wssec/bound | WSS4J | wssec/WSS4J | gSOAP | wssec/gSOAP |")
    p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    notes = {}
    for case in CASES:
        for size in sizes_of(rows):
            w = find(rows, "wssec", case, size)
            if w is None:
                continue
            j = find(rows, "wss4j", PEER_CASE.get(case, case), size)
            g = find(rows, "gsoap", PEER_CASE.get(case, case), size)
            wr, jr, gr = rate(w), rate(j), rate(g)
            cells = [case, size]
            st = status_text(w)
            if st:
                cells += [st if st == "n/a" else "ERROR (below)", "", "", "", ""]
            else:
                peak = w.get("peak_rss_kb")
                cells += [fmt_rate(wr), "%.0f%%" % w.get("spread_pct", 0),
                          "%.0f MB" % (peak / 1024) if peak and peak > 0 else "-",
                          fmt_rate(w.get("bound_ops_per_s")), fmt_ratio(w.get("ratio_to_bound"))]
            for peer, r, rr in (("WSS4J", j, jr), ("gSOAP", g, gr)):
                pst = status_text(r)
                if r is not None and r.get("note") and case == PEER_CASE.get(case, case):
                    notes.setdefault((peer, r.get("note")), []).append((case, size))
                if pst:
                    cells += [pst, "-"]
                else:
                    cells += [fmt_rate(rr), fmt_ratio(wr / rr if wr and rr else None)]
            p("| " + " | ".join(cells) + " |")
    p()
    p("Bounds (1 / the time floor, from the limits below, measured in the same run): "
      "secure = parse(plain) + RSA private + SHA-256(message); verify = parse(signed) + RSA "
      "public + SHA-256(message); encrypt = parse(plain) + RSA-OAEP encrypt + AES-256-GCM; "
      "decrypt = parse(encrypted) + RSA-OAEP decrypt + AES-256-GCM; the combined cases add "
      "their parts; ut-generate = parse(plain); ut-validate = parse(ut). WSS4J and gSOAP have "
      "no certificate cache: verify-nocache is compared with their verify.")
    p()
    if notes:
        p("Peer notes:")
        p()
        for (peer, note), where in notes.items():
            p("- %s, %s: %s" % (peer, group(where), note))
        p()
    errors = {}
    for r in rows:
        if r.get("status") == "error":
            errors.setdefault((r.get("impl"), r.get("note")), []).append((r.get("case"), r.get("size")))
    if errors:
        p("Errors:")
        p()
        for (impl, note), where in errors.items():
            if "Huge input lookup" in (note or ""):
                note += (" (wssec hands libxml2 the whole message in one xmlParseChunk, which "
                         "libxml2 2.9 refuses beyond 10 MB: tests/bench/PROFILE.md, P2)")
            p("- %s, %s: %s" % (impl, group(where), note))
        p()

    # ---- limits
    p("## The machine's limits (same run)")
    p()
    p("| operation | ops/s | spread |")
    p("|---|---:|---:|")
    for name, what in (("rsa2048-sign", "RSA-2048 private (sign, alice.key)"),
                       ("rsa2048-verify", "RSA-2048 public (verify, alice.crt)"),
                       ("rsa2048-oaep-encrypt", "RSA-2048 OAEP encrypt (server.crt)"),
                       ("rsa2048-oaep-decrypt", "RSA-2048 OAEP decrypt (server.key)")):
        r = find(rows, "limit", name, "-")
        if r and r.get("status") == "ok":
            p("| %s | %s | %.1f%% |" % (what, fmt_rate(rate(r)), r.get("spread_pct", 0)))
    for name, what in (("java-rsa2048-sign", "Java 17 RSA-2048 private (SHA256withRSA, alice's key)"),
                       ("java-rsa2048-verify", "Java 17 RSA-2048 public (SHA256withRSA, alice.crt)")):
        r = find(rows, "wss4j-limit", name, "-")
        if r and r.get("status") == "ok":
            p("| %s | %s | %.1f%% |" % (what, fmt_rate(rate(r)), r.get("spread_pct", 0)))
    p()
    p("| size | SHA-256 | AES-256-GCM | parse plain | parse signed | parse ut | parse encrypted | parse enc+signed |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|")
    for size in sizes_of(rows):
        sha, aes = find(rows, "limit", "sha256", size), find(rows, "limit", "aes256-gcm", size)
        cells = [size,
                 "%.0f MB/s" % sha["mb_per_s"] if sha and sha.get("mb_per_s") else "-",
                 "%.0f MB/s" % aes["mb_per_s"] if aes and aes.get("mb_per_s") else "-"]
        for inp in ("plain", "signed", "ut", "encrypted", "encrypted+signed"):
            cells.append(fmt_rate(rate(find(rows, "limit", "parse", size, input_=inp))) + "/s"
                         if rate(find(rows, "limit", "parse", size, input_=inp)) else "-")
        p("| " + " | ".join(cells) + " |")
    p()

    # ---- scaling
    sc = [r for r in rows if r.get("impl") == "wssec" and r.get("case") == "verify-scaling"]
    if sc:
        p("## Scaling: verify on 1 and 2 threads sharing one context")
        p()
        p("| size | 1 thread | 2 threads | speed-up |")
        p("|---|---:|---:|---:|")
        for size in sorted(set(r["size"] for r in sc), key=lambda s: [x["size"] for x in sc].index(s)):
            one = rate(find(rows, "wssec", "verify-scaling", size, 1))
            two = rate(find(rows, "wssec", "verify-scaling", size, 2))
            p("| %s | %s | %s | %s |" % (size, fmt_rate(one), fmt_rate(two),
                                         "%.2fx" % (two / one) if one and two else "-"))
        p()

    # ---- targets
    p("## Targets of issue #9 (2 KB, one thread)")
    p()
    p("| target | measured | status |")
    p("|---|---|---|")

    def target(name, value, ok, text):
        p("| %s | %s | %s |" % (name, text or "not measured",
                               ("met" if ok else "**not met**") if value is not None else "-"))

    s2, v2 = find(rows, "wssec", "secure", "2K"), find(rows, "wssec", "verify", "2K")
    d2, priv = find(rows, "wssec", "decrypt", "2K"), find(rows, "limit", "rsa2048-sign", "-")
    j2, g2 = find(rows, "wss4j", "verify", "2K"), find(rows, "gsoap", "verify", "2K")
    x = rate(s2) / rate(priv) if rate(s2) and rate(priv) else None
    target("sign >= 0.9 x RSA-2048 private rate", x, x is not None and x >= 0.9,
           "%.2f (%s / %s)" % (x, fmt_rate(rate(s2)), fmt_rate(rate(priv))) if x else "")
    x = v2.get("ratio_to_bound") if v2 and v2.get("status") == "ok" else None
    target("verify (full trust validation) >= 0.8 x bound", x, x is not None and x >= 0.8,
           "%.2f" % x if x is not None else "")
    x = rate(v2) / rate(j2) if rate(v2) and rate(j2) else None
    target("verify >= 1.8 x WSS4J", x, x is not None and x >= 1.8,
           "%.2f (%s / %s)" % (x, fmt_rate(rate(v2)), fmt_rate(rate(j2))) if x else "")
    x = rate(v2) / rate(g2) if rate(v2) and rate(g2) else None
    target("verify >= 4 x gSOAP", x, x is not None and x >= 4,
           "%.2f (%s / %s)" % (x, fmt_rate(rate(v2)), fmt_rate(rate(g2))) if x else "")
    x = d2.get("ratio_to_bound") if d2 and d2.get("status") == "ok" else None
    target("decrypt >= 0.8 x bound", x, x is not None and x >= 0.8,
           "%.2f" % x if x is not None else "")
    v20 = find(rows, "wssec", "verify", "20M")
    x = None
    if v20 and v20.get("status") == "ok" and v20.get("peak_rss_kb", 0) > 0:
        x = v20["peak_rss_kb"] * 1024.0 / v20["bytes"]
    target("20 MB verified with peak memory < 4 x its size", x, x is not None and x < 4,
           "%.2f x (%.0f MB)" % (x, v20["peak_rss_kb"] / 1024) if x else
           ("verify 20M: %s" % v20.get("note") if v20 and v20.get("status") != "ok" else ""))
    p()
    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
