#!/usr/bin/env python3
"""A strict checker of the Prometheus text exposition format, version 0.0.4, written from the
format's specification (prometheus.io/docs/instrumenting/exposition_formats/, "Text format
details"), for the metrics test (tests/interop/metrics.sh).

Usage: promcheck.py FILE      prints one line per family ("name type samples") and exits 0;
                              exits 1 with "FILE:LINE: reason" at the first violation.
        promcheck.py --values FILE
                              also prints every sample as "name{labels} value" (labels sorted).

Checked: line syntax (comments, HELP/TYPE, samples with labels, values and optional timestamps),
name and label syntax, label-value escapes, the final newline, one HELP and one TYPE per family,
TYPE before the family's first sample, families in one contiguous group, no duplicate series, no
duplicate label names, counters not negative, histograms (buckets with an "le" label, cumulative
counts, a +Inf bucket equal to _count, a _sum) and summaries (_sum, _count, quantile labels).
"""
import math
import re
import sys

METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|Inf|inf)$")


class Bad(Exception):
    def __init__(self, reason, line=0):
        super().__init__(reason)
        self.reason, self.line = reason, line


def parse_value(text):
    if text in ("NaN", "Nan", "nan"):
        return math.nan
    if not FLOAT.match(text):
        raise Bad("bad value %r" % text)
    return float(text)


def parse_labels(s, i):
    """Parses '{...}' starting at s[i] == '{'; returns (labels, index after '}')."""
    labels = {}
    i += 1
    while True:
        if i < len(s) and s[i] == "}":
            return labels, i + 1
        m = LABEL_NAME.match(s, i)
        if not m:
            raise Bad("bad label name at column %d" % (i + 1))
        name = m.group(0)
        if name.startswith("__"):
            raise Bad("reserved label name %r" % name)
        if name in labels:
            raise Bad("duplicate label %r" % name)
        i = m.end()
        if s[i:i + 2] != '="':
            raise Bad("expected '=\"' after label %r" % name)
        i += 2
        value = []
        while True:
            if i >= len(s):
                raise Bad("unterminated label value")
            c = s[i]
            if c == "\\":
                if i + 1 >= len(s) or s[i + 1] not in '\\"n':
                    raise Bad("bad escape in label value")
                value.append({"\\": "\\", '"': '"', "n": "\n"}[s[i + 1]])
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                raise Bad("newline in label value")
            else:
                value.append(c)
                i += 1
        labels[name] = "".join(value)
        if i < len(s) and s[i] == ",":
            i += 1
        elif i < len(s) and s[i] == "}":
            continue
        else:
            raise Bad("expected ',' or '}' after a label value")


def family_of(name, types):
    """The family a sample name belongs to (histogram/summary suffixes)."""
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            if types.get(base) in ("histogram", "summary"):
                if suffix == "_bucket" and types[base] != "histogram":
                    break
                return base
    return name


