#!/usr/bin/env python3
"""Counts test results for scripts/run-tests.sh; prints "PASSED FAILED SKIPPED".

  count-tests.py tap FILE       TAP lines: "ok" passed, "ok ... # SKIP" skipped,
                                "not ok ... # TODO" (g_test_incomplete) skipped,
                                "not ok" and "Bail out!" failed.
  count-tests.py testlog FILE   meson's testlog.json: a TAP test counts by its subtests
                                (its stdout is in the log), any other by its result; a
                                failed test whose TAP names no failure (a crash) counts
                                as one failure.
  count-tests.py failures-tap FILE, failures-testlog FILE
                                the failures themselves, one line each, so that the end
                                of a CI log names them.
"""
import json
import re
import sys

BAD = {"FAIL", "ERROR", "TIMEOUT", "INTERRUPT", "UNEXPECTEDPASS"}


def tap(lines):
    p = f = s = 0
    for line in lines:
        if re.match(r"ok\b", line):
            if re.search(r"#\s*skip", line, re.I):
                s += 1
            else:
                p += 1
        elif re.match(r"not ok\b", line):
            if re.search(r"#\s*todo", line, re.I):
                s += 1
            else:
                f += 1
        elif line.startswith("Bail out!"):
            f += 1
    return p, f, s


def testlog(lines):
    p = f = s = 0
    for line in lines:
        test = json.loads(line)
        result = test.get("result")
        tp, tf, ts = tap(test.get("stdout", "").splitlines())
        if tp + tf + ts == 0:
            tp, tf, ts = {"OK": (1, 0, 0), "EXPECTEDFAIL": (1, 0, 0),
                          "SKIP": (0, 0, 1)}.get(result, (0, 1, 0))
        elif result in BAD and tf == 0:
            tf = 1
        p, f, s = p + tp, f + tf, s + ts
    return p, f, s


def failed_tap_lines(lines, prefix=""):
    for line in lines:
        line = line.rstrip("\n")
        if (re.match(r"not ok\b", line) and not re.search(r"#\s*todo", line, re.I)) \
                or line.startswith("Bail out!"):
            yield prefix + line


def failures_tap(lines):
    return list(failed_tap_lines(lines))


def failures_testlog(lines):
    out = []
    for line in lines:
        test = json.loads(line)
        name = test.get("name", "?")
        named = list(failed_tap_lines(test.get("stdout", "").splitlines(), name + ": "))
        out += named
        if not named and test.get("result") in BAD:
            out.append("%s: %s" % (name, test.get("result")))
    return out


mode, path = sys.argv[1], sys.argv[2]
with open(path, errors="replace") as lines:
    if mode.startswith("failures-"):
        for failure in {"failures-tap": failures_tap,
                        "failures-testlog": failures_testlog}[mode](lines):
            print(failure)
    else:
        print(*{"tap": tap, "testlog": testlog}[mode](lines))
