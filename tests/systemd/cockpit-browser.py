#!/usr/bin/env python3
"""Issue 23: the Cockpit page in a real browser. Debian's headless Chromium, driven over
WebDriver (chromedriver, stdlib HTTP: no npm package), logs in to a real cockpit-ws as
USER and drives the page against the real ocid.service; commands "from outside" are
ocictl runs. TAP on stdout; run by tests/systemd/cockpit.sh, which sets the stage.

  cockpit-browser.py URL USER PASSWORD SCREENSHOT_DIR

Every wait is for the thing itself (the DOM polled every 50 ms up to a deadline); the
timings that the issue bounds (1 s) are measured from the moment the outside command
returned and printed.
"""
import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

URL, USER, PASSWORD, SHOTS = sys.argv[1:5]
n = 0
status = 0
timings = {}


def ok(what):
    global n
    n += 1
    print("ok %d - %s" % (n, what), flush=True)


def not_ok(what):
    global n, status
    n += 1
    status = 1
    print("not ok %d - %s" % (n, what), flush=True)


def sh(*argv, user=None):
    """An outside command, as root or as USER; raises on failure."""
    if user:
        argv = ("runuser", "-u", user, "--") + argv
    r = subprocess.run(("timeout", "60") + argv, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(argv), r.returncode, r.stderr.strip()))
    return r.stdout


