#!/usr/bin/env python3
"""Bounded load test of `doublet serve` on loopback (standard library only).

    python3 bench/index_load.py --index DIR --corpus FILE.jsonl \
        [--clients 4] [--seconds 60] [--batch 1] [--mode query|mixed] [--port 0]

Starts `doublet serve DIR --listen 127.0.0.1:PORT` (PORT 0: the kernel picks
one, read back from the server's "serving ... on http://ADDR" line), or, with
--url, targets a server already running. Query documents are read from the
corpus (JSON Lines with "id" and "text"): the last --queries records, or
--queries records from line --skip on, so that some duplicate indexed
documents and some are new. They are sent under fresh ids q-<n>.

--clients threads each keep one HTTP/1.1 connection open (reconnecting after
an error) and send POST /v1/query with --batch documents, back to back, for
--seconds (after --warmup seconds that are not counted). In --mode mixed one
more thread sends POST /v1/add batches of --add-batch documents (fresh ids
a-<run>-<n>, texts from a different slice of the corpus) back to back over
the same time, timed separately; query latency is also split by whether an
add was in flight, to show queries proceed while adds are written.

Mixed mode writes to the index: run it on a copy if the index matters.

At the end: requests, errors by status, requests/s, documents/s, latency
p50/p90/p99/max (ms), the share of queried documents answered as removed
(duplicates found), machine facts, the date and the command; --json OUT
writes the same numbers. A server this script started is stopped with
SIGTERM and must exit 0. Exit status: 0 when every request was answered
200, the answers matched the requests and the server (if started here)
exited 0; 1 otherwise.
"""

import argparse
import bisect
import collections
import datetime
import http.client
import json
import os
import platform
import queue
import re
import shlex
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BIN = os.path.join(os.path.dirname(HERE), "target", "release", "doublet")


def parse_args():
    p = argparse.ArgumentParser(
        description="Bounded load test of `doublet serve` on loopback.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--index", help="index folder to serve (not needed with --url)")
    p.add_argument("--url", help="target a running server, e.g. http://127.0.0.1:7474, instead of starting one")
    p.add_argument("--corpus", required=True, help="JSON Lines file with id and text")
    p.add_argument("--clients", type=int, default=4, help="query client threads")
    p.add_argument("--seconds", type=float, default=60, help="measured duration")
    p.add_argument("--warmup", type=float, default=2, help="seconds of load before measuring (not counted)")
    p.add_argument("--batch", type=int, default=1, help="documents per query request")
    p.add_argument("--mode", choices=["query", "mixed"], default="query")
    p.add_argument("--port", type=int, default=0, help="port for the started server (0: any free port)")
    p.add_argument("--queries", type=int, default=2000, help="query documents read from the corpus")
    p.add_argument("--skip", type=int, default=None,
                   help="read query documents from this line (0-based) on; default: the last --queries lines")
    p.add_argument("--add-batch", type=int, default=100, help="documents per add request (mixed mode)")
    p.add_argument("--add-records", type=int, default=2000,
                   help="corpus records the add thread cycles through (fresh ids every time)")
    p.add_argument("--add-skip", type=int, default=None,
                   help="line the add records start at; default: the lines after the query slice, "
                        "or, if the corpus ends there, the lines before it")
    p.add_argument("--threads", type=int, default=None, help="pass --threads N to the started server")
    p.add_argument("--server-arg", action="append", default=[],
                   help="extra argument for `doublet serve` (repeatable), e.g. --server-arg=--timeout=120")
    p.add_argument("--doublet", default=os.environ.get("DOUBLET", DEFAULT_BIN), help="doublet binary")
    p.add_argument("--timeout", type=float, default=120, help="client socket timeout, seconds")
    p.add_argument("--json", metavar="OUT", help="write the numbers to this file")
    a = p.parse_args()
    if not a.url and not a.index:
        p.error("give --index DIR (to start a server) or --url URL")
    for name in ("clients", "batch", "queries", "add_batch", "add_records"):
        if getattr(a, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if a.batch > a.queries:
        p.error("--batch is larger than --queries: a request would repeat an id")
    if a.mode == "mixed" and a.add_batch > a.add_records:
        p.error("--add-batch is larger than --add-records")
    if a.seconds <= 0 or a.warmup < 0:
        p.error("--seconds must be positive and --warmup not negative")
    return a


# ---------------------------------------------------------------- corpus


def count_lines(path):
    n = 0
    last = b"\n"
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 22)
            if not chunk:
                break
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (last != b"\n")


