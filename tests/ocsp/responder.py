#!/usr/bin/env python3
"""An OCSP responder on loopback for the tests: an HTTP server bound to
127.0.0.1 only that hands each POSTed request to `openssl ocsp` (which
signs the answer: OpenSSL 3.0's own `openssl ocsp -port` listens on every
interface) and sends back its response.

    responder.py --port-file F [--port N] [--count-file C] [--delay S]
                 [--garbage] [--lifetime S] -- OPENSSL-OCSP-ARGS...

--port 0 (the default) takes a free port and writes it to --port-file (the
file appears once the server listens). --count-file gets one line per
request answered. --delay waits S seconds before answering (a timeout
test); --garbage answers with bytes that are not an OCSP response; --replay
answers every request with the first response it made (another nonce). The
server stops by itself after --lifetime seconds (default 120), whatever
happens to the test that started it.
"""
import argparse
import http.server
import os
import signal
import subprocess
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--count-file")
    ap.add_argument("--delay", type=float, default=0)
    ap.add_argument("--garbage", action="store_true")
    ap.add_argument("--replay", action="store_true")
    ap.add_argument("--lifetime", type=int, default=120)
    ap.add_argument("ocsp", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    ocsp_args = a.ocsp[1:] if a.ocsp[:1] == ["--"] else a.ocsp
    signal.signal(signal.SIGALRM, lambda *_: os._exit(0))
    signal.alarm(a.lifetime)

    saved = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            if n <= 0 or n > 65536:
                self.send_error(400)
                return
            body = self.rfile.read(n)
            with tempfile.TemporaryDirectory() as d:
                req, resp = os.path.join(d, "req.der"), os.path.join(d, "resp.der")
                with open(req, "wb") as f:
                    f.write(body)
                r = subprocess.run(["openssl", "ocsp", "-reqin", req, "-respout", resp]
                                   + ocsp_args, capture_output=True, timeout=30)
                if r.returncode != 0 or not os.path.exists(resp):
                    sys.stderr.write(r.stderr.decode(errors="replace"))
                    self.send_error(500)
                    return
                with open(resp, "rb") as f:
                    out = f.read()
            if a.replay:
                if not saved:
                    saved.append(out)
                out = saved[0]
            if a.garbage:
                out = b"this is not an OCSP response"
            if a.count_file:
                with open(a.count_file, "a") as f:
                    f.write("request\n")
            if a.delay:
                time.sleep(a.delay)
            self.send_response(200)
            self.send_header("Content-Type", "application/ocsp-response")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

    srv = http.server.HTTPServer(("127.0.0.1", a.port), Handler)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.replace(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