def check(text):
    if text and not text.endswith("\n"):
        raise Bad("the last line has no newline")
    types, helps, order, samples = {}, set(), [], {}
    seen_series = set()
    current = None
    closed = set()
    for lineno, line in enumerate(text.split("\n")[:-1], 1):
        try:
            stripped = line.strip(" \t")
            if not stripped:
                continue
            if stripped.startswith("#"):
                parts = stripped[1:].strip(" \t").split(None, 2)
                if len(parts) >= 2 and parts[0] in ("HELP", "TYPE"):
                    name = parts[1]
                    if not METRIC_NAME.fullmatch(name):
                        raise Bad("bad metric name %r" % name)
                    if name in closed or (name != current and name in samples):
                        raise Bad("%s for %s after its samples" % (parts[0], name))
                    if parts[0] == "HELP":
                        if name in helps:
                            raise Bad("second HELP for %s" % name)
                        helps.add(name)
                        doc = parts[2] if len(parts) > 2 else ""
                        if re.search(r"\\[^\\n]", doc.replace("\\\\", "")):
                            raise Bad("bad escape in HELP")
                    else:
                        if len(parts) != 3 or parts[2] not in TYPES:
                            raise Bad("bad TYPE line")
                        if name in types:
                            raise Bad("second TYPE for %s" % name)
                        types[name] = parts[2]
                    if current != name:
                        if current is not None:
                            closed.add(current)
                        current = name
                continue
            m = METRIC_NAME.match(stripped)
            if not m:
                raise Bad("bad metric name")
            name = m.group(0)
            i = m.end()
            labels = {}
            if i < len(stripped) and stripped[i] == "{":
                labels, i = parse_labels(stripped, i)
            rest = stripped[i:]
            if not rest or rest[0] not in " \t":
                raise Bad("expected a blank before the value")
            fields = rest.split()
            if len(fields) not in (1, 2):
                raise Bad("expected a value and an optional timestamp")
            value = parse_value(fields[0])
            if len(fields) == 2 and not re.fullmatch(r"-?\d+", fields[1]):
                raise Bad("bad timestamp %r" % fields[1])
            fam = family_of(name, types)
            if fam != current:
                if fam in closed or fam in samples:
                    raise Bad("family %s is not one contiguous group" % fam)
                if current is not None:
                    closed.add(current)
                current = fam
            key = (name, tuple(sorted(labels.items())))
            if key in seen_series:
                raise Bad("duplicate series %s%s" % key)
            seen_series.add(key)
            if types.get(fam) == "counter" and (value < 0 or math.isnan(value)):
                raise Bad("counter %s is %r" % (name, value))
            if fam not in samples:
                order.append(fam)
                samples[fam] = []
            samples[fam].append((name, labels, value))
        except Bad as e:
            raise Bad(e.reason, lineno)
    for fam in order:
        kind = types.get(fam, "untyped")
        if kind == "histogram":
            check_histogram(fam, samples[fam])
        elif kind == "summary":
            check_summary(fam, samples[fam])
    return types, order, samples


def group_by_labels(samples, drop):
    groups = {}
    for name, labels, value in samples:
        rest = tuple(sorted((k, v) for k, v in labels.items() if k != drop))
        groups.setdefault(rest, []).append((name, labels, value))
    return groups


def check_histogram(fam, samples):
    for rest, group in group_by_labels(samples, "le").items():
        buckets, total, count = [], None, None
        for name, labels, value in group:
            if name == fam + "_bucket":
                if "le" not in labels:
                    raise Bad("%s_bucket without le" % fam)
                buckets.append((parse_value(labels["le"]), value))
            elif name == fam + "_sum":
                total = value
            elif name == fam + "_count":
                count = value
            else:
                raise Bad("%s: unexpected sample %s in a histogram" % (fam, name))
        if count is None or total is None:
            raise Bad("histogram %s%s lacks _sum or _count" % (fam, rest))
        if not buckets or buckets[-1][0] != math.inf:
            raise Bad("histogram %s%s lacks the +Inf bucket (last)" % (fam, rest))
        bounds = [b for b, _ in buckets]
        if bounds != sorted(bounds) or len(set(bounds)) != len(bounds):
            raise Bad("histogram %s: le values not increasing" % fam)
        counts = [c for _, c in buckets]
        if any(b > a for a, b in zip(counts[1:], counts)):
            raise Bad("histogram %s: bucket counts not cumulative" % fam)
        if counts[-1] != count:
            raise Bad("histogram %s: +Inf bucket %r != _count %r" % (fam, counts[-1], count))


def check_summary(fam, samples):
    for name, labels, value in samples:
        if name == fam and "quantile" not in labels:
            raise Bad("summary %s sample without quantile" % fam)
        if name == fam:
            q = parse_value(labels["quantile"])
            if not 0 <= q <= 1:
                raise Bad("summary %s: quantile %r" % (fam, q))


def main():
    args = sys.argv[1:]
    values = args[:1] == ["--values"]
    if values:
        args = args[1:]
    if len(args) != 1:
        sys.exit(__doc__)
    path = args[0]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        types, order, samples = check(text)
    except Bad as e:
        print("%s:%d: %s" % (path, e.line, e.reason))
        sys.exit(1)
    for fam in order:
        print("%s %s %d" % (fam, types.get(fam, "untyped"), len(samples[fam])))
        if values:
            for name, labels, value in samples[fam]:
                lab = ",".join('%s="%s"' % kv for kv in sorted(labels.items()))
                print("  %s{%s} %s" % (name, lab, repr(value)))


if __name__ == "__main__":
    main()