def read_lines(path, start, count):
    """The texts of lines [start, start + count) that hold a record with a string text."""
    texts, bad = [], 0
    with open(path, "rb") as f:
        for i, line in enumerate(f):
            if i < start:
                continue
            if i >= start + count:
                break
            try:
                rec = json.loads(line)
                text = rec["text"]
                if not isinstance(text, str):
                    raise TypeError
            except (ValueError, KeyError, TypeError):
                bad += 1
                continue
            texts.append(text)
    return texts, bad


def load_corpus(a):
    total = count_lines(a.corpus)
    q_start = a.skip if a.skip is not None else max(0, total - a.queries)
    q_end = min(total, q_start + a.queries)
    if q_start >= total:
        sys.exit(f"--skip {q_start}: the corpus has only {total} lines")
    queries, q_bad = read_lines(a.corpus, q_start, q_end - q_start)
    info = {"corpus_lines": total, "query_lines": [q_start, q_end], "query_documents": len(queries),
            "query_lines_skipped_malformed": q_bad}
    if len(queries) < a.batch:
        sys.exit(f"only {len(queries)} query documents read, fewer than --batch {a.batch}")
    adds = []
    if a.mode == "mixed":
        if a.add_skip is not None:
            s = a.add_skip
        elif q_end + a.add_batch <= total:
            s = q_end
        else:
            s = max(0, q_start - a.add_records)
        e = min(total, s + a.add_records)
        if s < q_end and q_start < e:
            print(f"warning: add lines [{s}, {e}) overlap query lines [{q_start}, {q_end})", file=sys.stderr)
        adds, a_bad = read_lines(a.corpus, s, e - s)
        info.update({"add_lines": [s, e], "add_documents": len(adds), "add_lines_skipped_malformed": a_bad})
        if len(adds) < a.add_batch:
            sys.exit(f"only {len(adds)} add documents read, fewer than --add-batch {a.add_batch}")
    return queries, adds, info


# ---------------------------------------------------------------- server


class Server:
    """`doublet serve` started here, its stderr collected."""

    def __init__(self, a):
        self.cmd = [a.doublet, "serve", a.index, "--listen", f"127.0.0.1:{a.port}"]
        if a.threads:
            self.cmd += ["--threads", str(a.threads)]
        self.cmd += a.server_arg
        if not os.path.exists(a.doublet):
            sys.exit(f"{a.doublet}: not found; build it with `cargo build --release -p doublet-cli`")
        self.lines = []
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, errors="replace")
        started = queue.Queue()

        def drain():
            for line in self.proc.stderr:
                line = line.rstrip("\n")
                self.lines.append(line)
                m = re.search(r"doublet: serving .* on http://(\S+)$", line)
                if m:
                    started.put(m.group(1))
            started.put(None)

        self.reader = threading.Thread(target=drain, daemon=True)
        self.reader.start()
        try:
            addr = started.get(timeout=60)
        except queue.Empty:
            addr = None
        if addr is None:
            self.proc.kill()
            self.proc.wait()
            sys.exit("the server did not start:\n  " + "\n  ".join(self.lines))
        host, _, port = addr.rpartition(":")
        self.host, self.port = host, int(port)

    def cpu_seconds(self):
        """User + system CPU time of the server so far (Linux /proc), or None."""
        try:
            with open(f"/proc/{self.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            self.lines.append("(load test: no exit 120 s after SIGTERM; killed)")
        self.reader.join(timeout=5)
        return rc


# ---------------------------------------------------------------- HTTP


def get_json(host, port, path, timeout=30):
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError(f"GET {path}: {r.status} {body[:300]!r}")
        return json.loads(body)
    finally:
        conn.close()


def wait_healthy(host, port, seconds=30):
    deadline = time.monotonic() + seconds
    while True:
        try:
            if get_json(host, port, "/healthz", timeout=5).get("status") == "ok":
                return
        except (OSError, RuntimeError, ValueError, http.client.HTTPException):
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)


class Result:
    """One client thread's record."""

    def __init__(self, kind):
        self.kind = kind
        self.latency = []  # seconds, measured 200 answers
        self.spans = []  # (start, end) of measured 200 answers
        self.statuses = collections.Counter()  # measured requests
        self.documents = 0  # in measured 200 answers
        self.removed = 0
        self.relations = collections.Counter()
        self.mismatched = 0  # 200 answers whose ids do not match the request
        self.connects = 0
        self.error_samples = []
        self.last_end = 0.0
        self.warmup_requests = 0


