#!/usr/bin/python3
"""milterc.py - a small milter-protocol client (the MTA side, protocol
version 6) for hallmark's tests; standard library only.

Usage:
  milterc.py SOCKET send [--from A] [--rcpt A] [--helo H] [--ip IP] [--time]
                        [--pace MS] [--no-leadspc] FILE
      one transaction with the message in FILE ("-" = stdin); prints
      "verdict=accept|reject|tempfail|discard|quarantine" and each header
      change as "insheader NAME: VALUE" etc.; with --time last a line
      "ms=N", the time from connecting to the verdict; with --pace the
      body arrives over MS ms (a slow client).  Exit 0 when a verdict
      came.  Header values go as they are in FILE when the milter takes
      SMFIP_HDR_LEADSPC (offered unless --no-leadspc), else less one
      leading space, as Postfix and Sendmail send them.
  milterc.py SOCKET faults [--quick]
      the client-fault suite (tests/integration/t_client_faults.sh): a
      connection dropped after every step, abort mid-body, 10,000 headers,
      a 1 MB header, NUL bytes, bare LF / CR, 8-bit and invalid UTF-8,
      500 connections at once, a 100 MB body (--quick: smaller);
      after each, a normal message on a new connection must get a verdict.
      Prints "ok: ..." / "FAIL: ..." lines; exit 1 on any FAIL.
  milterc.py SOCKET stall [--stalled N] [--wait S]
      N connections (default 2) opened back to back, each stopping in the
      middle of its first frame, then one complete session on a new
      connection; prints its
      "verdict=..." and "ms=N" (connect to verdict) and exit 0 when it got
      a verdict within S seconds (default 25); the stalled connections
      stay open until then.

SOCKET is inet:PORT@ADDR or unix:PATH (hallmark's own syntax).
"""
import os
import socket
import struct
import sys
import time

# protocol flags (libmilter mfdef.h)
P_NOCONNECT, P_NOHELO, P_NOMAIL, P_NORCPT = 0x1, 0x2, 0x4, 0x8
P_NOBODY, P_NOHDRS, P_NOEOH, P_NR_HDR = 0x10, 0x20, 0x40, 0x80
P_NOUNKNOWN, P_NODATA, P_SKIP, P_RCPT_REJ = 0x100, 0x200, 0x400, 0x800
P_NR_CONN, P_NR_HELO, P_NR_MAIL, P_NR_RCPT = 0x1000, 0x2000, 0x4000, 0x8000
P_NR_DATA, P_NR_UNKN, P_NR_EOH, P_NR_BODY = 0x10000, 0x20000, 0x40000, 0x80000
P_HDR_LEADSPC = 0x100000
P_ALL = 0x1FFFFF
FINAL = {b"a": "accept", b"r": "reject", b"t": "tempfail", b"d": "discard",
         b"y": "reply", b"c": "continue"}


class MilterError(Exception):
    pass


def open_socket(spec, timeout=30):
    if spec.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(spec[5:])
        return s
    kind, rest = spec.split(":", 1)
    port, addr = rest.split("@", 1)
    fam = socket.AF_INET6 if kind == "inet6" else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((addr, int(port)))
    return s


