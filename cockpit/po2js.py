#!/usr/bin/env python3
"""Writes Cockpit's po.LANG.js (cockpit.locale({...})) from one of the project's po files,
with the messages that come from the page (those whose reference is under cockpit/).

  po2js.py INPUT.po OUTPUT.js
"""
import ast
import json
import re
import sys


def entries(path):
    entry = {"refs": [], "flags": ""}
    field = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                if "msgid" in entry:
                    yield entry
                entry, field = {"refs": [], "flags": ""}, None
            elif line.startswith("#:"):
                entry["refs"] += line[2:].split()
            elif line.startswith("#,"):
                entry["flags"] += line[2:]
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[field] += ast.literal_eval(line)
            else:
                field, _, value = line.partition(" ")
                entry[field] = ast.literal_eval(value)
    if "msgid" in entry:
        yield entry


def main(src, out):
    header, messages = {}, {}
    for e in entries(src):
        if e["msgid"] == "":
            for h in e.get("msgstr", "").split("\n"):
                k, _, v = h.partition(":")
                header[k.strip()] = v.strip()
            continue
        if "fuzzy" in e["flags"] or not any(r.startswith("cockpit/") for r in e["refs"]):
            continue
        key = e["msgid"] if "msgctxt" not in e else e["msgctxt"] + "\u0004" + e["msgid"]
        if "msgid_plural" in e:
            forms = [e[k] for k in sorted(k for k in e if k.startswith("msgstr["))]
            if all(forms):
                messages[key] = [e["msgid_plural"]] + forms
        elif e.get("msgstr"):
            messages[key] = [None, e["msgstr"]]
    plural = re.search(r"plural=([^;]*)", header.get("Plural-Forms", ""))
    lang = header.get("Language", "")
    meta = json.dumps({"language": lang, "language-direction": "ltr"})[:-1]
    with open(out, "w", encoding="utf-8") as f:
        f.write("cockpit.locale({\n\"\": %s, \"plural-forms\": function(n) { return +(%s); }},\n"
                % (meta, plural.group(1) if plural else "n != 1"))
        f.write(",\n".join("%s: %s" % (json.dumps(k), json.dumps(v)) for k, v in messages.items()))
        f.write("\n});\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
