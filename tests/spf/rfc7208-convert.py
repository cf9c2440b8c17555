#!/usr/bin/python3
# rfc7208-convert.py - turn the RFC 7208 test suite (YAML, used unchanged)
# into the line format read by tests/spf/spf-suite.
#
# Usage: rfc7208-convert.py rfc7208-tests.yml > suite.txt
#
# Output, one item per line, every field "=" + percent-encoded bytes so that
# the suite's odd data (NUL, CR, LF, 8-bit bytes, empty strings) survives:
#   scenario =<description>
#   rr =<owner> <A|AAAA|TXT|MX|PTR|CNAME> <pref> =<data>
#   timeout =<owner>
#   test =<name> =<host> =<mailfrom> =<helo> =<result[,result...]> =<explanation>|-
#   end
#
# How the suite's zone conventions are carried (those of the suite's own
# drivers):
#  - a type SPF (99) record is served as TXT when the name has no TXT entry
#    ("TXT: NONE" counts as one and suppresses it); type 99 itself is never
#    queried by an RFC 7208 implementation, so it is not served;
#  - a TXT record given as a list of strings is one record: its strings
#    joined with no separator (RFC 7208 section 3.3);
#  - TIMEOUT makes the name time out for the types it has no records of:
#    served as "every query times out" unless the name has TXT records
#    (only spftimeout.example.net; no case queries it for another type);
#  - strings are bytes: code points < 256 as that byte, others UTF-8;
#  - trailing dots of owner and target names are dropped (dns.h form).
import sys
import yaml


def enc(b):
    if isinstance(b, str):
        try:
            b = b.encode('latin-1')
        except UnicodeEncodeError:
            b = b.encode('utf-8')
    out = ['=']
    for c in b:
        if 0x21 <= c <= 0x7e and c != 0x25:
            out.append(chr(c))
        else:
            out.append('%%%02X' % c)
    return ''.join(out)


def txtval(v):
    if isinstance(v, list):
        return ''.join(v)
    return str(v)


def name(n):
    n = str(n)
    return n[:-1] if n.endswith('.') else n


def scenario(doc, out):
    out.append('scenario ' + enc(doc.get('description', '')))
    for owner, recs in (doc.get('zonedata') or {}).items():
        txt_entry = any(isinstance(r, dict) and 'TXT' in r for r in recs)
        has_txt = False
        timeout = 'TIMEOUT' in recs
        for r in recs:
            if not isinstance(r, dict):
                continue
            for typ, val in r.items():
                if typ == 'SPF':
                    if txt_entry:
                        continue
                    typ = 'TXT'
                if typ == 'TXT' and val == 'NONE':
                    continue
                pref = 0
                if typ == 'TXT':
                    data = txtval(val)
                elif typ == 'MX':
                    pref, data = val[0], name(val[1])
                elif typ in ('PTR', 'CNAME'):
                    data = name(val)
                else:
                    data = str(val)
                out.append('rr %s %s %d %s' % (enc(name(owner)), typ, pref,
                                               enc(data)))
                if typ == 'TXT':
                    has_txt = True
        if timeout and not has_txt:
            out.append('timeout ' + enc(name(owner)))
    for tname, t in doc['tests'].items():
        res = t['result']
        if isinstance(res, list):
            res = ','.join(res)
        exp = t.get('explanation')
        out.append('test %s %s %s %s %s %s' % (
            enc(tname), enc(str(t['host'])), enc(t.get('mailfrom', '')),
            enc(t.get('helo', '')), enc(res),
            enc(exp) if exp is not None else '-'))
    out.append('end')


def main():
    out = []
    with open(sys.argv[1], 'rb') as f:
        for doc in yaml.safe_load_all(f):
            if doc:
                scenario(doc, out)
    sys.stdout.write('\n'.join(out) + '\n')


main()
