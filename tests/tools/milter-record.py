#!/usr/bin/python3
"""milter-record.py - record milter sessions between an MTA and a milter,
and replay them (hallmark's differential test of its milter engines,
tests/integration/t_mproto_diff.sh); standard library only.

Usage:
  milter-record.py record LISTEN_PORT MILTER_PORT DIR [PORT_FILE]
      a proxy on 127.0.0.1:LISTEN_PORT (0: any free port, written to
      PORT_FILE) relaying every connection to the milter on
      127.0.0.1:MILTER_PORT; each connection is written to
      DIR/session-N.txt as it ends: one line per chunk in the order it
      passed, "> HEX" from the MTA, "< HEX" from the milter.  Runs until
      killed (SIGTERM).
  milter-record.py replay MILTER_PORT FILE
      plays the MTA's side of FILE against the milter: the MTA's bytes
      in the recorded bursts, and before each burst that followed a reply
      the same number of reply bytes read; prints the milter's whole
      reply stream as hex on one line.  Exit 1 when the milter closed
      early or stayed silent for 30 s.
  milter-record.py commands HEX
      the reply command bytes of a reply stream, one per frame.
  milter-record.py quitnc MILTER_PORT FILE
      plays two SMTP sessions on one milter connection (QUIT_NC between
      them; Postfix never sends it) against the milter and writes them to
      FILE in the recording format.
  milter-record.py steps FILE
      the MTA's steps in FILE from the first MAIL on, one word each (a
      macro packet as D and its stage, e.g. "DL"), runs of the same
      header step ("DL L") written once: what a message looks like on
      the wire, whatever its number of headers.
"""
import os
import selectors
import signal
import socket
import sys


def record(listen_port, milter_port, outdir, port_file=None):
    sel = selectors.DefaultSelector()
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen_port))
    ls.listen(64)
    if port_file:
        with open(port_file + ".tmp", "w") as f:
            f.write("%d\n" % ls.getsockname()[1])
        os.rename(port_file + ".tmp", port_file)
    sel.register(ls, selectors.EVENT_READ, None)
    n = [0]
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))

    def finish(sess):
        for s in (sess["mta"], sess["milter"]):
            try:
                sel.unregister(s)
            except (KeyError, ValueError):
                pass
            s.close()
        with open(os.path.join(outdir, "session-%d.txt" % sess["n"]), "w") as f:
            f.write("# milter session: '>' MTA to milter, '<' milter to MTA\n")
            for d, data in sess["log"]:
                f.write("%s %s\n" % (d, data.hex()))

    while True:
        for key, _ in sel.select():
            if key.data is None:
                mta, _ = ls.accept()
                mil = socket.create_connection(("127.0.0.1", milter_port))
                n[0] += 1
                sess = {"mta": mta, "milter": mil, "log": [], "n": n[0]}
                sel.register(mta, selectors.EVENT_READ, (sess, ">", mil))
                sel.register(mil, selectors.EVENT_READ, (sess, "<", mta))
                continue
            sess, d, peer = key.data
            try:
                data = key.fileobj.recv(1 << 20)
            except OSError:
                data = b""
            if not data:
                finish(sess)
                continue
            sess["log"].append((d, data))
            try:
                peer.sendall(data)
            except OSError:
                finish(sess)


def load(path):
    events = []
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        d, h = line.split()
        data = bytes.fromhex(h)
        if events and events[-1][0] == d:
            events[-1] = (d, events[-1][1] + data)
        else:
            events.append((d, data))
    return events


