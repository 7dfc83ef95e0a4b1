/* Small DOM helpers: the page builds its elements with h() and PatternFly's classes. */

export const _ = cockpit.gettext;

/* h("tag.class1.class2", {attr: value, onclick: fn}, child...) */
export function h(spec, attrs, ...children) {
    const [tag, ...classes] = spec.split(".");
    const el = document.createElement(tag || "div");
    if (classes.length)
        el.className = classes.join(" ");
    for (const [k, v] of Object.entries(attrs || {})) {
        if (v === undefined || v === null || v === false)
            continue;
        if (k.startsWith("on"))
            el.addEventListener(k.slice(2), v);
        else if (k === "dataset")
            Object.assign(el.dataset, v);
        else
            el.setAttribute(k, v === true ? "" : v);
    }
    append(el, children);
    return el;
}

function append(el, children) {
    for (const c of children) {
        if (c === undefined || c === null || c === false)
            continue;
        if (Array.isArray(c))
            append(el, c);
        else
            el.append(c instanceof Node ? c : String(c));
    }
}

export function button(label, onclick, kind = "secondary", data = {}) {
    return h("button.pf-c-button.pf-m-small.pf-m-" + kind, { type: "button", onclick, dataset: data }, label);
}

export function label(text, color) {
    return h("span.pf-c-label.ocid-label" + (color ? ".pf-m-" + color : ""), {},
             h("span.pf-c-label__content", {}, text));
}

/* A toast in the top right corner: danger for a refused or failed action. */
export function alert(title, message, kind = "danger") {
    const box = document.getElementById("alerts");
    const el = h("div.pf-c-alert.pf-m-" + kind, { role: "alert", dataset: { kind } },
                 h("p.pf-c-alert__title", {}, title),
                 message ? h("div.pf-c-alert__description", {}, message) : null,
                 h("div.pf-c-alert__action", {},
                   button("×", () => el.remove(), "plain", { action: "dismiss" })));
    box.append(el);
    return el;
}

/* A modal dialog; returns {close}. body is an element, footer a list of buttons. */
export function modal(title, body, footer) {
    const backdrop = h("div.ocid-modal-backdrop", {},
                       h("div.pf-c-modal-box.pf-m-md", { role: "dialog", "aria-modal": "true" },
                         h("header.pf-c-modal-box__header", {},
                           h("h1.pf-c-modal-box__title", {}, title)),
                         h("div.pf-c-modal-box__body", {}, body),
                         h("footer.pf-c-modal-box__footer", {}, footer)));
    document.body.append(backdrop);
    return { close: () => backdrop.remove(), element: backdrop };
}

export function formGroup(text, input, help) {
    return h("div.pf-c-form__group", {},
             h("div.pf-c-form__group-label", {},
               h("label.pf-c-form__label", { for: input.id },
                 h("span.pf-c-form__label-text", {}, text))),
             h("div.pf-c-form__group-control", {}, input,
               help ? h("p.pf-c-form__helper-text", {}, help) : null));
}

export function emptyState(title, ...body) {
    return h("div.pf-c-empty-state", {},
             h("div.pf-c-empty-state__content", {},
               h("h2.pf-c-title.pf-m-lg", {}, title),
               h("div.pf-c-empty-state__body", {}, body)));
}

export function bytes(n) {
    if (n === undefined || n === null)
        return "";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) {
        n /= 1024;
        i++;
    }
    return (i ? n.toFixed(1) : n) + " " + units[i];
}

export function duration(sec) {
    sec = Math.max(0, Math.floor(sec));
    const d = Math.floor(sec / 86400), hh = Math.floor(sec / 3600) % 24;
    const mm = Math.floor(sec / 60) % 60, ss = sec % 60;
    if (d)
        return cockpit.format(_("$0 d $1 h"), d, hh);
    if (hh)
        return cockpit.format(_("$0 h $1 min"), hh, mm);
    if (mm)
        return cockpit.format(_("$0 min $1 s"), mm, ss);
    return cockpit.format(_("$0 s"), ss);
}
