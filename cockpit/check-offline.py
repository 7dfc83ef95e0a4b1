#!/usr/bin/env python3
"""The installed page works offline from its own files: every file that index.html and the
modules load is one the build installs next to it (or Cockpit's own ../base1/cockpit.js and
the bridge's po.js), no stylesheet refers to a file by url() (the fonts are inlined), and
nothing is fetched from another host (the SVG namespace name is not a fetch).

  check-offline.py SOURCE_DIR BUILD_DIR
"""
import json
import os
import re
import sys

src, build = sys.argv[1:3]
page = {f for d in (src, build) for f in os.listdir(d)}
problems = []
served = {"../base1/cockpit.js", "po.js"}

with open(os.path.join(src, "manifest.json"), encoding="utf-8") as f:
    manifest = json.load(f)
if manifest["menu"]["index"]["label"] != "Containers (ocid)":
    problems.append("manifest.json: the menu label is not 'Containers (ocid)'")

html = open(os.path.join(src, "index.html"), encoding="utf-8").read()
for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
    if ref not in served and ref not in page:
        problems.append("index.html loads %s, which the page does not have" % ref)

for name in sorted(page):
    path = os.path.join(src if os.path.exists(os.path.join(src, name)) else build, name)
    if not os.path.isfile(path) or not name.endswith((".js", ".css", ".html")):
        continue
    text = open(path, encoding="utf-8").read()
    if name.endswith(".css"):  # licence headers name their authors' sites
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    if name.endswith(".js") and not name.startswith(("po.", "xterm")):
        for ref in re.findall(r'^import .* from "([^"]+)";', text, re.M):
            if os.path.basename(ref) not in page:
                problems.append("%s imports %s, which the page does not have" % (name, ref))
    for url in re.findall(r'url\(\s*["\']?(?!data:|#)([^"\')]+)', text):
        problems.append("%s refers to %s by url()" % (name, url))
    for url in set(re.findall(r'https?://[^"\'\s)]+', text)):
        if url != "http://www.w3.org/2000/svg":
            problems.append("%s names %s" % (name, url))

for p in problems:
    print(p)
print("the page's files are complete and offline" if not problems else "%d problems" % len(problems))
sys.exit(1 if problems else 0)