def read_n(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("milter closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def replay(milter_port, path):
    s = socket.create_connection(("127.0.0.1", milter_port), timeout=30)
    got, rc = b"", 0
    try:
        for d, data in load(path):
            if d == ">":
                s.sendall(data)
            else:
                got += read_n(s, len(data))
        s.settimeout(2)
        while True:  # anything more before the milter closes
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except socket.timeout:
        pass
    except (EOFError, OSError) as e:
        sys.stderr.write("replay %s: %s\n" % (path, e))
        rc = 1
    print(got.hex())
    return rc


def commands(hexstr):
    b, off, out = bytes.fromhex(hexstr), 0, []
    while off + 5 <= len(b):
        n = int.from_bytes(b[off:off + 4], "big")
        out.append(chr(b[off + 4]))
        off += 4 + n
    print(" ".join(out))


def steps(path):
    mta = b"".join(d for k, d in load(path) if k == ">")
    off, out = 0, []
    while off + 5 <= len(mta):
        n = int.from_bytes(mta[off:off + 4], "big")
        c = chr(mta[off + 4])
        if c == "D":
            c += chr(mta[off + 5]) if n > 1 else "?"
        out.append(c)
        off += 4 + n
    if "M" in out:
        out = out[out.index("M") - 1:] if out[out.index("M") - 1] == "DM" \
            else out[out.index("M"):]
    import re
    text = re.sub(r"(DL L )+", "DL L ", " ".join(out) + " ")
    print(text.strip())


def frame(c, d=b""):
    return len(d + b"x").to_bytes(4, "big") + c + d


def read_frame(s):
    h = read_n(s, 4)
    return h + read_n(s, int.from_bytes(h, "big"))


def quitnc_message(i):
    q = b"i\0QNC%d\0" % i
    m = frame(b"D", b"M") + frame(b"M", b"<b@spfpass.diff.example>\0")
    m += frame(b"D", b"R") + frame(b"R", b"<r@example.net>\0")
    m += frame(b"D", b"T" + q)
    for n, v in ((b"From", b" a@spfpass.diff.example"),
                 (b"Subject", b" quit_nc %d" % i),
                 (b"Authentication-Results", b" mx.test.example; spf=pass")):
        m += frame(b"D", b"L" + q) + frame(b"L", n + b"\0" + v + b"\0")
    m += frame(b"D", b"N" + q) + frame(b"N") + frame(b"D", b"B" + q)
    return m + frame(b"B", b"body\r\n") + frame(b"D", b"E" + q) + frame(b"E")


def quitnc(milter_port, path):
    s = socket.create_connection(("127.0.0.1", milter_port), timeout=30)
    ev = []

    def step(data, want):
        s.sendall(data)
        ev.append((">", data))
        got = b""
        while want:
            f = read_frame(s)
            got += f
            if want == "one" or chr(f[4]) in "acrtdy":
                break
        if got:
            ev.append(("<", got))
    step(frame(b"O", (6).to_bytes(4, "big") + (0x1ff).to_bytes(4, "big") +
               (0x1fffff).to_bytes(4, "big")), "one")
    conn = frame(b"D", b"Cj\0mx.test.example\0") + frame(
        b"C", b"client.example\0" b"4" + (25).to_bytes(2, "big") +
        b"192.0.2.10\0")
    for k in range(2):
        step(conn, "one")
        step(frame(b"D", b"H") + frame(b"H", b"helo.example\0") +
             quitnc_message(k), "final")
        step(frame(b"K") if k == 0 else frame(b"Q"), None)
    with open(path, "w") as f:
        f.write("# milter session: '>' MTA to milter, '<' milter to MTA\n"
                "# synthetic (Postfix never sends QUIT_NC): two SMTP "
                "sessions on one milter connection\n")
        for d, data in ev:
            f.write("%s %s\n" % (d, data.hex()))
    return 0


def main(argv):
    if len(argv) >= 5 and argv[1] == "record":
        record(int(argv[2]), int(argv[3]), argv[4],
               argv[5] if len(argv) > 5 else None)
        return 0
    if len(argv) == 4 and argv[1] == "replay":
        return replay(int(argv[2]), argv[3])
    if len(argv) == 4 and argv[1] == "quitnc":
        return quitnc(int(argv[2]), argv[3])
    if len(argv) == 3 and argv[1] == "steps":
        steps(argv[2])
        return 0
    if len(argv) == 3 and argv[1] == "commands":
        commands(argv[2])
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
