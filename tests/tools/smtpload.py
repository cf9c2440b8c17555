#!/usr/bin/python3
"""smtpload.py - many concurrent SMTP transactions through a (test) Postfix,
for hallmark's tests; standard library only.

Usage: smtpload.py PORT COUNT CONCURRENCY SPEC...
  SPEC is NAME,CLIENT-IP,MAIL-FROM,FROM-HEADER-ADDRESS[,drop]; transaction
  i (0 .. COUNT-1) uses SPEC number i % (number of SPECs).  Each
  transaction is one connection: EHLO, XCLIENT ADDR=CLIENT-IP, EHLO, MAIL,
  RCPT, DATA, the message (a unique "X-Load-Id: NAME-i" header), QUIT.
  With "drop" the client hangs up in the middle of the message (after
  DATA was accepted, before the final dot).
  SMTPLOAD_PAUSE_MS (environment): pause of each worker between its
  transactions (default 0).
  SMTPLOAD_UNTIL_FILE (environment): after COUNT transactions, go on
  (i = COUNT, COUNT+1, ...) until this file exists, so that a load lasts
  as long as what the test does meanwhile, however slow the machine.

Prints one line per transaction, "i NAME RESULT", RESULT the reply code to
the end of the message (250, 451, 550, ...), or the code of an earlier
refusal, "dropped", or "error:TEXT"; then a summary line
"sent=N 2xx=A 4xx=B 5xx=C dropped=D error=E".  Exit 0 when there was no
error (a refused message is not an error).
"""
import os
import smtplib
import sys
import threading
import time

BODY = "".join("line %03d of a message sent by smtpload.py\r\n" % n
               for n in range(60))


def message(name, i, from_addr):
    return ("From: Load <%s>\r\nTo: rcpt@example.net\r\n"
            "Subject: load %s %d\r\nMessage-ID: <%d.%d@load.example>\r\n"
            "X-Load-Id: %s-%d\r\n\r\n%s" % (from_addr, name, i, i, os.getpid(),
                                            name, i, BODY))


def one(port, i, spec):
    """one transaction; its RESULT text"""
    name, ip, mfrom, from_addr = spec[:4]
    drop = len(spec) > 4 and spec[4] == "drop"
    s = smtplib.SMTP("127.0.0.1", port, local_hostname="load.example",
                     timeout=120)
    try:
        s.ehlo()
        code, _ = s.docmd("XCLIENT", "ADDR=%s HELO=load.example "
                          "NAME=[UNAVAILABLE]" % ip)
        if code != 220:
            return "error:XCLIENT %d" % code
        s.ehlo()
        code, _ = s.mail(mfrom)
        if code != 250:
            return str(code)
        code, _ = s.rcpt("rcpt@example.net")
        if code != 250:
            return str(code)
        msg = message(name, i, from_addr)
        if drop:
            code, _ = s.docmd("DATA")
            if code != 354:
                return str(code)
            s.sock.sendall(msg[:len(msg) // 2].encode())
            time.sleep(0.05)
            s.sock.close()
            s.sock = None
            return "dropped"
        try:
            code, _ = s.data(msg)  # some versions return a refusal
        except smtplib.SMTPDataError as e:  # others raise it
            code = e.smtp_code
        try:
            s.quit()
        except (smtplib.SMTPException, OSError):
            pass
        return str(code)
    finally:
        s.close()


def main(argv):
    if len(argv) < 5:
        sys.stderr.write(__doc__)
        return 2
    port, count, conc = int(argv[1]), int(argv[2]), int(argv[3])
    specs = [a.split(",") for a in argv[4:]]
    if any(len(sp) < 4 for sp in specs):
        sys.stderr.write(__doc__)
        return 2
    pause = int(os.environ.get("SMTPLOAD_PAUSE_MS", "0")) / 1000.0
    until = os.environ.get("SMTPLOAD_UNTIL_FILE")
    results = {}
    nexti = [0]
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                i = nexti[0]
                if i >= count and (not until or os.path.exists(until)):
                    return
                nexti[0] += 1
            spec = specs[i % len(specs)]
            try:
                r = one(port, i, spec)
            except (smtplib.SMTPException, OSError) as e:
                r = "error:%s" % str(e).replace(" ", "_")[:60]
            with lock:
                results[i] = r
            if pause:
                time.sleep(pause)

    threads = [threading.Thread(target=worker) for _ in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tally = {"2xx": 0, "4xx": 0, "5xx": 0, "dropped": 0, "error": 0}
    for i in range(len(results)):
        r = results[i]
        print("%d %s %s" % (i, specs[i % len(specs)][0], r))
        if r == "dropped" or r.startswith("error"):
            tally[r.split(":")[0]] += 1
        else:
            tally[r[0] + "xx"] += 1
    print("sent=%d 2xx=%d 4xx=%d 5xx=%d dropped=%d error=%d" % (
        len(results), tally["2xx"], tally["4xx"], tally["5xx"], tally["dropped"],
        tally["error"]))
    return 1 if tally["error"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