class Milter:
    """one connection to a milter, the MTA side"""

    def __init__(self, spec, timeout=30, leadspc=True):
        self.s = open_socket(spec, timeout)
        self.pflags = 0
        self.offer = P_ALL if leadspc else P_ALL & ~P_HDR_LEADSPC
        self.changes = []

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass

    def send(self, cmd, data=b""):
        self.s.sendall(struct.pack(">I", len(data) + 1) + cmd + data)

    def recv(self):
        hdr = self._read(4)
        n = struct.unpack(">I", hdr)[0]
        if n == 0 or n > 1 << 24:
            raise MilterError("bad reply length %d" % n)
        body = self._read(n)
        return body[:1], body[1:]

    def _read(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise MilterError("milter closed the connection")
            buf += chunk
        return buf

    def negotiate(self):
        self.send(b"O", struct.pack(">III", 6, 0x1FF, self.offer))
        cmd, data = self.recv()
        if cmd != b"O" or len(data) < 12:
            raise MilterError("bad OPTNEG reply %r" % cmd)
        _, _, self.pflags = struct.unpack(">III", data[:12])

    def reply(self):
        """the reply to a step: skip progress and collect changes"""
        while True:
            cmd, data = self.recv()
            if cmd == b"p":
                continue
            if cmd in (b"h", b"i", b"m", b"q", b"e", b"+", b"-", b"b", b"f"):
                self.changes.append((cmd, data))
                continue
            if cmd in FINAL:
                return FINAL[cmd], data
            raise MilterError("unexpected reply %r" % cmd)

    def step(self, cmd, data, no_flag, nr_flag):
        """one protocol step; None when not sent or no reply expected"""
        if self.pflags & no_flag:
            return None
        self.send(cmd, data)
        if self.pflags & nr_flag:
            return None
        return self.reply()[0]

    def macro(self, cmdchar, pairs):
        data = cmdchar + b"".join(k + b"\0" + v + b"\0" for k, v in pairs)
        self.send(b"D", data)

    def connect(self, host=b"client.example", ip="192.0.2.10"):
        fam = b"6" if ":" in ip else b"4"
        data = host + b"\0" + fam + struct.pack(">H", 25) + ip.encode() + b"\0"
        return self.step(b"C", data, P_NOCONNECT, P_NR_CONN)

    def helo(self, name=b"client.example"):
        return self.step(b"H", name + b"\0", P_NOHELO, P_NR_HELO)

    def mail(self, addr=b"sender@example.org"):
        self.macro(b"M", [(b"i", b"QID%d" % os.getpid())])
        return self.step(b"M", b"<" + addr + b">\0", P_NOMAIL, P_NR_MAIL)

    def rcpt(self, addr=b"rcpt@example.net"):
        return self.step(b"R", b"<" + addr + b">\0", P_NORCPT, P_NR_RCPT)

    def data(self):
        return self.step(b"T", b"", P_NODATA, P_NR_DATA)

    def header(self, name, value):
        """value: the text after the colon as in the message; without
        SMFIP_HDR_LEADSPC one leading space (not tab) is removed, as
        Postfix and Sendmail do"""
        if not self.pflags & P_HDR_LEADSPC and value[:1] == b" ":
            value = value[1:]
        return self.step(b"L", name + b"\0" + value + b"\0", P_NOHDRS, P_NR_HDR)

    def eoh(self):
        return self.step(b"N", b"", P_NOEOH, P_NR_EOH)

    def body(self, chunk):
        return self.step(b"B", chunk, P_NOBODY, P_NR_BODY)

    def eom(self):
        self.send(b"E")
        verdict, data = self.reply()
        if any(c == b"q" for c, _ in self.changes) and verdict in ("accept", "continue"):
            return "quarantine"
        if verdict == "reply":
            return "tempfail" if data[:1] == b"4" else "reject"
        return "accept" if verdict == "continue" else verdict

    def abort(self):
        self.send(b"A")

    def quit(self):
        self.send(b"Q")


def split_message(raw):
    """(headers [(name, value)], body) of an RFC 5322 message (CRLF or LF);
    value is the text after the colon, byte for byte"""
    text = raw.replace(b"\r\n", b"\n")
    head, _, body = text.partition(b"\n\n")
    headers = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and headers:
            n, v = headers[-1]
            headers[-1] = (n, v + b"\r\n" + line)
        elif b":" in line:
            n, v = line.split(b":", 1)
            headers.append((n, v))
    return headers, body.replace(b"\n", b"\r\n")


def transaction(m, headers, body, mfrom=b"sender@example.org",
                rcpt=b"rcpt@example.net", pace_ms=0):
    """one message on a negotiated, connected milter; its verdict.  With
    pace_ms the body goes in up to 10 pieces, with equal pauses before
    each and before the end of message adding up to pace_ms: a slow
    client"""
    for step in (lambda: m.mail(mfrom), lambda: m.rcpt(rcpt), m.data):
        r = step()
        if r not in (None, "continue"):
            return r
    for n, v in headers:
        r = m.header(n, v)
        if r not in (None, "continue"):
            return r
    r = m.eoh()
    if r not in (None, "continue"):
        return r
    step = 65535 if pace_ms == 0 else max(1, -(-len(body) // 10))
    pieces = range(0, len(body), step)
    nap = pace_ms / 1000.0 / (len(pieces) + 1)
    for i in pieces:
        time.sleep(nap)
        r = m.body(body[i:i + step])
        if r not in (None, "continue"):
            return r
    time.sleep(nap)
    return m.eom()


SAMPLE_HEADERS = [(b"From", b" Sender <sender@example.org>"),
                  (b"To", b" rcpt@example.net"),
                  (b"Subject", b" test"),
                  (b"Message-ID", b" <1@example.org>")]
SAMPLE_BODY = b"Hello.\r\n"


def one_message(spec, headers=SAMPLE_HEADERS, body=SAMPLE_BODY, timeout=60,
                **kw):
    m = Milter(spec, timeout, kw.get("leadspc", True))
    try:
        m.negotiate()
        if kw.get("info") is not None:
            kw["info"]["pflags"] = m.pflags
        r = m.connect(ip=kw.get("ip", "192.0.2.10"))
        if r not in (None, "continue"):
            return r, m.changes
        r = m.helo(kw.get("helo", b"client.example"))
        if r not in (None, "continue"):
            return r, m.changes
        v = transaction(m, headers, body, kw.get("mfrom", b"sender@example.org"),
                        kw.get("rcpt", b"rcpt@example.net"), kw.get("pace", 0))
        m.quit()
        return v, m.changes
    finally:
        m.close()


def describe_change(c, d, leadspc=False):
    """one modification action as text: "insheader 0 NAME: VALUE" ...;
    leadspc: values carry their own leading space (SMFIP_HDR_LEADSPC),
    else the MTA adds one"""
    sep = ":" if leadspc else ": "
    if c in (b"i", b"m") and len(d) >= 4:
        idx = struct.unpack(">I", d[:4])[0]
        parts = d[4:].split(b"\0")
        return "%s %d %s%s%s" % ("insheader" if c == b"i" else "chgheader", idx,
                                 parts[0].decode("latin-1"), sep,
                                 parts[1].decode("latin-1") if len(parts) > 1 else "")
    if c == b"h":
        parts = d.split(b"\0")
        return "addheader %s%s%s" % (parts[0].decode("latin-1"), sep,
                                     parts[1].decode("latin-1") if len(parts) > 1 else "")
    if c == b"q":
        return "quarantine " + d.rstrip(b"\0").decode("latin-1")
    return "%s %r" % (c.decode("latin-1"), d)


def cmd_send(spec, args):
    opts = {"mfrom": b"sender@example.org", "rcpt": b"rcpt@example.net",
            "helo": b"client.example", "ip": "192.0.2.10"}
    timed = False
    while len(args) > 1:
        if args[0] == "--time":
            timed = args.pop(0)
            continue
        if args[0] == "--no-leadspc":
            args.pop(0)
            opts["leadspc"] = False
            continue
        o, v = args.pop(0), args.pop(0)
        key = {"--from": "mfrom", "--rcpt": "rcpt", "--helo": "helo",
               "--ip": "ip", "--pace": "pace"}.get(o)
        if key is None:
            sys.stderr.write(__doc__)
            return 2
        opts[key] = {"ip": v, "pace": int(v) if v.isdigit() else 0}.get(
            key, v.encode())
    if len(args) != 1:
        sys.stderr.write(__doc__)
        return 2
    raw = sys.stdin.buffer.read() if args[0] == "-" else open(args[0], "rb").read()
    headers, body = split_message(raw)
    info = {}
    t0 = time.monotonic()
    verdict, changes = one_message(spec, headers, body, info=info, **opts)
    ms = int((time.monotonic() - t0) * 1000)
    print("verdict=%s" % verdict)
    for c, d in changes:
        print(describe_change(c, d, info.get("pflags", 0) & P_HDR_LEADSPC))
    if timed:
        print("ms=%d" % ms)
    return 0


# ---- the client-fault suite ----------------------------------------------

def drop_after(spec, nsteps, headers=SAMPLE_HEADERS, body=SAMPLE_BODY * 100):
    """a transaction cut after nsteps protocol steps (connection closed)"""
    m = Milter(spec, 30)
    steps = [m.negotiate, m.connect, m.helo, m.mail, m.rcpt, m.data]
    steps += [lambda n=n, v=v: m.header(n, v) for n, v in headers]
    steps += [m.eoh, lambda: m.body(body[:len(body) // 2]),
              lambda: m.body(body[len(body) // 2:])]
    try:
        for st in steps[:nsteps]:
            st()
    finally:
        m.close()
    return len(steps)


def concurrent(spec, n):
    """n connections open at once, each with a message stopped before end
    of message until all are there; then all finish.  Raises unless every
    one gets a verdict."""
    import threading
    barrier = threading.Barrier(n, timeout=120)
    verdicts, errors = [], []
    lock = threading.Lock()

    def one():
        m = None
        try:
            m = Milter(spec, 120)
            m.negotiate(), m.connect(), m.helo()
            m.mail(), m.rcpt(), m.data()
            for h in SAMPLE_HEADERS:
                m.header(*h)
            m.eoh(), m.body(SAMPLE_BODY)
            barrier.wait()
            v = m.eom()
            m.quit()
            with lock:
                verdicts.append(v)
        except Exception as e:
            barrier.abort()
            with lock:
                errors.append("%s: %s" % (type(e).__name__, e))
        finally:
            if m is not None:
                m.close()
    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors or len(verdicts) != n:
        raise MilterError("%d verdicts of %d; %s" % (len(verdicts), n,
                                                     errors[:3]))
    return "%d verdicts" % n


def faults(spec, quick):
    results = []

    def check(desc, fn, closed_ok=False):
        try:
            try:
                got = fn()
            except (MilterError, ConnectionError) as e:
                if not closed_ok:
                    raise
                got = "connection closed: %s" % e
            v, _ = one_message(spec)
            if v in ("accept", "reject", "tempfail", "quarantine", "discard"):
                results.append(True)
                print("ok: %s (%s); next message: %s" % (desc, got, v))
            else:
                results.append(False)
                print("FAIL: %s: next message got %s" % (desc, v))
        except Exception as e:  # any failure of the milter is a FAIL
            results.append(False)
            print("FAIL: %s: %s: %s" % (desc, type(e).__name__, e))

    n = drop_after(spec, 0)
    for k in range(1, n + 1):
        check("connection dropped after step %d of %d" % (k, n),
              lambda k=k: drop_after(spec, k) and "dropped")

    def abort_mid_body():
        m = Milter(spec)
        m.negotiate(), m.connect(), m.helo()
        m.mail(), m.rcpt(), m.data()
        for h in SAMPLE_HEADERS:
            m.header(*h)
        m.eoh(), m.body(b"x" * 30000)
        m.abort()
        v = transaction(m, SAMPLE_HEADERS, SAMPLE_BODY)
        m.quit(), m.close()
        return "abort, then same connection: " + v
    check("abort mid-body", abort_mid_body)

    def big(headers, body=SAMPLE_BODY):
        return lambda: one_message(spec, headers, body, timeout=300)[0]
    nh = 2000 if quick else 10000
    check("%d headers" % nh, big(SAMPLE_HEADERS + [(b"X-Many", b"v%d" % i)
                                                  for i in range(nh)]))
    check("1 MB header", big(SAMPLE_HEADERS + [(b"X-Big", b"a" * 1000000)]))
    check("folded 1 MB header", big(SAMPLE_HEADERS + [
        (b"X-Folded", b"\r\n\t".join([b"b" * 70] * 13500))]))
    # beyond the milter packet limit (1 MB) libmilter closes the
    # connection: the MTA applies its default action; others go on
    check("2 MB header (over the packet limit)", big(
        SAMPLE_HEADERS + [(b"X-Huge", b"c" * (2 << 20))]), closed_ok=True)
    check("empty header name (libmilter refuses it)",
          big([(b"", b""), (b"From", b"")]), closed_ok=True)
    check("NUL bytes in header values and body", big(
        [(b"From", b"a\0b <sender@exa\0mple.org>"), (b"Subject", b"\0\0\0")],
        b"nul\0body\0\r\n"))
    check("bare LF and bare CR", big(
        [(b"From", b"sender@example.org\nX: y"), (b"Subject", b"a\rb\r\r")],
        b"line\nline\rline\r\n"))
    check("8-bit and invalid UTF-8", big(
        [(b"From", b"\xc3\xa9t\xc3\xa9 <\xff\xfe@example.org>"),
         (b"Subject", b"\xc0\xaf\xed\xa0\x80\xf8\x88\x80\x80\x80")],
        b"\xff\xfe\xfd\r\n\xc3\x28\r\n"))
    check("empty header value", big([(b"From", b""), (b"Subject", b"")]))
    check("no headers, no body", big([], b""))
    check("From with many addresses", big(
        [(b"From", b", ".join(b"u%d@d%d.example" % (i, i) for i in range(3000)))]))
    check("Authentication-Results forgeries", big(
        SAMPLE_HEADERS + [(b"Authentication-Results", b"x; spf=pass")] * 500))
    nconc = 100 if quick else 500
    check("%d concurrent connections" % nconc,
          lambda: concurrent(spec, nconc))
    body_mb = 5 if quick else 100
    check("%d MB body" % body_mb, big(SAMPLE_HEADERS,
                                      (b"y" * 998 + b"\r\n") * (body_mb * 1048)))
    return 0 if all(results) else 1


def stall(spec, args):
    """stalled connections must not hold up a complete session"""
    nstall, wait = 2, 25.0
    while len(args) > 1:
        o, v = args.pop(0), args.pop(0)
        if o == "--stalled":
            nstall = int(v)
        elif o == "--wait":
            wait = float(v)
    held = []
    try:
        for k in range(nstall):
            m = Milter(spec, 5)
            held.append(m)
            # an OPTNEG frame announced at 13 bytes, 3 of them sent
            m.s.sendall(struct.pack(">I", 13) + b"O\0\0")
        t0 = time.monotonic()
        try:
            v, _ = one_message(spec, timeout=wait)
        except (OSError, MilterError) as e:
            v = "none (%s: %s)" % (type(e).__name__, e)
        ms = int((time.monotonic() - t0) * 1000)
    finally:
        for m in held:
            m.close()
    print("verdict=%s" % v)
    print("ms=%d" % ms)
    return 0 if v in FINAL.values() or v == "quarantine" else 1


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    spec, cmd, args = argv[1], argv[2], argv[3:]
    if cmd == "send":
        return cmd_send(spec, args)
    if cmd == "faults":
        return faults(spec, "--quick" in args)
    if cmd == "stall":
        return stall(spec, args)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
