#!/usr/bin/env python3
"""What curl cannot do for tests/gateway/run.sh: holding connections open.

    client.py replay PORT PATH FILE
        Sends FILE on one keep-alive connection, keeps that connection open
        (its httpd child stays on it, waiting), then sends FILE again on a
        second connection, which prefork must give to another child. Prints
        the two HTTP statuses.
    client.py keepalive PORT PATH FILE1 FILE2
        Sends FILE1 then FILE2 on one keep-alive connection; prints the two
        HTTP statuses and whether the connection was still open after them.
    client.py slow PORT PATH
        Sends the headers of a 4000-byte body and 10 bytes of it, then
        nothing; prints the status httpd answers with (mod_reqtimeout), or
        "closed", and the seconds it took; "timeout" after 8 s.
    client.py early PORT PATH cl|chunked BYTES
        Starts a request whose body is larger than the gateway accepts and
        sends only BYTES of it ("cl": announces 100 MB with Content-Length;
        "chunked": chunked, BYTES of chunks and no last chunk), then waits
        for the answer without sending the rest. Prints the status, or
        "timeout" when none came within 5 s.
"""
import http.client
import socket
import sys


def replay(port, path, file):
    body = open(file, "rb").read()
    hdr = {"Content-Type": "text/xml; charset=utf-8"}
    a = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    a.request("POST", path, body, hdr)
    ra = a.getresponse()
    ra.read()
    b = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    b.request("POST", path, body, hdr)
    rb = b.getresponse()
    rb.read()
    print(ra.status, rb.status)
    b.close()
    a.close()


def keepalive(port, path, f1, f2):
    hdr = {"Content-Type": "text/xml; charset=utf-8"}
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    out = []
    for f in (f1, f2):
        c.request("POST", path, open(f, "rb").read(), hdr)
        r = c.getresponse()
        r.read()
        out.append(str(r.status))
        if r.will_close:
            out.append("closed")
            break
    print(" ".join(out))
    c.close()


def slow(port, path):
    import time
    s = socket.create_connection(("127.0.0.1", port), timeout=8)
    t0 = time.time()
    s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n"
               "Content-Length: 4000\r\n\r\n<soap:Envel" % path).encode())
    try:
        data = s.recv(4096)
        print(data.split(b" ")[1].decode() if data else "closed", "%.0f" % (time.time() - t0))
    except socket.timeout:
        print("timeout")
    s.close()


def early(port, path, how, n):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    head = "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n" % path
    if how == "cl":
        head += "Content-Length: 100000000\r\n\r\n"
        s.sendall(head.encode() + b"<" * n)
    else:
        head += "Transfer-Encoding: chunked\r\n\r\n"
        s.sendall(head.encode())
        chunk = b"%x\r\n%s\r\n" % (4096, b" " * 4096)
        for _ in range(n // 4096):
            s.sendall(chunk)
    try:
        data = s.recv(4096)
        print(data.split(b" ")[1].decode() if data else "closed")
    except socket.timeout:
        print("timeout")
    s.close()


if __name__ == "__main__":
    if sys.argv[1] == "replay":
        replay(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    elif sys.argv[1] == "slow":
        slow(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "keepalive":
        keepalive(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
    else:
        early(int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]))
