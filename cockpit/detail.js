/* One container: its actions, every property, its log following live, a terminal into
 * it and its memory and cpu over time. The log and the terminal go through ocictl on the
 * host (cockpit.spawn and a pty channel): ocid passes them as file descriptors (OpenLog,
 * Exec), which Cockpit's D-Bus bridge cannot carry. */
import { _, h, button, emptyState, bytes, duration } from "./dom.js";
import { actionsFor } from "./actions.js";

const MAX_LOG_CHARS = 200000;

function show(value) {
    if (value === undefined || value === null)
        return "";
    if (Array.isArray(value))
        return value.map(v => Array.isArray(v) ? v.join(" ") : String(v)).join(", ");
    if (typeof value === "object")
        return Object.entries(value).map(([k, v]) => k + "=" + v).join(", ");
    return String(value);
}

function timestamp(usec) {
    const n = Number(usec);
    return n ? new Date(n / 1000).toLocaleString() : "";
}

export class Detail {
    constructor(model, id, helpers) {
        this.model = model;
        this.id = id;
        this.helpers = helpers;
        this.path = null;
        this.props = null;
        this.logProc = null;
        this.term = null;
        this.channel = null;
        this.header = h("div.pf-c-card__header.ocid-toolbar");
        this.propsEl = h("dl.ocid-props", { id: "properties" });
        this.log = h("pre.ocid-log", { id: "log", "aria-label": _("Log") });
        this.chart = h("div", { id: "chart" });
        this.termBox = h("div", { id: "terminal" });
        this.element = h("section.pf-c-page__main-section.ocid-section", {},
                         h("nav.pf-c-breadcrumb", {}, h("ol.pf-c-breadcrumb__list", {},
                                                        h("li.pf-c-breadcrumb__item", {},
                                                          h("a.pf-c-breadcrumb__link", { href: "#/", onclick: ev => { ev.preventDefault(); cockpit.location.go([]) } },
                                                            _("Containers"))),
                                                        h("li.pf-c-breadcrumb__item", { id: "breadcrumb-name" }, id.slice(0, 12)))),
                         h("div.pf-c-card", { id: "detail" }, this.header,
                           h("div.pf-c-card__body", {},
                             h("h3.pf-c-title.pf-m-md", {}, _("Memory and CPU")), this.chart,
                             h("h3.pf-c-title.pf-m-md", {}, _("Log")), this.log,
                             h("h3.pf-c-title.pf-m-md", {}, _("Terminal")), this.termBox,
                             h("h3.pf-c-title.pf-m-md", {}, _("Properties")), this.propsEl)));
        this.startLog();
    }

    update(path, props) {
        const was = this.props;
        this.path = path;
        this.props = props;
        if (!props) {
            this.stale = true; /* deleted: a container created again with this id logs anew */
            this.header.replaceChildren(emptyState(this.model.status === "ready"
                ? cockpit.format(_("No container $0"), this.id) : _("Loading…")));
            this.propsEl.replaceChildren();
            return;
        }
        this.element.querySelector("#breadcrumb-name").textContent = props.Name;
        this.header.replaceChildren(
            h("h2.pf-c-title.pf-m-xl", { id: "detail-name" }, props.Name),
            h("span", { id: "detail-state", dataset: { state: props.State } }, this.helpers.stateLabel(props.State)),
            h("div.ocid-actions", {}, actionsFor(this.model, path, props, true)));
        const names = Object.keys(props).sort();
        this.propsEl.replaceChildren(...names.flatMap(k => [
            h("dt", {}, k),
            h("dd", { dataset: { property: k } },
              k.endsWith("Timestamp") ? timestamp(props[k]) : k === "Owner" ? this.helpers.ownerName(props[k]) + " (" + props[k] + ")" : show(props[k])),
        ]));
        /* The terminal is offered while the container runs; a log that ended (the
         * container stopped) follows again once it runs anew. */
        const live = props.State === "running";
        if (!was || (was.State === "running") !== live)
            this.updateTerminal(live);
        /* ocictl logs -f ends when the container stops; a restart (a new create with
         * the same id) has a new log to follow. */
        if (live && (this.stale || (was && was.State !== "running" && was.State !== "paused"))) {
            this.stale = false;
            this.logProc.close("cancelled");
            this.startLog();
        }
        this.refreshStats();
    }

