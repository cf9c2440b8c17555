#!/usr/bin/python3
"""report-read.py - reads a DMARC aggregate report mail back, for tests.

Usage: report-read.py MAILFILE [--gz OUT]

MAILFILE is one delivered message.  Finds its application/gzip part,
gunzips it and parses the XML with the RFC 9990 namespace
(urn:ietf:params:xml:ns:dmarc-2.0; elements outside it are not seen, so
a report without the namespace reads as empty).  Prints:

  subject SUBJECT (unfolded)
  filename NAME
  report_id ID
  policy_domain DOMAIN
  date_range BEGIN END
  row SOURCE_IP HEADER_FROM dkim=DKIM spf=SPF disposition=DISP COUNT
      (one per (IP, header_from, dkim, spf, disposition), counts summed,
      sorted)
  total N

--gz OUT also writes the attachment's bytes (as sent) to OUT.  Exit 0, or
1 with the reason on stderr when the mail has no such attachment or the
XML does not parse.  Standard library only.
"""
import email
import email.policy
import gzip
import sys
import xml.etree.ElementTree as ET

NS = {"d": "urn:ietf:params:xml:ns:dmarc-2.0"}


def attachment(msg):
    for part in msg.walk():
        if part.get_content_type() == "application/gzip":
            return part.get_filename(), part.get_payload(decode=True)
    return None, None


def text(node, path):
    el = node.find(path, NS)
    return el.text.strip() if el is not None and el.text else ""


def rows(root):
    sums = {}
    for rec in root.findall("d:record", NS):
        key = (text(rec, "d:row/d:source_ip"),
               text(rec, "d:identifiers/d:header_from"),
               text(rec, "d:row/d:policy_evaluated/d:dkim"),
               text(rec, "d:row/d:policy_evaluated/d:spf"),
               text(rec, "d:row/d:policy_evaluated/d:disposition"))
        sums[key] = sums.get(key, 0) + int(text(rec, "d:row/d:count"))
    return sums


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--gz"):
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    name, gz = attachment(msg)
    if gz is None:
        sys.stderr.write("no application/gzip attachment\n")
        return 1
    if len(argv) == 4:
        with open(argv[3], "wb") as f:
            f.write(gz)
    try:
        root = ET.fromstring(gzip.decompress(gz))
    except (OSError, ET.ParseError) as e:
        sys.stderr.write("attachment: %s\n" % e)
        return 1
    print("subject %s" % " ".join(str(msg["Subject"]).split()))
    print("filename %s" % name)
    print("report_id %s" % text(root, "d:report_metadata/d:report_id"))
    print("policy_domain %s" % text(root, "d:policy_published/d:domain"))
    print("date_range %s %s" % (
        text(root, "d:report_metadata/d:date_range/d:begin"),
        text(root, "d:report_metadata/d:date_range/d:end")))
    total = 0
    for key, n in sorted(rows(root).items()):
        print("row %s %s dkim=%s spf=%s disposition=%s %d" % (key + (n,)))
        total += n
    print("total %d" % total)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
