#!/usr/bin/env python3
"""Makes the page's third-party files from the locked npm packages, for meson.

  vendor.py --npm NPM --source COCKPIT_DIR --workdir DIR OUT_PATTERNFLY_CSS OUT_XTERM_JS OUT_XTERM_CSS

Runs `npm ci` on cockpit/package-lock.json in DIR (a build-tree copy, so the source tree
stays clean), then writes:
- patternfly.css: PatternFly 4's stylesheet with the fonts it needs (Red Hat Text and
  Display, pficon, the Font Awesome subset) inlined as data: URIs, so that the installed
  page needs no file but its own and no network; the fonts and pictures the page never
  shows (Overpass, the login backgrounds, the form-validation sprite) are dropped;
- xterm.js and xterm.css as the package ships them (already built, no bundler needed).
"""
import argparse
import base64
import os
import re
import shutil
import subprocess
import sys

KEEP_FONTS = ("RedHatDisplay/", "RedHatText/", "pficon/", "webfonts/fa-solid-900")


def npm_ci(npm, source, workdir):
    os.makedirs(workdir, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(os.path.join(source, name), os.path.join(workdir, name))
    subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=workdir, check=True, stdout=sys.stderr)
    return os.path.join(workdir, "node_modules")


def font_face(block, root):
    """One @font-face block with its woff2 inlined, or "" when the page needs none of it."""
    woff2 = re.search(r'url\("\./(assets/[^"]+\.woff2)"\)', block)
    if woff2 is None or not any(k in woff2.group(1) for k in KEEP_FONTS):
        return ""
    with open(os.path.join(root, woff2.group(1)), "rb") as f:
        data = base64.b64encode(f.read()).decode("ascii")
    src = 'src: url("data:font/woff2;base64,%s") format("woff2");' % data
    return re.sub(r"src:[^;]*;", lambda _: src, block, count=1)


def patternfly(modules, out):
    root = os.path.join(modules, "@patternfly", "patternfly")
    with open(os.path.join(root, "patternfly.css"), encoding="utf-8") as f:
        css = f.read()
    css = re.sub(r"@font-face\s*\{[^}]*\}", lambda m: font_face(m.group(0), root), css)
    # Every other file reference is a picture the page does not show.
    css = re.sub(r'url\("\./assets/[^"]*"\)', "none", css)
    with open(out, "w", encoding="utf-8") as f:
        f.write(css)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--npm", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("patternfly_css")
    p.add_argument("xterm_js")
    p.add_argument("xterm_css")
    a = p.parse_args()
    modules = npm_ci(a.npm, a.source, a.workdir)
    patternfly(modules, a.patternfly_css)
    shutil.copyfile(os.path.join(modules, "xterm", "lib", "xterm.js"), a.xterm_js)
    shutil.copyfile(os.path.join(modules, "xterm", "css", "xterm.css"), a.xterm_css)


if __name__ == "__main__":
    main()