    startLog() {
        this.log.textContent = "";
        this.logProc = cockpit.spawn(["ocictl", "--no-ask-password", "logs", "-f", this.id],
                                     { err: "out", superuser: "try" });
        this.logProc.stream(data => {
            const atEnd = this.log.scrollTop + this.log.clientHeight >= this.log.scrollHeight - 4;
            let text = this.log.textContent + data;
            if (text.length > MAX_LOG_CHARS)
                text = text.slice(text.length - MAX_LOG_CHARS);
            this.log.textContent = text;
            if (atEnd)
                this.log.scrollTop = this.log.scrollHeight;
        });
        this.logProc.catch(ex => {
            if (ex.problem !== "cancelled" && ex.message)
                this.log.append(h("span", { class: "log-error" }, "\n" + ex.message + "\n"));
        });
    }

    updateTerminal(live) {
        this.closeTerminal();
        if (!live) {
            this.termBox.replaceChildren(h("p", {}, _("A terminal opens while the container runs.")));
            return;
        }
        this.termBox.replaceChildren(button(_("Open a shell"), () => this.openTerminal(), "secondary", { action: "terminal" }));
    }

    /* ocictl exec -it ID /bin/sh in a pty, as Cockpit's own terminal runs a shell. */
    openTerminal() {
        const box = h("div.ocid-terminal");
        this.termBox.replaceChildren(box);
        const term = this.term = new window.Terminal({ cols: 100, rows: 20, convertEol: false, fontSize: 13 });
        term.open(box);
        const channel = this.channel = cockpit.channel({
            payload: "stream",
            spawn: ["ocictl", "--no-ask-password", "exec", "-it", this.id, "/bin/sh"],
            pty: true,
            superuser: "try",
            environ: ["TERM=xterm-256color"],
            window: { rows: term.rows, cols: term.cols },
        });
        channel.addEventListener("message", (ev, data) => term.write(data));
        channel.addEventListener("close", (ev, options) => {
            term.write("\r\n" + (options.message || options.problem || _("[the shell ended]")) + "\r\n");
        });
        term.onData(data => channel.valid && channel.send(data));
        term.focus();
    }

    closeTerminal() {
        if (this.channel)
            this.channel.close();
        if (this.term)
            this.term.dispose();
        this.channel = this.term = null;
    }

    /* Two polylines in one SVG: memory against its own peak, cpu in percent of one cpu. */
    refreshStats() {
        const st = this.path && this.model.stats.get(this.path);
        if (!st || !st.history.length) {
            this.chart.replaceChildren(h("p", {}, _("Figures appear while the container runs.")));
            return;
        }
        const W = 300, H = 80, n = st.history.length;
        const maxMem = Math.max(...st.history.map(p => p.memory), 1);
        const maxCpu = Math.max(100, ...st.history.map(p => p.cpu));
        /* Left to right over the samples so far (at most HISTORY), 5 % headroom. */
        const points = f => st.history.map((p, i) =>
            ((W * i) / Math.max(n - 1, 1)).toFixed(1) + "," + (H - (H * 0.95 * f(p))).toFixed(1)).join(" ");
        const ns = "http://www.w3.org/2000/svg";
        const svg = document.createElementNS(ns, "svg");
        svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
        svg.setAttribute("preserveAspectRatio", "none");
        svg.setAttribute("class", "ocid-chart");
        for (const [cls, f] of [["mem", p => p.memory / maxMem], ["cpu", p => p.cpu / maxCpu]]) {
            const line = document.createElementNS(ns, "polyline");
            line.setAttribute("class", cls);
            line.setAttribute("points", points(f));
            svg.append(line);
        }
        const started = Number(this.props?.StartedTimestamp || 0) / 1e6;
        this.chart.replaceChildren(svg, h("p", { id: "figures" },
                                          cockpit.format(_("Memory $0 (blue), CPU $1 % (orange), $2, up $3"),
                                                         bytes(st.memory), st.cpu === null ? "–" : st.cpu.toFixed(1),
                                                         cockpit.format(cockpit.ngettext("$0 process", "$0 processes", st.pids), st.pids),
                                                         duration(Date.now() / 1000 - started))));
    }

    close() {
        if (this.logProc)
            this.logProc.close("cancelled");
        this.closeTerminal();
    }
}
