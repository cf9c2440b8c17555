#!/usr/bin/python3
"""milter-bad.py - malformed milter frames, one connection each, for the
regression test of the milter engines (tests/integration/t_mproto_bad.sh);
standard library only.

Usage:
  milter-bad.py list              the case names, one a line
  milter-bad.py SOCKET CASE       negotiate, connect and HELO as an MTA,
                                  then send CASE's frames; prints
                                  "closed" when the milter closed the
                                  connection within 3 s, else "open"
The cases are those of the fuzz target's seed corpus
(tests/fuzz/corpus/mproto/bad-*), among them the macro packet with an odd
number of strings that makes libmilter's smfi_getsymval() read past its
macro array.
"""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import milterc  # noqa: E402


def frame(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data


MAIL = frame(b"M", b"<a@example.org>\0")
CASES = {
    "odd-macro": frame(b"D", b"Mi\0QID\0j\0") + MAIL,
    "macro-no-nul": frame(b"D", b"Mi\0QID") + MAIL,
    "macro-empty": frame(b"D") + MAIL,
    "length-zero": struct.pack(">I", 0),
    "length-huge": struct.pack(">I", 0xFFFFFFF0) + b"M",
    "small-over-64k": struct.pack(">I", 70001) + b"M" + b"a" * 100,
    "unknown-command": frame(b"Z", b"x\0"),
    "header-empty-name": MAIL + frame(b"R", b"<r@x>\0") +
    frame(b"L", b"\0value\0"),
    "header-no-nul": MAIL + frame(b"R", b"<r@x>\0") +
    frame(b"L", b"Subject\0value"),
    "mail-no-nul": frame(b"M", b"<a@example.org>"),
    "helo-no-nul": frame(b"H", b"name"),
    "body-out-of-order": frame(b"B", b"body"),
    "eoh-with-data": MAIL + frame(b"R", b"<r@x>\0") + frame(b"N", b"x"),
    "quit-with-data": frame(b"Q", b"x"),
}


def run(spec, case):
    m = milterc.Milter(spec, 10)
    m.negotiate()
    m.connect()
    m.helo()
    m.s.sendall(CASES[case])
    m.s.settimeout(3)
    try:
        while True:
            if not m.s.recv(65536):
                return "closed"
    except socket.timeout:
        return "open"
    except OSError:
        return "closed"
    finally:
        m.close()


def main(argv):
    if len(argv) == 2 and argv[1] == "list":
        print("\n".join(CASES))
        return 0
    if len(argv) == 3 and argv[2] in CASES:
        print(run(argv[1], argv[2]))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
