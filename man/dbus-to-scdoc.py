#!/usr/bin/env python3
"""Writes org.oci.Runtime(5), in scdoc, from the interface XML files given as arguments:
every property, method and signal with its type and its documentation (the
org.gtk.GDBus.DocString annotation, else the XML comment before it), so the manual is
the interface the daemon exports, never a copy that drifts from it."""
import sys
import xml.etree.ElementTree as ET

DOC = "org.gtk.GDBus.DocString"


def text(s):
    """One paragraph of scdoc: collapsed spaces, scdoc's markup characters escaped."""
    s = " ".join(s.split())
    for c in "*_":
        s = s.replace(c, "\\" + c)
    return s


def members(interface):
    """(element, documentation) for each member, the comment before it as a fallback."""
    comment = None
    for child in interface:
        if child.tag is ET.Comment:
            comment = child.text
            continue
        doc = None
        for a in child.findall("annotation"):
            if a.get("name") == DOC:
                doc = a.get("value")
        yield child, doc if doc is not None else (comment or "")
        comment = None


def args(element, direction):
    return ", ".join(
        f"{a.get('type')} {a.get('name', 'arg')}"
        for a in element.findall("arg")
        if a.get("direction", "in" if element.tag == "method" else "out") == direction
        or element.tag == "signal"
    )


def interface_doc(path):
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    root = ET.parse(path, parser).getroot()
    out = []
    for interface in root.findall("interface"):
        name = interface.get("name")
        out.append(f"# INTERFACE {name}\n")
        sections = {"property": [], "method": [], "signal": []}
        for element, doc in members(interface):
            if element.tag not in sections:
                continue
            if element.tag == "property":
                head = f"*{element.get('name')}* _{element.get('type')}_ ({element.get('access')})"
            elif element.tag == "method":
                outs = args(element, "out")
                head = f"*{element.get('name')}*({text(args(element, 'in'))})"
                if outs:
                    head += f" -> ({text(outs)})"
            else:
                head = f"*{element.get('name')}*({text(args(element, 'out'))})"
            sections[element.tag].append(f"{head}\n\t{text(doc) or 'Undocumented.'}\n")
        for tag, title in (("property", "Properties"), ("method", "Methods"), ("signal", "Signals")):
            if sections[tag]:
                out.append(f"## {title}\n")
                out.extend(sections[tag])
    return "\n".join(out)


HEAD = """org.oci.Runtime(5)

# NAME

org.oci.Runtime - the D-Bus interface of ocid

# DESCRIPTION

*ocid*(8) owns the name *org.oci.Runtime* on the system bus. The manager is at
*/org/oci/Runtime* (*org.oci.Runtime.Manager*); each container is an object at
*/org/oci/Runtime/container/*_ESCAPED-ID_ (*org.oci.Runtime.Container*); a process started
by *Exec* is at */org/oci/Runtime/process/*_N_ (*org.oci.Runtime.Process*). Every object
also has *org.freedesktop.DBus.Properties*, whose *PropertiesChanged* announces each change
of a container's state.

# OBJECT PATHS

A container id may hold characters that an object path may not, so the last element of a
container's path is the id escaped as *sd_bus_path_encode*(3) does: every character other
than a letter or a digit, and a digit at the start, becomes *\\_* and its two hex digits. So
*web* is */org/oci/Runtime/container/web*, *my-web* is
*/org/oci/Runtime/container/my\\_2dweb*, and *1web* is */org/oci/Runtime/container/\\_31web*.
*GetContainer* answers the path for an id or a name, so a client need not escape;
*ocictl*(1) does this for every command.

# ERRORS

Failures are D-Bus errors named *org.oci.Runtime.Error.*_NAME_, with a message that says
what to do: *NoSuchContainer*, *ContainerExists*, *InvalidArgument*, *InvalidState*,
*RuntimeFailed*, *Timeout*, *AccessDenied*.

# AUTHORIZATION

Reading properties, *ListContainers*, *GetContainer*, *Wait* and *GetStatistics* is open to
every local user. Every other method asks polkit (*org.oci.Runtime.manage*, *.exec*,
*.create-privileged*, and the actions the methods name) with the details *container* and
*verb*; root is always allowed. Clients pass *ALLOW_INTERACTIVE_AUTHORIZATION* to let polkit
ask for a password.
"""

TAIL = """
# SEE ALSO

*ocid*(8), *ocictl*(1), *ocid.conf*(5), *busctl*(1), *sd_bus_path_encode*(3)
"""

if __name__ == "__main__":
    sys.stdout.write(HEAD + "\n" + "\n".join(interface_doc(p) for p in sys.argv[1:]) + TAIL)