def client(kind, host, port, path, make_batch, start_at, measure_from, stop_at, timeout, result):
    """Send batches back to back until stop_at; measure those started after measure_from."""
    conn = None
    headers = {"Content-Type": "application/json"}
    while time.perf_counter() < start_at:
        time.sleep(0.001)
    while True:
        t0 = time.perf_counter()
        if t0 >= stop_at:
            break
        ids, body = make_batch()
        data = b""
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
                conn.connect()
                result.connects += 1
            conn.request("POST", path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            status = resp.status
            if resp.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as e:
            status = f"error:{type(e).__name__}"
            data = str(e).encode()
            if conn is not None:
                conn.close()
            conn = None
        t1 = time.perf_counter()
        if status != 200 and not isinstance(status, int):
            time.sleep(0.05)  # do not spin on a dead server
        if t0 < measure_from:
            result.warmup_requests += 1
            continue
        result.statuses[status] += 1
        result.last_end = max(result.last_end, t1)
        if status != 200:
            sample = f"{status}: {data[:300].decode('utf-8', 'replace')}"
            if len(result.error_samples) < 5 and sample not in result.error_samples:
                result.error_samples.append(sample)
            continue
        result.latency.append(t1 - t0)
        result.spans.append((t0, t1))
        try:
            docs = json.loads(data)["documents"]
            got = [d["id"] for d in docs]
        except (ValueError, KeyError, TypeError):
            result.mismatched += 1
            continue
        if got != ids:
            result.mismatched += 1
        result.documents += len(docs)
        for d in docs:
            if not d.get("kept", True):
                result.removed += 1
                result.relations[d.get("relation")] += 1
    if conn is not None:
        conn.close()


class Batches:
    """Request bodies: pre-encoded texts under ids made per request."""

    def __init__(self, texts, batch, prefix, fresh, offset=0):
        self.texts = [json.dumps(t).encode() for t in texts] if texts and isinstance(texts[0], str) else texts
        self.batch, self.prefix, self.fresh = batch, prefix, fresh
        self.pos = offset % len(self.texts)
        self.serial = 0

    def __call__(self):
        ids, parts = [], []
        n = len(self.texts)
        for _ in range(self.batch):
            i = self.pos
            self.pos = (self.pos + 1) % n
            if self.fresh:  # adds: an id never used before
                ident = f"{self.prefix}{self.serial}"
                self.serial += 1
            else:  # queries: the record's own id; nothing is stored
                ident = f"{self.prefix}{i}"
            ids.append(ident)
            parts.append(b'{"id":"' + ident.encode() + b'","text":' + self.texts[i] + b"}")
        return ids, b'{"documents":[' + b",".join(parts) + b"]}"


# ---------------------------------------------------------------- summary


def summarize_latency(xs):
    if not xs:
        return None
    ms = sorted(x * 1000 for x in xs)
    if len(ms) >= 2:
        q = statistics.quantiles(ms, n=100, method="inclusive")
        p50, p90, p99 = q[49], q[89], q[98]
    else:
        p50 = p90 = p99 = ms[0]
    return {"n": len(ms), "mean": statistics.fmean(ms), "p50": p50, "p90": p90, "p99": p99,
            "min": ms[0], "max": ms[-1]}


def merge(results, elapsed, batch):
    lat = [x for r in results for x in r.latency]
    statuses = collections.Counter()
    relations = collections.Counter()
    for r in results:
        statuses.update(r.statuses)
        relations.update(r.relations)
    requests = sum(statuses.values())
    ok = statuses.get(200, 0)
    documents = sum(r.documents for r in results)
    removed = sum(r.removed for r in results)
    return {
        "requests": requests,
        "ok": ok,
        "errors": {str(k): v for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0])) if k != 200},
        "requests_per_s": requests / elapsed if elapsed > 0 else 0.0,
        "documents": documents,
        "documents_per_s": documents / elapsed if elapsed > 0 else 0.0,
        "batch": batch,
        "latency_ms": summarize_latency(lat),
        "removed": removed,
        "removed_share": removed / documents if documents else None,
        "removed_by_relation": dict(relations),
        "mismatched_answers": sum(r.mismatched for r in results),
        "connections_opened": sum(r.connects for r in results),
        "warmup_requests": sum(r.warmup_requests for r in results),
        "error_samples": list(dict.fromkeys(s for r in results for s in r.error_samples))[:5],
    }


