#!/usr/bin/env python3
"""The backend of tests/gateway/run.sh: answers every POST with what it
received (the body, as text/xml) and appends one JSON line per request
(path, headers, body) to LOG, so the test can tell exactly what reached it.

    backend.py PORT LOG LIFETIME_SECONDS

Listens on 127.0.0.1 only and exits by itself after LIFETIME_SECONDS.
"""
import http.server
import json
import os
import sys
import threading


class Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        rec = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
               "chunked": "transfer-encoding" in {k.lower() for k in self.headers.keys()},
               "body": body.decode("utf-8", "replace")}
        with open(LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec) + "\n")
        self.send_response(200)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port, LOG, life = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Echo)
    threading.Timer(life, lambda: os._exit(0)).start()
    srv.serve_forever()