class WebDriver:
    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.proc = subprocess.Popen(["chromedriver", "--port=%d" % port],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = "http://127.0.0.1:%d" % port
        deadline = time.monotonic() + 20
        while True:
            try:
                self.req("GET", "/status")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1400,1000",
                         "--lang=en-US", "--no-first-run"],
            }}}}
        self.session = self.req("POST", "/session", caps)["sessionId"]
        WebDriver.current = self

    def req(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        r = urllib.request.Request(self.base + path, data=data, method=method,
                                   headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(r, timeout=60) as resp:
                return json.loads(resp.read() or b"{}").get("value")
        except urllib.error.HTTPError as e:
            raise RuntimeError("%s %s: %s" % (method, path, e.read().decode()[:500]))

    def s(self, method, path, body=None):
        return self.req(method, "/session/%s%s" % (self.session, path), body)

    def go(self, url):
        self.s("POST", "/url", {"url": url})

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def wait(self, script, what, timeout=30.0, *args):
        """Polls script (a JS function body) until it returns truthy; returns that value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.js(script, *args)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError("timed out (%.0f s) waiting for %s" % (timeout, what))
            time.sleep(0.05)

    def frame(self, css):
        el = self.s("POST", "/element", {"using": "css selector", "value": css})
        self.s("POST", "/frame", {"id": el})

    def top(self):
        self.s("POST", "/frame", {"id": None})

    def screenshot(self, name):
        os.makedirs(SHOTS, exist_ok=True)
        path = os.path.join(SHOTS, name)
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.s("GET", "/screenshot")))
        return path

    def quit(self):
        try:
            self.req("DELETE", "/session/%s" % self.session)
        finally:
            self.proc.kill()
            self.proc.wait()


def state_of(name):
    return ("const r = document.querySelector('tr[data-name=\"%s\"]');"
            " return r ? r.dataset.state : null;" % name)


def click(d, css, what):
    d.wait("const e = document.querySelector(%s); if (!e) return false; e.click(); return true;"
           % json.dumps(css), what)


def click_text(d, tag, text):
    d.wait("const e = [...document.querySelectorAll(arguments[0])]"
           ".find(b => b.innerText.includes(arguments[1]) && b.offsetParent !== null);"
           " if (!e) return false; e.click(); return true;", "a %s '%s'" % (tag, text), 20, tag, text)


def step(what, fn, needed=False):
    t0 = time.monotonic()
    try:
        fn()
        ok("%s (%.2f s)" % (what, time.monotonic() - t0))
    except Exception as e:  # one failed step does not hide the next
        not_ok("%s: %s" % (what, str(e).splitlines()[0][:300] if str(e) else repr(e)))
        if needed:  # but without it, nothing after can run
            try:
                d = WebDriver.current
                d.top()
                print("# screenshot: " + d.screenshot("cockpit-ocid-failed.png"))
                print("# at %s: %s" % (d.s("GET", "/url"),
                                        d.js("return document.body.innerText")[:600].replace("\n", " | ")))
            except Exception as e2:
                print("# no screenshot: %s" % e2)
            raise SystemExit(1)


def timed_change(d, command, script, what):
    """Runs an outside command, then measures until script holds in the page."""
    sh(*command)
    t0 = time.monotonic()
    d.wait(script, what, timeout=10)
    dt = time.monotonic() - t0
    timings[what] = dt
    if dt > 1.0:
        raise AssertionError("%s took %.2f s (more than 1 s)" % (what, dt))


def main():
    t_start = time.monotonic()
    d = WebDriver()
    try:
        run(d)
    except SystemExit:
        pass
    finally:
        d.quit()
    for k, v in timings.items():
        print("# timing: %s: %.3f s" % (k, v))
    print("# browser test took %.1f s" % (time.monotonic() - t_start))


def run(d):
    def login():
        d.go(URL + "/")
        # login.js shows the form once it has set it up; a click before that is lost.
        d.wait("const e = document.getElementById('login-user-input');"
               " return e && e.offsetParent !== null;", "the login form")
        d.js("document.getElementById('login-user-input').value = arguments[0];"
             "document.getElementById('login-password-input').value = arguments[1];"
             "document.getElementById('login-button').click();", USER, PASSWORD)
        d.wait("return document.querySelector('#host-apps, nav, #main') && "
               "!document.getElementById('login-user-input')", "the shell after login")
    step("%s logs in to cockpit-ws" % USER, login, needed=True)

    def menu():
        d.go(URL + "/ocid")
        d.wait("return document.body.innerText.includes('Containers (ocid)')",
               "'Containers (ocid)' in the menu")
        d.wait("return !!document.querySelector('iframe[name=\"cockpit1:localhost/ocid\"]')",
               "the page's frame")
        d.frame('iframe[name="cockpit1:localhost/ocid"]')
    step("the menu has 'Containers (ocid)' and the page opens", menu, needed=True)

    def first_run():
        if sh("ocictl", "ps", "-a", "-q").strip():
            ok("the empty state # SKIP earlier suites left containers")
        else:
            d.wait("const e = document.querySelector('.pf-c-empty-state');"
                   " return e && e.innerText.includes('ocictl run');",
                   "the empty state with how to run a first container")
            ok("with no container, the page says how to run a first one")
        bundles, roots = os.environ["WEB_BUNDLES"], os.environ["ROOT_BUNDLES"]
        sh("ocictl", "--no-ask-password", "run", "--detach", "--name", "web-roots", roots + "/roots")
        sh("ocictl", "--no-ask-password", "run", "--detach", "--name", "web-log", bundles + "/logger",
           user=USER)
        sh("ocictl", "--no-ask-password", "run", "--detach", "--name", "web-victim",
           bundles + "/sleeper", user=USER)
    try:
        first_run()
    except Exception as e:
        not_ok("the first containers: %s" % e)

    def listed():
        d.wait("return " + ("document.querySelector('tr[data-name=\"web-roots\"][data-state=running]')"
                            " && document.querySelector('tr[data-name=\"web-log\"][data-state=running]')"),
               "web-roots and web-log listed as running")
        d.wait("const r = document.querySelector('tr[data-name=\"web-log\"] td.memory');"
               " return r && r.textContent.includes('B');", "web-log's memory from GetStatistics")
        d.wait("const r = document.querySelector('tr[data-name=\"web-log\"] td.cpu');"
               " return r && r.textContent.includes('%');", "web-log's cpu from two samples", 10)
        owner = d.js("return document.querySelector('tr[data-name=\"web-roots\"] td.owner').textContent")
        if owner != "root":
            raise AssertionError("web-roots' owner shows %r" % owner)
    step("the list shows the running containers, their owners and memory", listed)
    d.top()
    print("# screenshot: " + d.screenshot("cockpit-ocid-list.png"))
    d.frame('iframe[name="cockpit1:localhost/ocid"]')

    step("a container created with ocictl from outside appears within 1 s",
         lambda: timed_change(d, ("runuser", "-u", USER, "--", "ocictl", "--no-ask-password",
                                  "create", "--name", "web-new", os.environ["WEB_BUNDLES"] + "/sleeper"),
                              state_of("web-new"), "ocictl create -> row"))

    def start_stop():
        click(d, 'tr[data-name="web-new"] button[data-action=start]', "web-new's Start")
        d.wait("const r = document.querySelector('tr[data-name=\"web-new\"]');"
               " return r && r.dataset.state === 'running';", "web-new running")
        click(d, 'tr[data-name="web-new"] button[data-action=stop]', "web-new's Stop")
        d.js("document.getElementById('stop-timeout').value = '0'")
        click(d, 'button[data-action=confirm-stop]', "the stop dialog's Stop")
        d.wait("const r = document.querySelector('tr[data-name=\"web-new\"]');"
               " return r && r.dataset.state === 'stopped';", "web-new stopped")
    step("the page starts and stops a container", start_stop)

    step("a stop from outside changes the row within 1 s",
         lambda: timed_change(d, ("ocictl", "--no-ask-password", "stop", "-t", "0", "web-victim"),
                              "const r = document.querySelector('tr[data-name=\"web-victim\"]');"
                              " return r && r.dataset.state === 'stopped';", "ocictl stop -> row"))

    def row_state(name, state, what):
        d.wait("const r = document.querySelector('tr[data-name=\"%s\"]');"
               " return r && r.dataset.state === '%s';" % (name, state), what, 20)

    def lifecycle():
        click(d, 'tr[data-name="web-victim"] button[data-action=restart]', "web-victim's Restart")
        row_state("web-victim", "running", "web-victim running again")
        click(d, 'tr[data-name="web-victim"] button[data-action=pause]', "web-victim's Pause")
        row_state("web-victim", "paused", "web-victim paused")
        click(d, 'tr[data-name="web-victim"] button[data-action=unpause]', "web-victim's Unpause")
        row_state("web-victim", "running", "web-victim running")
        click(d, 'tr[data-name="web-victim"] button[data-action=kill]', "web-victim's Kill")
        click(d, 'button[data-action=confirm-kill]', "the kill dialog's Kill")
        row_state("web-victim", "stopped", "web-victim killed")
        code = d.js("return document.querySelector('tr[data-name=\"web-victim\"] td.state').innerText")
        if "137" not in code:
            raise AssertionError("the killed container's row says %r, not exit 137" % code)
        click(d, 'tr[data-name="web-victim"] button[data-action=delete]', "web-victim's Delete")
        click(d, 'button[data-action=confirm-delete]', "the delete dialog's Delete")
        d.wait("return !document.querySelector('tr[data-name=\"web-victim\"]')", "web-victim gone", 20)
        if "web-victim" in sh("ocictl", "ps", "-a"):
            raise AssertionError("ocictl ps -a still lists web-victim")
    step("restart, pause, unpause, kill (exit 137) and delete (confirmed) from the page", lifecycle)

    def create_form():
        click(d, 'button[data-action=create]', "Create container")
        d.wait("return !!document.getElementById('create-bundle')", "the create dialog")
        d.js("document.getElementById('create-bundle').value = arguments[0];"
             "document.getElementById('create-name').value = 'web-form';"
             "document.getElementById('create-labels').value = 'app=web\\ntier=test';"
             "document.getElementById('create-restart').value = 'always';"
             "document.getElementById('create-health-cmd').value = 'test -d /proc/1';"
             "document.getElementById('create-health-interval').value = '1';",
             os.environ["WEB_BUNDLES"] + "/sleeper")
        click(d, 'button[data-action=confirm-create]', "the dialog's Create")
        row_state("web-form", "running", "web-form running")
        out = sh("ocictl", "inspect", "web-form")
        if '"app"' not in out or '"tier"' not in out or "ocidweb" not in d.js(
                "return document.querySelector('tr[data-name=\"web-form\"] td.owner').innerText"):
            raise AssertionError("web-form's labels or owner are wrong: %s" % out[:300])
        if sh("ocictl", "inspect", "-f", "{{.RestartPolicy}}", "web-form").strip() != "always":
            raise AssertionError("web-form's restart policy is not always: %s" % out[:300])
        d.wait("const td = document.querySelector('tr[data-name=\"web-form\"] td.health');"
               " return td && td.innerText.trim() === 'healthy';", "web-form healthy in its row")
    step("the create dialog runs a container from a bundle path, with a name, labels, a restart "
         "policy and a health check", create_form)

    def denied():
        click(d, 'tr[data-name="web-roots"] button[data-action=stop]', "web-roots' Stop")
        d.js("document.getElementById('stop-timeout').value = '0'")
        click(d, 'button[data-action=confirm-stop]', "the stop dialog's Stop")
        text = d.wait("const a = document.querySelector('#alerts .pf-c-alert');"
                      " return a ? a.innerText : false;", "the denial")
        if "Not allowed" not in text or "org.oci.Runtime.manage" not in text:
            raise AssertionError("the alert says %r" % text)
        print("# the denial: " + " / ".join(text.splitlines()))
        click(d, '#alerts button[data-action=dismiss]', "the alert's close button")
        if d.js(state_of("web-roots")) != "running":
            raise AssertionError("web-roots is no longer running")
    step("a denied stop shows polkit's refusal, and the container runs on", denied)

    def detail():
        click(d, 'tr[data-name="web-log"] a', "web-log's name")
        d.wait("const l = document.getElementById('log'); return l && l.textContent.includes('log-start');",
               "web-log's first line in the log pane")
        d.wait("return !!document.querySelector('dd[data-property=BundlePath]')", "the properties")
        marker = "log-after-open-%d" % os.getpid()
        sh("ocictl", "--no-ask-password", "exec", "web-log", "/bin/sh", "-c",
           "echo %s >/tmp/go.new && mv /tmp/go.new /tmp/go" % marker)
        t0 = time.monotonic()
        d.wait("return document.getElementById('log').textContent.includes(arguments[0]);",
               "the line printed after the pane opened", 10, marker)
        timings["exec echo -> log pane"] = time.monotonic() - t0
        d.wait("const l = document.querySelector('#chart svg polyline');"
               " return l && l.getAttribute('points').split(' ').length >= 3;",
               "the memory/cpu chart with 3 samples", 20)
    step("the detail view shows the properties, the chart and a line printed after the log pane opened",
         detail)

    def terminal():
        click(d, 'button[data-action=terminal]', "Open a shell")
        d.wait("const t = document.querySelector('#terminal .xterm-rows');"
               " return t && /[#$] *$/m.test(t.innerText.replace(/\\u00a0/g, ' '));", "the shell's prompt", 20)
        d.js("document.querySelector('#terminal textarea').focus()")
        d.s("POST", "/actions", {"actions": [{"type": "key", "id": "kb", "actions":
            [a for ch in "echo term-$((6*7))\n" for a in
             ({"type": "keyDown", "value": "\ue007" if ch == "\n" else ch},
              {"type": "keyUp", "value": "\ue007" if ch == "\n" else ch})]}]})
        d.wait("return document.querySelector('#terminal .xterm-rows').innerText.includes('term-42');",
               "the shell's answer", 20)
    step("the terminal runs a shell in the container", terminal)
    d.top()
    print("# screenshot: " + d.screenshot("cockpit-ocid-detail.png"))
    d.frame('iframe[name="cockpit1:localhost/ocid"]')

    def gone():
        click(d, 'a.pf-c-breadcrumb__link', "the breadcrumb")
        d.wait("return !!document.querySelector('tr[data-name=\"web-new\"]')", "the list")
        sh("ocictl", "--no-ask-password", "rm", "web-new")
        t0 = time.monotonic()
        d.wait("return !document.querySelector('tr[data-name=\"web-new\"]')", "web-new gone", 10)
        timings["ocictl rm -> row gone"] = time.monotonic() - t0
    step("a container deleted from outside leaves the list", gone)

    def absent():
        sh("systemctl", "stop", "ocid.service")
        d.wait("return !!document.getElementById('ocid-absent')", "the 'not running' state", 10)
        sh("systemctl", "start", "ocid.service")
        d.wait("return !document.getElementById('ocid-absent') &&"
               " !!document.querySelector('tr[data-name=\"web-roots\"]')",
               "the list again, with the containers that outlived the daemon", 20)
    step("the page says when ocid is not running, and comes back with it", absent)

    def admin():
        d.top()
        click_text(d, "button", "Limited access")
        field = d.wait("const e = document.querySelector('input[type=password]');"
                       " return e && e.offsetParent !== null;", "the password prompt", 20)
        el = d.s("POST", "/element", {"using": "css selector", "value": "input[type=password]"})
        d.s("POST", "/element/%s/value" % list(el.values())[0], {"text": PASSWORD + "\ue007"})
        d.wait("return document.body.innerText.includes('Administrative access');",
               "administrative access", 30)
        d.frame('iframe[name="cockpit1:localhost/ocid"]')
        d.wait("const e = document.getElementById('access-mode');"
               " return e && e.textContent.includes('root');", "the page acting as root", 20)
        click(d, 'tr[data-name="web-roots"] button[data-action=stop]', "web-roots' Stop")
        d.js("document.getElementById('stop-timeout').value = '0'")
        click(d, 'button[data-action=confirm-stop]', "the stop dialog's Stop")
        d.wait("const r = document.querySelector('tr[data-name=\"web-roots\"]');"
               " return r && r.dataset.state === 'stopped';", "web-roots stopped", 20)
    step("with administrative access (sudo), root's container that was refused stops", admin)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:
        not_ok("the browser: %s" % e)
    sys.exit(status)
