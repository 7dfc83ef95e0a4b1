/* ocid over D-Bus: the container list from the ObjectManager, kept current from
 * ContainerNew, ContainerRemoved and PropertiesChanged; no polling. GetStatistics is the
 * one thing asked again and again (ocid signals no figures), for running containers only
 * and only while the page is shown. */

import { _ } from "./dom.js";

export const SERVICE = "org.oci.Runtime";
export const MANAGER_PATH = "/org/oci/Runtime";
export const MANAGER = "org.oci.Runtime.Manager";
export const CONTAINER = "org.oci.Runtime.Container";
const PROPERTIES = "org.freedesktop.DBus.Properties";
const STATS_INTERVAL_MS = 2000;
const HISTORY = 60;

function unwrap(props) {
    const out = {};
    for (const [k, v] of Object.entries(props || {}))
        out[k] = v && typeof v === "object" && "v" in v && "t" in v ? v.v : v;
    return out;
}

export class Model extends EventTarget {
    constructor() {
        super();
        this.containers = new Map(); /* path -> properties */
        this.stats = new Map(); /* path -> {memory, cpu, history: [{t, memory, cpu}]} */
        this.manager = null; /* the Manager's properties */
        this.status = "connecting"; /* connecting, ready, absent */
        this.problem = null;
        this.client = null;
        this.timer = null;
    }

    changed(path) {
        this.dispatchEvent(new CustomEvent("changed", { detail: path || null }));
    }

    /* Cockpit's administrative access (sudo) switched on or off: the same calls now go as
     * root or as the user, so everything is read again through a new connection. */
    watchSuperuser() {
        const su = cockpit.dbus(null, { bus: "internal" }).proxy("cockpit.Superuser", "/superuser");
        let current = null;
        su.addEventListener("changed", () => {
            if (su.Current === current || su.Current === "init")
                return;
            const first = current === null;
            current = su.Current;
            /* Current names the bridge that gives it ("sudo"), or is "none". */
            this.admin = current !== "none";
            if (!first)
                this.connect();
            this.changed();
        });
    }

    connect() {
        if (this.client)
            this.client.close();
        const client = this.client = cockpit.dbus(SERVICE, { bus: "system", superuser: "try" });
        /* Subscribe before the first read, so that nothing between the two is missed. */
        client.subscribe({ interface: MANAGER, member: "ContainerNew", path: MANAGER_PATH },
                         (path, iface, signal, [id, objpath]) => this.fetch(objpath));
        client.subscribe({ interface: MANAGER, member: "ContainerRemoved", path: MANAGER_PATH },
                         (path, iface, signal, [id, objpath]) => this.remove(objpath));
        client.subscribe({ interface: PROPERTIES, member: "PropertiesChanged", path_namespace: MANAGER_PATH },
                         (path, iface, signal, [changedIface, changed]) => {
                             if (changedIface === CONTAINER && this.containers.has(path)) {
                                 Object.assign(this.containers.get(path), unwrap(changed));
                                 this.changed(path);
                             } else if (changedIface === MANAGER && this.manager) {
                                 Object.assign(this.manager, unwrap(changed));
                             }
                         });
        /* The bridge tells when ocid's name gets or loses its owner: ocid started, stopped
         * or restarted. */
        client.addEventListener("owner", (event, owner) => {
            if (owner)
                this.load();
            else if (owner === null)
                this.absent(_("ocid is not running."));
        });
        client.addEventListener("close", (event, options) => {
            if (client === this.client && options.problem !== "cancelled")
                this.absent(options.message || options.problem);
        });
        return this.load();
    }

    absent(problem) {
        this.status = "absent";
        this.problem = problem;
        this.containers.clear();
        this.stats.clear();
        this.changed();
    }

    load() {
        const client = this.client;
        return client.call(MANAGER_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", [])
                .then(([objects]) => {
                    if (client !== this.client)
                        return;
                    this.containers.clear();
                    for (const [path, ifaces] of Object.entries(objects)) {
                        if (ifaces[CONTAINER])
                            this.containers.set(path, unwrap(ifaces[CONTAINER]));
                    }
                    this.status = "ready";
                    this.problem = null;
                    this.changed();
                    this.sample();
                    /* The manager is the ObjectManager's own object, which it does not list. */
                    return client.call(MANAGER_PATH, PROPERTIES, "GetAll", [MANAGER]);
                })
                .then(reply => {
                    if (reply && client === this.client) {
                        this.manager = unwrap(reply[0]);
                        this.changed();
                    }
                })
                .catch(ex => this.absent(ex.message || ex.problem || String(ex)));
    }

    fetch(path) {
        return this.client.call(path, PROPERTIES, "GetAll", [CONTAINER])
                .then(([props]) => {
                    this.containers.set(path, unwrap(props));
                    this.changed(path);
                })
                .catch(() => {}); /* removed again before we asked */
    }

    remove(path) {
        this.containers.delete(path);
        this.stats.delete(path);
        this.changed(path);
    }

    byId(id) {
        for (const [path, props] of this.containers)
            if (props.Id === id)
                return [path, props];
        return [null, null];
    }

    /* GetStatistics of every running container; cpu as a share of one cpu since the
     * last sample. */
    sample() {
        clearTimeout(this.timer);
        const running = [...this.containers].filter(([, p]) => p.State === "running" || p.State === "paused");
        const calls = cockpit.hidden ? [] : running.map(([path]) =>
            this.client.call(path, CONTAINER, "GetStatistics", [])
                    .then(([stats]) => this.record(path, unwrap(stats)))
                    .catch(() => this.stats.delete(path)));
        Promise.all(calls).then(() => {
            if (calls.length)
                this.dispatchEvent(new CustomEvent("stats"));
            this.timer = setTimeout(() => this.sample(), STATS_INTERVAL_MS);
        });
    }

    record(path, s) {
        const now = performance.now();
        const old = this.stats.get(path);
        const entry = old || { history: [] };
        const usec = Number(s.cpu_usage_usec || 0);
        entry.cpu = old && old.usec !== undefined && now > old.t
            ? Math.max(0, (usec - old.usec) / ((now - old.t) * 1000) * 100) : null;
        entry.usec = usec;
        entry.t = now;
        entry.memory = Number(s.memory_current || 0);
        entry.pids = Number(s.pids_current || 0);
        entry.history.push({ memory: entry.memory, cpu: entry.cpu || 0 });
        if (entry.history.length > HISTORY)
            entry.history.shift();
        this.stats.set(path, entry);
    }

    containerCall(path, method, args = []) {
        return this.client.call(path, CONTAINER, method, args);
    }

    create(name, bundle, options) {
        return this.client.call(MANAGER_PATH, MANAGER, "CreateContainer", ["", name, bundle, options]);
    }
}