def split_by_adds(query_results, add_result):
    """Query latency split by whether an add was being answered meanwhile."""
    adds = sorted(add_result.spans)
    starts = [s for s, _ in adds]
    during, alone = [], []
    for r in query_results:
        for (t0, t1), lat in zip(r.spans, r.latency):
            # an add [s, e) overlaps [t0, t1) if s < t1 and e > t0; adds do not overlap each other
            k = bisect.bisect_left(starts, t1) - 1
            overlaps = k >= 0 and adds[k][1] > t0
            (during if overlaps else alone).append(lat)
    return {"during_add": summarize_latency(during), "no_add_in_flight": summarize_latency(alone)}


def fmt_lat(s):
    if not s:
        return "n/a"
    return (f"p50 {s['p50']:.1f}  p90 {s['p90']:.1f}  p99 {s['p99']:.1f}  max {s['max']:.1f} ms"
            f"  (mean {s['mean']:.1f}, n={s['n']})")


def machine_facts():
    facts = {
        "nproc": os.cpu_count(),
        "machine": platform.machine(),
        "system": platform.platform(),
        "python": platform.python_version(),
    }
    try:
        facts["usable_cpus"] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    facts["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        facts["loadavg_at_start"] = list(os.getloadavg())
    except OSError:
        pass
    return facts


def print_kind(title, m):
    print(f"{title}:")
    errs = ", ".join(f"{k}: {v}" for k, v in m["errors"].items()) or "none"
    print(f"  requests       {m['requests']} ({m['ok']} answered 200; errors: {errs})")
    print(f"  requests/s     {m['requests_per_s']:.1f}")
    print(f"  documents/s    {m['documents_per_s']:.1f}  ({m['documents']} documents, {m['batch']} per request)")
    print(f"  latency        {fmt_lat(m['latency_ms'])}")
    if m["mismatched_answers"]:
        print(f"  MISMATCHED     {m['mismatched_answers']} answers whose ids differ from the request")
    for s in m["error_samples"]:
        print(f"  error sample   {s}")


def main():
    a = parse_args()
    command = shlex.join(["python3"] + sys.argv)
    started = datetime.datetime.now(datetime.timezone.utc).astimezone()
    facts = machine_facts()

    queries, adds, corpus_info = load_corpus(a)
    run_tag = format(int(time.time()) % 10**8, "x")

    server = None
    if a.url:
        u = urllib.parse.urlsplit(a.url)
        host, port = u.hostname, u.port or 80
    else:
        server = Server(a)
        host, port = server.host, server.port
    ok = True
    try:
        wait_healthy(host, port)
        before = get_json(host, port, "/v1/stats")["stats"]

        results = []
        threads = []
        t_start = time.perf_counter() + 0.2
        measure_from = t_start + a.warmup
        stop_at = measure_from + a.seconds
        encoded = [json.dumps(t).encode() for t in queries]
        for c in range(a.clients):
            r = Result("query")
            make = Batches(encoded, a.batch, "q-", fresh=False, offset=c * len(encoded) // a.clients)
            threads.append(threading.Thread(
                target=client, args=("query", host, port, "/v1/query", make, t_start, measure_from,
                                     stop_at, a.timeout, r)))
            results.append(r)
        add_result = None
        if a.mode == "mixed":
            add_result = Result("add")
            make = Batches(adds, a.add_batch, f"a-{run_tag}-", fresh=True)
            threads.append(threading.Thread(
                target=client, args=("add", host, port, "/v1/add", make, t_start, measure_from,
                                     stop_at, a.timeout, add_result)))
        server_cpu0 = None
        for t in threads:
            t.start()
        while time.perf_counter() < measure_from:
            time.sleep(0.001)
        cpu0 = time.process_time()
        server_cpu0 = server.cpu_seconds() if server else None
        for t in threads:
            t.join()
        cpu1 = time.process_time()
        server_cpu1 = server.cpu_seconds() if server else None
        end = max([r.last_end for r in results] + ([add_result.last_end] if add_result else []) + [stop_at])
        elapsed = end - measure_from

        after = get_json(host, port, "/v1/stats")["stats"]
    except BaseException:
        if server:
            server.stop()
            print("server stderr:\n  " + "\n  ".join(server.lines), file=sys.stderr)
        raise

    rc = server.stop() if server else None

    q = merge(results, elapsed, a.batch)
    out = {
        "date": started.isoformat(timespec="seconds"),
        "command": command,
        "machine": facts,
        "config": {k: v for k, v in vars(a).items()},
        "server": {"url": f"http://{host}:{port}",
                   "command": shlex.join(server.cmd) if server else None},
        "corpus": corpus_info,
        "elapsed_s": elapsed,
        "client_cpu_s": cpu1 - cpu0,
        "server_cpu_s": (server_cpu1 - server_cpu0) if server_cpu0 is not None and server_cpu1 is not None else None,
        "index_before": before,
        "index_after": after,
        "query": q,
    }
    if add_result:
        out["add"] = merge([add_result], elapsed, a.add_batch)
        out["query_vs_add"] = split_by_adds(results, add_result)

    # ------------------------------------------------------------ report
    print(f"doublet serve load test, {out['date']}")
    print(f"command: {command}")
    if server:
        print(f"server:  {out['server']['command']}  (on {out['server']['url']})")
    else:
        print(f"server:  {out['server']['url']} (already running)")
    mf = facts
    print(f"machine: nproc {mf['nproc']} (usable {mf.get('usable_cpus', '?')}), {mf['machine']}, "
          f"{mf.get('cpu', '?')}, {mf['system']}, Python {mf['python']}, "
          f"load average at start {', '.join(f'{x:.2f}' for x in mf.get('loadavg_at_start', []))}")
    ci = corpus_info
    print(f"corpus:  {a.corpus}: {ci['corpus_lines']} lines; queries: lines [{ci['query_lines'][0]}, "
          f"{ci['query_lines'][1]}) = {ci['query_documents']} documents as q-<n>"
          + (f"; adds: lines [{ci['add_lines'][0]}, {ci['add_lines'][1]}) = {ci['add_documents']} texts "
             f"cycled under fresh ids a-{run_tag}-<n>" if add_result else ""))
    print(f"load:    mode {a.mode}, {a.clients} query clients x batch {a.batch}"
          + (f", 1 add client x batch {a.add_batch}" if add_result else "")
          + f"; {a.warmup:g} s warmup, then {a.seconds:g} s measured ({elapsed:.2f} s to the last answer)")
    print(f"index:   {before.get('documents')} documents before, {after.get('documents')} after")
    cpu_line = f"cpu:     load-test client {out['client_cpu_s']:.1f} s"
    if out["server_cpu_s"] is not None:
        cpu_line += f", server {out['server_cpu_s']:.1f} s"
    print(cpu_line + f" over {elapsed:.1f} s wall (client and server share this machine)")
    print()
    print_kind("query (POST /v1/query)", q)
    if q["removed_share"] is not None:
        rel = ", ".join(f"{k} {v}" for k, v in sorted(q["removed_by_relation"].items(), key=lambda kv: str(kv[0])))
        print(f"  removed        {q['removed']} of {q['documents']} queried documents "
              f"({100 * q['removed_share']:.1f}%; {rel or 'none'})")
    if add_result:
        m = out["add"]
        print()
        print_kind("add (POST /v1/add)", m)
        print(f"  stored         {after.get('documents', 0) - before.get('documents', 0)} documents added to the index "
              f"during the run (warmup included: {m['warmup_requests']} warmup add requests)")
        print()
        qa = out["query_vs_add"]
        print("query latency while an add was being answered vs not:")
        print(f"  during an add  {fmt_lat(qa['during_add'])}")
        print(f"  no add         {fmt_lat(qa['no_add_in_flight'])}")

    # ------------------------------------------------------------ verdict
    problems = []
    for kind in ("query", "add"):
        m = out.get(kind)
        if m is None:
            continue
        if m["errors"]:
            problems.append(f"{kind}: non-200 answers {m['errors']}")
        if m["mismatched_answers"]:
            problems.append(f"{kind}: {m['mismatched_answers']} answers did not match their requests")
        if m["ok"] == 0:
            problems.append(f"{kind}: no request answered 200")
    if add_result:
        # every acknowledged add is stored (when no one else adds meanwhile)
        acked = out["add"]["documents"]
        grown = after.get("documents", 0) - before.get("documents", 0)
        if grown < acked:
            problems.append(f"add: {acked} documents acknowledged in the measured window but the index grew by {grown}")
    if server:
        out["server"]["exit_status"] = rc
        out["server"]["stderr"] = server.lines
        stopped = any("stopped" in line for line in server.lines)
        print()
        print(f"server:  SIGTERM -> exit status {rc}" + ("" if stopped else " (no 'stopped' line)"))
        if rc != 0 or not stopped:
            problems.append(f"server exit status {rc}")
            print("server stderr:\n  " + "\n  ".join(server.lines))
    out["problems"] = problems
    ok = not problems
    print("result:  " + ("OK" if ok else "PROBLEMS: " + "; ".join(problems)))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=2, default=str)
            f.write("\n")
        print(f"wrote {a.json}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
