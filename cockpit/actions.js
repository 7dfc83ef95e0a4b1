/* The actions on a container: the same D-Bus methods, and so the same polkit actions, as
 * ocictl's verbs. A refusal shows ocid's message, which names the polkit action. */
import { _, h, alert, button, modal, formGroup } from "./dom.js";

const DEFAULT_STOP_TIMEOUT = 10;

function failed(what, name, ex) {
    const denied = ex && ex.name === "org.oci.Runtime.Error.AccessDenied";
    const title = denied
        ? cockpit.format(_("Not allowed to $0 $1"), what, name)
        : cockpit.format(_("Cannot $0 $1"), what, name);
    alert(title, ex && ex.message ? ex.message : String(ex));
}

export function run(model, path, what, method, args) {
    const name = model.containers.get(path)?.Name || path;
    return model.containerCall(path, method, args).catch(ex => failed(what, name, ex));
}

/* Which buttons a state offers (docs/state-machine.md). */
export function actionsFor(model, path, props, detail) {
    const s = props.State;
    const list = [];
    if (s === "created")
        list.push(button(_("Start"), () => run(model, path, _("start"), "Start", []), "primary", { action: "start" }));
    if (s === "running") {
        list.push(button(_("Stop"), () => stopDialog(model, path, props), "secondary", { action: "stop" }));
        list.push(button(_("Pause"), () => run(model, path, _("pause"), "Pause", []), "secondary", { action: "pause" }));
    }
    if (s === "paused")
        list.push(button(_("Unpause"), () => run(model, path, _("unpause"), "Unpause", []), "secondary", { action: "unpause" }));
    if (s === "running" || s === "paused")
        list.push(button(_("Kill"), () => killDialog(model, path, props), "secondary", { action: "kill" }));
    if (s !== "creating")
        list.push(button(_("Restart"), () => restart(model, path, props), "secondary", { action: "restart" }));
    list.push(button(_("Delete"), () => deleteDialog(model, path, props), "danger", { action: "delete" }));
    return list;
}

function stopDialog(model, path, props) {
    const input = h("input.pf-c-form-control", { id: "stop-timeout", type: "number", min: "0", value: String(DEFAULT_STOP_TIMEOUT) });
    const dlg = modal(cockpit.format(_("Stop $0"), props.Name),
                      h("form.pf-c-form", { onsubmit: ev => ev.preventDefault() },
                        formGroup(_("Timeout (seconds)"), input,
                                  cockpit.format(_("$0 first, then SIGKILL after the timeout (0: at once)."),
                                                 props.StopSignal || "SIGTERM"))),
                      [button(_("Stop"), () => {
                          dlg.close();
                          run(model, path, _("stop"), "Stop", [Math.max(0, Number(input.value) || 0)]);
                      }, "primary", { action: "confirm-stop" }),
                      button(_("Cancel"), () => dlg.close(), "link")]);
}

function killDialog(model, path, props) {
    const input = h("input.pf-c-form-control", { id: "kill-signal", type: "text", value: "SIGKILL" });
    const dlg = modal(cockpit.format(_("Send a signal to $0"), props.Name),
                      h("form.pf-c-form", { onsubmit: ev => ev.preventDefault() },
                        formGroup(_("Signal"), input, _("A name (SIGTERM, TERM) or a number."))),
                      [button(_("Kill"), () => {
                          dlg.close();
                          run(model, path, _("kill"), "Kill", [input.value.trim() || "SIGKILL"]);
                      }, "danger", { action: "confirm-kill" }),
                      button(_("Cancel"), () => dlg.close(), "link")]);
}

function deleteDialog(model, path, props) {
    const live = props.State === "running" || props.State === "paused";
    const dlg = modal(cockpit.format(_("Delete $0?"), props.Name),
                      h("p", {}, live
                          ? _("The container is running: it is killed, then removed with its log.")
                          : _("The container is removed with its log.")),
                      [button(_("Delete"), () => {
                          dlg.close();
                          run(model, path, _("delete"), "Delete", [live]);
                          if (cockpit.location.path[0] === props.Id)
                              cockpit.location.go([]);
                      }, "danger", { action: "confirm-delete" }),
                      button(_("Cancel"), () => dlg.close(), "link")]);
}

/* ocid has no Restart method and a stopped container cannot start again (Start wants created),
 * so a restart is what a user would do with ocictl: stop, delete, and create again from
 * the same bundle with the same id, name and creation options, started. */
