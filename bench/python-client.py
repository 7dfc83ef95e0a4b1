#!/usr/bin/python3
"""The life cycle of a container through ocid from a python-dbus client, for ocid-bench.

One long-lived client, as the C client is: it connects once, then reads "ID BUNDLE" lines on
stdin and for each does what the C client does (subscribe to PropertiesChanged, CreateContainer,
Start when it returns, wait for State=stopped, Delete) and answers
"TOTAL_MS CREATE_MS START_MS EXIT_MS DELETE_MS" (or "error MESSAGE"), the total up to
Delete's reply. Times are time.monotonic(), which is
CLOCK_MONOTONIC like the driver's. The bus address is the first argument.
"""
import sys
import time

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

NAME = "org.oci.Runtime"
MANAGER = "org.oci.Runtime.Manager"
CONTAINER = "org.oci.Runtime.Container"


def run(bus, loop, cid, bundle):
    path = "/org/oci/Runtime/container/" + cid.replace("-", "_2d")
    t = {}
    errors = []

    def on_changed(iface, changed, invalidated):
        if changed.get("State") == "stopped" and "stopped" not in t:
            t["stopped"] = time.monotonic()
            if "started" in t:
                loop.quit()

    def on_started():
        t["started"] = time.monotonic()
        if "stopped" in t:
            loop.quit()

    def on_error(e):
        errors.append(str(e))
        loop.quit()

    def on_created(_path):
        t["created"] = time.monotonic()
        obj = bus.get_object(NAME, path, introspect=False)
        obj.Start(dbus_interface=CONTAINER, reply_handler=on_started, error_handler=on_error)

    match = bus.add_signal_receiver(on_changed, "PropertiesChanged",
                                    "org.freedesktop.DBus.Properties", NAME, path)
    manager = bus.get_object(NAME, "/org/oci/Runtime", introspect=False)
    t["0"] = time.monotonic()
    manager.CreateContainer(cid, cid, bundle, dbus.Dictionary({}, signature="sv"),
                            dbus_interface=MANAGER, reply_handler=on_created,
                            error_handler=on_error, timeout=300)
    loop.run()
    match.remove()
    if errors:
        return "error " + errors[0].replace("\n", " ")
    bus.get_object(NAME, path, introspect=False).Delete(False, dbus_interface=CONTAINER)
    t["deleted"] = time.monotonic()
    ms = lambda a, b: (t[b] - t[a]) * 1000.0
    return "%.3f %.3f %.3f %.3f %.3f" % (ms("0", "deleted"), ms("0", "created"),
                                         ms("created", "started"), ms("started", "stopped"),
                                         ms("stopped", "deleted"))


def main():
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(sys.argv[1])
    loop = GLib.MainLoop()
    print("ready", flush=True)
    for line in sys.stdin:
        cid, bundle = line.split()
        print(run(bus, loop, cid, bundle), flush=True)


if __name__ == "__main__":
    main()
