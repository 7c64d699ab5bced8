#!/usr/bin/env python3
"""Peak resident memory of `doublet serve` under the hostile requests of
issue 29, on loopback only, each scenario on a fresh server:

  numbers16   one 16 MB POST of `{"documents": [1,1,1,...]}`
  numbers16x2 two such POSTs at once
  numbers64   one 64 MiB POST of numbers (the default --max-body)
  ignored64   one valid document with an unknown field holding 64 MiB of
              numbers (what is not read must not be held either)
  prose16     one 16 MB query of real-looking documents (2,000 of 8 KB), for
              what an honest request of that size costs
  prose16add  the same as an add, into an empty index

Usage: serve_hostile.py DOUBLET [EXTRA SERVE FLAGS...]
Prints one line per scenario: status codes, seconds, VmHWM and VmRSS after.
Every request goes to 127.0.0.1, one or two at a time, and each scenario
stops after at most 120 s.
"""

import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time


def status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return fields


def mb(field):
    return int(field.split()[0]) / 1024


def post(addr, path, body, out, i):
    host, port = addr.rsplit(":", 1)
    start = time.time()
    try:
        s = socket.create_connection((host, int(port)), timeout=120)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        answer = bytearray()

        def send():
            try:
                s.sendall(head + body)
            except OSError:
                pass  # the server answered early and closed

        sender = threading.Thread(target=send)
        sender.start()
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
        sender.join()
        s.close()
        code = int(answer.split(b" ", 2)[1]) if answer else 0
    except OSError as e:
        code = f"error {e}"
    out[i] = (code, time.time() - start)


def prose(words, rng):
    vocab = (
        "the a of and to in that with for on was were their from by at as is had which "
        "minister council river harbour farmers station report winter budget village "
        "teachers market bridge museum library election festival weather company workers "
        "train school hospital said agreed planned opened closed raised visited expected "
        "announced built moved tuesday morning evening local new old small large public"
    ).split()
    return " ".join(rng.choice(vocab) for _ in range(words))


def scenario(binary, extra, name, bodies, path="/v1/query"):
    tmp = tempfile.mkdtemp(prefix="doublet-serve-rss-")
    ix = os.path.join(tmp, "ix")
    subprocess.run([binary, "index", "create", ix, "--no-clean"], check=True, capture_output=True)
    server = subprocess.Popen(
        [binary, "serve", ix, "--listen", "127.0.0.1:0", *extra],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stderr.readline()
        m = re.search(r"http://(\S+)", line)
        if not m:
            print(f"{name}: server did not start: {line.strip()}")
            return
        addr = m.group(1)
        time.sleep(0.3)
        before = mb(status(server.pid)["VmRSS"])
        out = [None] * len(bodies)
        threads = [
            threading.Thread(target=post, args=(addr, path, b, out, i))
            for i, b in enumerate(bodies)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        time.sleep(0.5)
        st = status(server.pid)
        print(
            f"{name:12} codes {[o[0] if o else None for o in out]} "
            f"seconds {[round(o[1], 2) if o else None for o in out]} "
            f"RSS before {before:.0f} MB, peak {mb(st['VmHWM']):.0f} MB, after {mb(st['VmRSS']):.0f} MB"
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def numbers(size):
    inner = b"1," * ((size - 20) // 2)
    return b'{"documents": [' + inner + b"1]}"


def main():
    binary, extra = sys.argv[1], sys.argv[2:]
    only = os.environ.get("ONLY")
    if only:
        global scenario
        run = scenario
        def scenario(b, e, name, bodies, path="/v1/query"):
            return run(b, e, name, bodies, path) if name == only else None
    n16 = numbers(16_000_000)
    scenario(binary, extra, "numbers16", [n16])
    scenario(binary, extra, "numbers16x2", [n16, n16])
    scenario(binary, extra, "numbers64", [numbers(64 * 1024 * 1024 - 16)])
    inner = b"1," * ((64 * 1024 * 1024 - 100) // 2)
    ignored = b'{"documents": [{"id": "a", "text": "a few words", "extra": [' + inner + b"1]}]}"
    scenario(binary, extra, "ignored64", [ignored])
    rng = random.Random(7)
    docs = [{"id": f"d{i}", "text": prose(1300, rng)} for i in range(2000)]
    body = json.dumps({"documents": docs}).encode()
    scenario(binary, extra, "prose16", [body])
    scenario(binary, extra, "prose16add", [body], "/v1/add")


if __name__ == "__main__":
    main()