function restart(model, path, props) {
    const v = cockpit.variant;
    const options = {
        labels: v("a{ss}", props.Labels || {}),
        annotations: v("a{ss}", props.Annotations || {}),
        metadata: v("a{ss}", props.Metadata || {}),
        volumes: v("a(ssb)", props.Volumes || []),
        terminal: v("b", !!props.Terminal),
        stdin: v("b", !!props.Stdin),
        stdin_once: v("b", !!props.StdinOnce),
        privileged: v("b", !!props.Privileged),
        start: v("b", true),
    };
    for (const [key, prop] of [["stop_signal", "StopSignal"], ["image", "Image"], ["image_name", "ImageName"],
        ["image_ref", "ImageRef"], ["sandbox", "Sandbox"], ["mount_point", "MountPoint"],
        ["seccomp_profile_path", "SeccompProfilePath"], ["netns_path", "NetNsPath"]])
        if (props[prop])
            options[key] = v("s", props[prop]);
    /* Its restart policy and health check go with it. */
    if (props.RestartPolicy && props.RestartPolicy !== "no") {
        options.restart_policy = v("s", props.RestartPolicy);
        options.restart_max = v("u", props.RestartMax || 0);
    }
    if (props.HealthcheckConfig && Object.keys(props.HealthcheckConfig).length > 0)
        options.healthcheck = v("a{sv}", props.HealthcheckConfig);
    const stop = props.State === "running" || props.State === "paused"
        ? model.containerCall(path, "Stop", [DEFAULT_STOP_TIMEOUT]) : Promise.resolve();
    return stop
            .then(() => model.containerCall(path, "Delete", [false]))
            .then(() => model.client.call("/org/oci/Runtime", "org.oci.Runtime.Manager", "CreateContainer",
                                          [props.Id, props.Name, props.BundlePath, options]))
            .catch(ex => failed(_("restart"), props.Name, ex));
}

/* Create from a bundle path: name, labels (KEY=VALUE, one a line), the restart policy, a
 * health check (a shell command ocid runs in it on a timer), start at once. */
export function createDialog(model) {
    const bundle = h("input.pf-c-form-control", { id: "create-bundle", type: "text", placeholder: "/srv/bundles/web", required: true });
    const name = h("input.pf-c-form-control", { id: "create-name", type: "text" });
    const labels = h("textarea.pf-c-form-control", { id: "create-labels", rows: "3", placeholder: "app=web" });
    const restartPolicy = h("select.pf-c-form-control", { id: "create-restart" },
                            h("option", { value: "no" }, _("No restart")),
                            h("option", { value: "on-failure" }, _("On failure")),
                            h("option", { value: "always" }, _("Always")),
                            h("option", { value: "unless-stopped" }, _("Unless stopped")));
    const healthCmd = h("input.pf-c-form-control", { id: "create-health-cmd", type: "text", placeholder: "test -e /run/ready" });
    const healthInterval = h("input.pf-c-form-control", { id: "create-health-interval", type: "number", min: "1", value: "30" });
    const start = h("input.pf-c-check__input", { id: "create-start", type: "checkbox", checked: true });
    const error = h("div");
    const submit = () => {
        const map = {};
        for (const line of labels.value.split(/[\n,]/)) {
            const t = line.trim();
            if (!t)
                continue;
            const eq = t.indexOf("=");
            map[eq < 0 ? t : t.slice(0, eq)] = eq < 0 ? "" : t.slice(eq + 1);
        }
        const options = { labels: cockpit.variant("a{ss}", map), start: cockpit.variant("b", start.checked) };
        if (restartPolicy.value !== "no")
            options.restart_policy = cockpit.variant("s", restartPolicy.value);
        if (healthCmd.value.trim())
            options.healthcheck = cockpit.variant("a{sv}", {
                cmd: cockpit.variant("as", ["/bin/sh", "-c", healthCmd.value.trim()]),
                interval: cockpit.variant("t", Math.max(1, Number(healthInterval.value) || 30)),
            });
        model.create(name.value.trim(), bundle.value.trim(), options)
                .then(() => dlg.close())
                .catch(ex => {
                    error.replaceChildren(h("div.pf-c-alert.pf-m-inline.pf-m-danger", { role: "alert" },
                                            h("p.pf-c-alert__title", {}, _("Cannot create the container")),
                                            h("div.pf-c-alert__description", {}, ex.message || String(ex))));
                });
    };
    const dlg = modal(_("Create a container"),
                      h("form.pf-c-form", { onsubmit: ev => { ev.preventDefault(); submit() } },
                        error,
                        formGroup(_("Bundle path"), bundle, _("An OCI bundle directory on this host: config.json and its rootfs.")),
                        formGroup(_("Name"), name, _("Optional; the id when empty.")),
                        formGroup(_("Labels"), labels, _("KEY=VALUE, one a line.")),
                        formGroup(_("Restart policy"), restartPolicy, _("What ocid does when it exits; a stop from you is never undone.")),
                        formGroup(_("Health check"), healthCmd, _("Optional: a shell command ocid runs in it; exit 0 is healthy.")),
                        formGroup(_("Health check interval (seconds)"), healthInterval),
                        h("div.pf-c-check", {}, start, h("label.pf-c-check__label", { for: "create-start" }, _("Start it now")))),
                      [button(_("Create"), submit, "primary", { action: "confirm-create" }),
                          button(_("Cancel"), () => dlg.close(), "link")]);
    bundle.focus();
}
