// Small DOM helpers. Text always goes in as text nodes (never innerHTML), so nothing a member
// or the server wrote can become markup.

let STRINGS = {};
let LANGUAGE = "zh-hans";
// Duty times are shown in the township's time zone (the server's TIME_ZONE), whatever zone
// the phone itself is set to.
let TIME_ZONE;

export function setStrings(strings, language, timeZone) {
  STRINGS = strings || {};
  LANGUAGE = language || LANGUAGE;
  TIME_ZONE = timeZone || TIME_ZONE;
}

// The UI string `key`, with {name} placeholders filled from `values`.
export function t(key, values = {}) {
  const text = STRINGS[key] !== undefined ? STRINGS[key] : key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in values ? String(values[name]) : m));
}

// h("button.btn.big", {onclick: …, type: "button"}, "text", child, …)
export function h(tag, attrs = {}, ...children) {
  const [name, ...classes] = tag.split(".");
  const el = document.createElement(name || "div");
  if (classes.length) el.className = classes.join(" ");
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "value" || key === "checked" || key === "selected") {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function locale() {
  return LANGUAGE.startsWith("zh") ? "zh-CN" : "en-GB";
}

export function fmtTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit", timeZone: TIME_ZONE });
}

export function fmtDay(iso) {
  if (!iso) return "";
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00` : iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(locale(), {
    month: "long", day: "numeric", weekday: "short", timeZone: iso.length === 10 ? undefined : TIME_ZONE,
  });
}

export function fmtDateTime(iso) {
  return iso ? `${fmtDay(iso)} ${fmtTime(iso)}` : "";
}

// The phone's local time as ISO 8601 with its UTC offset (what the contract calls *_at).
export function nowIso() {
  const d = new Date();
  const pad = (n) => String(Math.abs(n)).padStart(2, "0");
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`
  );
}

// The calendar date (YYYY-MM-DD) in the township's time zone.
export function localDate(d = new Date()) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: TIME_ZONE }).format(d);
}

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, "0")).join("");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

// An id from either a number/string or an object {id, …} (the /today payload nests records).
export function idOf(value) {
  if (value === null || value === undefined) return null;
  return typeof value === "object" ? (value.id ?? value.pk ?? null) : value;
}

export function nameOf(value, fallback = "") {
  if (value === null || value === undefined) return fallback;
  if (typeof value === "object") return value.name ?? value.label ?? value.title ?? fallback;
  return String(value);
}

export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => { timer = null; fn(...args); }, ms);
  };
  // Run a pending call now (nothing when none is pending).
  wrapped.flush = (...args) => {
    if (timer === null) return undefined;
    clearTimeout(timer);
    timer = null;
    return fn(...args);
  };
  return wrapped;
}
