#!/usr/bin/env python3
# tests/tools/promparse.py - a strict parser of the Prometheus text
# exposition format 0.0.4, for the metrics tests.
#
# Usage: promparse.py [FILE]   (default: standard input)
# Checks: every line is a "# HELP name text", "# TYPE name type" or a
# sample "name{label="value",...} value"; names and label names match
# the format's grammar; label values use only \\ \" \n escapes; a
# family's TYPE comes once, before its samples, and its samples are
# contiguous; a sample belongs to a declared family (a histogram's
# _bucket/_sum/_count); no series twice; values are numbers; counters
# and histogram parts are not negative; a histogram's buckets have le,
# are cumulative in increasing le, end with +Inf equal to _count; the
# text ends with a newline.  Prints "SERIES VALUE" lines (series in a
# canonical form: labels in given order), exit 0; else the first
# fault on standard error, exit 1.
import re
import sys

NAME = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*')
LNAME = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*')
TYPES = ('counter', 'gauge', 'histogram', 'summary', 'untyped')


class Bad(Exception):
    pass


def value(s):
    if s in ('+Inf', '-Inf', 'NaN'):
        return float(s.replace('+', ''))
    if not re.fullmatch(r'[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?', s):
        raise Bad('bad value %r' % s)
    return float(s)


def labels(s, i):
    """parse {a="b",...} from s[i] == '{'; return (list, next index)"""
    out, i = [], i + 1
    while True:
        if s[i:i + 1] == '}':
            return out, i + 1
        m = LNAME.match(s, i)
        if not m:
            raise Bad('bad label name at %r' % s[i:])
        i = m.end()
        if s[i:i + 2] != '="':
            raise Bad('expected =" after label %s' % m.group())
        i, v = i + 2, ''
        while True:
            if i >= len(s):
                raise Bad('unterminated label value')
            c = s[i]
            if c == '\\':
                e = s[i + 1:i + 2]
                if e not in ('\\', '"', 'n'):
                    raise Bad('bad escape \\%s' % e)
                v, i = v + ('\n' if e == 'n' else e), i + 2
            elif c == '"':
                i += 1
                break
            else:
                v, i = v + c, i + 1
        if m.group() in [k for k, _ in out]:
            raise Bad('label %s twice' % m.group())
        out.append((m.group(), v))
        if s[i:i + 1] == ',':
            i += 1
        elif s[i:i + 1] != '}':
            raise Bad('expected , or } at %r' % s[i:])


def family_of(name, types):
    if name in types:
        return name
    for suf in ('_bucket', '_sum', '_count'):
        base = name[:-len(suf)]
        if name.endswith(suf) and types.get(base) in ('histogram',
                                                      'summary'):
            return base
    raise Bad('sample %s of no declared family' % name)


def check_hist(fam, samples):
    buckets = {}
    total = None
    for name, ls, v in samples:
        if v < 0:
            raise Bad('%s negative' % name)
        if name.endswith('_bucket'):
            le = dict(ls).get('le')
            if le is None:
                raise Bad('%s bucket without le' % fam)
            buckets[value(le)] = v
        elif name.endswith('_count'):
            total = v
    if float('inf') not in buckets or total is None:
        raise Bad('%s: no +Inf bucket or no _count' % fam)
    prev = 0
    for le in sorted(buckets):
        if buckets[le] < prev:
            raise Bad('%s: buckets not cumulative at le=%s' % (fam, le))
        prev = buckets[le]
    if buckets[float('inf')] != total:
        raise Bad('%s: +Inf bucket != _count' % fam)


def parse(text):
    if not text.endswith('\n'):
        raise Bad('no final newline')
    types, helps, seen, done, order = {}, {}, set(), set(), []
    cur, samples, out = None, {}, []
    for n, line in enumerate(text[:-1].split('\n'), 1):
        try:
            if line.startswith('#'):
                m = re.fullmatch(r'# (HELP|TYPE) (\S+) ?(.*)', line)
                if not m:
                    if line.startswith('# HELP') or line.startswith('# TYPE'):
                        raise Bad('bad comment line')
                    continue
                kw, name, rest = m.groups()
                if not NAME.fullmatch(name):
                    raise Bad('bad metric name %r' % name)
                if kw == 'TYPE':
                    if rest not in TYPES:
                        raise Bad('bad type %r' % rest)
                    if name in types or name in samples:
                        raise Bad('TYPE of %s late or twice' % name)
                    types[name] = rest
                else:
                    if name in helps:
                        raise Bad('HELP of %s twice' % name)
                    helps[name] = rest
                continue
            if line == '':
                raise Bad('empty line')
            m = NAME.match(line)
            if not m:
                raise Bad('bad sample name')
            name, i = m.group(), m.end()
            ls = []
            if line[i:i + 1] == '{':
                ls, i = labels(line, i)
            rest = line[i:]
            if not rest.startswith(' '):
                raise Bad('expected space before the value')
            parts = rest[1:].split(' ')
            if len(parts) > 2 or (len(parts) == 2 and
                                  not re.fullmatch(r'-?\d+', parts[1])):
                raise Bad('bad value or timestamp %r' % rest)
            v = value(parts[0])
            fam = family_of(name, types)
            if fam != cur:
                if fam in done:
                    raise Bad('samples of %s not contiguous' % fam)
                if cur is not None:
                    done.add(cur)
                cur = fam
                order.append(fam)
            if types[fam] == 'counter' and v < 0:
                raise Bad('counter %s negative' % name)
            key = name + ('{' + ','.join('%s="%s"' % kv for kv in ls) +
                          '}' if ls else '')
            if key in seen:
                raise Bad('series %s twice' % key)
            seen.add(key)
            samples.setdefault(fam, []).append((name, ls, v))
            out.append((key, parts[0]))
        except Bad as e:
            raise Bad('line %d: %s: %s' % (n, e, line))
    for fam in order:
        if types[fam] == 'histogram':
            check_hist(fam, samples[fam])
    return out


def main():
    text = open(sys.argv[1]).read() if len(sys.argv) > 1 else \
        sys.stdin.read()
    try:
        for key, v in parse(text):
            print(key, v)
    except Bad as e:
        print('promparse: %s' % e, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
