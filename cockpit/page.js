/* The page: the container list, or one container's detail view (cockpit.location
 * /ID). Everything is drawn again from the model on each change; the model changes on
 * signals only. */
import { _, h, button, label, emptyState, bytes, duration } from "./dom.js";
import { Model } from "./model.js";
import { actionsFor, createDialog } from "./actions.js";
import { Detail } from "./detail.js";

const model = new Model();
const users = new Map(); /* uid -> login name, from /etc/passwd */
let userName = "";
let detail = null;
const main = document.querySelector("main");

const STATE_COLORS = { running: "green", paused: "orange", created: "blue", stopped: "grey", creating: "cyan" };

/* ocid's state names (docs/state-machine.md), in the user's language. */
const STATE_NAMES = {
    running: _("running"),
    paused: _("paused"),
    created: _("created"),
    stopped: _("stopped"),
    creating: _("creating"),
};

export function stateLabel(state) {
    return label(STATE_NAMES[state] || state, STATE_COLORS[state] || "grey");
}

export function ownerName(uid) {
    return users.get(uid) ?? String(uid);
}

function uptime(props) {
    if (props.State !== "running" && props.State !== "paused")
        return "";
    return duration(Date.now() / 1000 - Number(props.StartedTimestamp) / 1e6);
}

function readUsers() {
    cockpit.file("/etc/passwd").read()
            .then(text => {
                for (const line of (text || "").split("\n")) {
                    const f = line.split(":");
                    if (f.length > 2)
                        users.set(Number(f[2]), f[0]);
                }
                render();
            })
            .catch(() => {});
}

function row(path, props) {
    const st = model.stats.get(path);
    const open = () => cockpit.location.go([props.Id]);
    const hasHealth = "Health" in props;
    return h("tr", { dataset: { id: props.Id, name: props.Name, state: props.State } },
             h("td.ocid-clickable", { onclick: open },
               h("a", { href: "#/" + props.Id, onclick: ev => { ev.preventDefault(); open() } }, props.Name)),
             h("td.ocid-id", {}, props.Id.slice(0, 12)),
             h("td.owner", {}, ownerName(props.Owner)),
             h("td.state", {}, stateLabel(props.State),
               props.State === "stopped" ? " " + cockpit.format(_("exit $0"), props.ExitCode) : ""),
             hasHealth ? h("td.health", {}, props.Health) : h("td.health", {}, ""),
             h("td.uptime", {}, uptime(props)),
             h("td.memory", {}, st ? bytes(st.memory) : ""),
             h("td.cpu", {}, st && st.cpu !== null ? st.cpu.toFixed(1) + " %" : ""),
             h("td.pf-c-table__action", {}, h("div.ocid-actions", {}, actionsFor(model, path, props))));
}

function firstContainerHelp() {
    return [
        h("p", {}, _("No containers yet. Run a first one from an OCI bundle:")),
        h("pre", {}, "ocictl run --detach --name hello /path/to/bundle"),
        h("p", {}, _("or press “Create container” and give the bundle's path. A bundle is a directory with config.json and a root file system (runc spec, umoci unpack or skopeo copy make one).")),
        button(_("Create container"), () => createDialog(model), "primary", { action: "create" }),
    ];
}

function absentState() {
    return emptyState(_("ocid is not available"),
                      h("p", { id: "ocid-absent" }, _("The container supervisor ocid is not installed or not running on this host.")),
                      model.problem ? h("p", {}, h("small", {}, model.problem)) : null,
                      h("p", {}, _("Install it, then start it:")),
                      h("pre", {}, "systemctl start ocid.service"),
                      button(_("Try again"), () => model.connect(), "primary", { action: "retry" }));
}

function listView() {
    const rows = [...model.containers].sort((a, b) => a[1].Name.localeCompare(b[1].Name));
    const hasHealth = rows.some(([, p]) => "Health" in p);
    const head = [_("Name"), _("ID"), _("Owner"), _("State"), hasHealth ? _("Health") : null,
        _("Uptime"), _("Memory"), _("CPU"), ""].filter(x => x !== null);
    let body;
    if (model.status === "absent")
        body = absentState();
    else if (model.status === "connecting")
        body = emptyState(_("Loading…"));
    else if (rows.length === 0)
        body = emptyState(_("No containers"), firstContainerHelp());
    else
        body = h("table.pf-c-table.pf-m-grid-md.pf-m-compact", { role: "grid", id: "containers" },
                 h("thead", {}, h("tr", {}, head.map(t => h("th", {}, t)))),
                 h("tbody", {}, rows.map(([path, props]) => {
                     const tr = row(path, props);
                     if (!hasHealth)
                         tr.querySelector("td.health").remove();
                     return tr;
                 })));
    return h("section.pf-c-page__main-section.ocid-section", {},
             h("div.pf-c-card", {},
               h("div.pf-c-card__header.ocid-toolbar", {},
                 h("h2.pf-c-title.pf-m-xl", {}, _("Containers")),
                 model.manager ? h("small", { id: "versions" }, cockpit.format(_("ocid $0 with $1"), model.manager.Version,
                                                                               model.manager.RuntimeVersion || model.manager.RuntimeName)) : null,
                 h("small", { id: "access-mode" }, model.admin
                     ? _("Administrative access: every action runs as root.")
                     : cockpit.format(_("As $0: your own containers, and what polkit grants you on others."),
                                      userName)),
                 model.status === "ready" ? button(_("Create container"), () => createDialog(model), "primary", { action: "create" }) : null),
               h("div.pf-c-card__body", {}, body)));
}

function render() {
    const id = cockpit.location.path[0];
    if (id) {
        const [path, props] = model.byId(id);
        if (!detail || detail.id !== id) {
            if (detail)
                detail.close();
            detail = new Detail(model, id, { stateLabel, ownerName });
            main.replaceChildren(detail.element);
        }
        detail.update(path, props);
        return;
    }
    if (detail) {
        detail.close();
        detail = null;
    }
    main.replaceChildren(listView());
}

/* The list is drawn again on a change; figures and uptimes in place, each second. */
function refreshFigures() {
    if (detail) {
        detail.refreshStats();
        return;
    }
    for (const tr of main.querySelectorAll("tr[data-id]")) {
        const [path, props] = model.byId(tr.dataset.id);
        if (!props)
            continue;
        const st = model.stats.get(path);
        tr.querySelector("td.uptime").textContent = uptime(props);
        tr.querySelector("td.memory").textContent = st ? bytes(st.memory) : "";
        tr.querySelector("td.cpu").textContent = st && st.cpu !== null ? st.cpu.toFixed(1) + " %" : "";
    }
}

document.title = _("Containers (ocid)");
document.body.append(h("div", { id: "alerts", "aria-live": "polite" }));
model.addEventListener("changed", render);
model.addEventListener("stats", refreshFigures);
cockpit.addEventListener("locationchanged", render);
cockpit.addEventListener("visibilitychange", () => model.sample());
setInterval(refreshFigures, 1000);
readUsers();
cockpit.user().then(u => {
    userName = u.name;
    render();
});
render();
model.watchSuperuser();
model.connect();
cockpit.transport.wait(() => {});
