// 守望 phone app: today's duties, start duty with check-in, the patrol log and its checklists,
// photos, hazard reports, end duty — all written to the phone first (db.js) and uploaded by
// the sync engine (sync.js) whenever there is a network. See docs/field-sync.md.

import { openStore } from "db";
import { shrink } from "photos";
import { SyncEngine } from "sync";
import {
  debounce, fmtDateTime, fmtDay, fmtTime, h, idOf, localDate, nameOf, nowIso, setStrings, t, uuid,
} from "ui";

const config = JSON.parse(document.getElementById("app-config").textContent);
setStrings(
  JSON.parse(document.getElementById("app-strings").textContent), config.language, config.time_zone,
);

const RESULTS = ["pass", "fail", "na"];
const ATTENDANCE = ["present", "late", "absent", "substitute"];
const FINDING_KINDS = ["hazard", "dispute", "person_met", "help_given", "other"];
const METHODS = ["foot", "vehicle"];

const app = { store: null, sync: null, today: null, position: null, flash: "" };
const screen = document.getElementById("screen");

// ---- the /today payload (cached on the phone for offline use) ---------------------------------

const list = (value) => (Array.isArray(value) ? value : []);
const duties = () => list(app.today && app.today.duties);
const teams = () => list(app.today && app.today.teams);
const checklists = () => list(app.today && app.today.checklists);
const hazardCategories = () => list(app.today && (app.today.hazard_categories || app.today.categories));
const dutyById = (id) => duties().find((d) => String(d.id) === String(id)) || null;
const teamById = (id) => teams().find((x) => String(idOf(x)) === String(id)) || null;
const dutyTeamId = (duty) => idOf(duty.team) ?? duty.team_id ?? null;
const dutyStart = (duty) => duty.start || duty.start_at || duty.starts_at;
const dutyEnd = (duty) => duty.end || duty.end_at || duty.ends_at;
const dutyMembers = (duty) =>
  list(duty.members || duty.teammates || duty.assigned || duty.assignees || duty.assignments)
    .map((m) => (typeof m === "object" ? { id: idOf(m.member ?? m), name: m.name || nameOf(m.member) } : { id: m }));
const teamMembers = (teamId) => {
  const team = teamById(teamId);
  return list(team && team.members).map((m) => (typeof m === "object" ? { id: idOf(m), name: nameOf(m) } : { id: m }));
};

function memberName(id) {
  const me = app.today && app.today.member;
  if (me && String(idOf(me)) === String(id)) return nameOf(me);
  for (const team of teams()) {
    for (const m of list(team.members)) if (String(idOf(m)) === String(id)) return nameOf(m);
  }
  for (const duty of duties()) {
    for (const m of dutyMembers(duty)) if (String(m.id) === String(id) && m.name) return m.name;
  }
  return `#${id}`;
}

async function loadToday() {
  app.today = await app.store.getMeta("today");
  if (!navigator.onLine) return false;
  try {
    const response = await fetch(config.today_url, { credentials: "same-origin", cache: "no-store" });
    if (response.status === 401 || response.status === 403) {
      app.sync.setState("auth");
      return false;
    }
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      app.todayError = (body && body.detail) || "";
      return false;
    }
    app.todayError = "";
    app.today = await response.json();
    await app.store.setMeta("today", app.today);
    await app.store.setMeta("today_fetched", new Date().toISOString());
    return true;
  } catch (err) {
    return false; // offline or cut: keep the cached copy
  }
}

// ---- status bar: online/offline, waiting to upload, sync now ------------------------------------

async function refreshStatus() {
  const online = navigator.onLine;
  const net = document.getElementById("net");
  net.textContent = online ? t("online") : t("offline");
  net.className = online ? "net online" : "net offline";
  const waiting = await app.store.waitingCount();
  const count = document.getElementById("waiting");
  count.textContent = t("waiting", { n: waiting });
  count.dataset.count = String(waiting);
  count.className = waiting ? "waiting some" : "waiting none";
  const needs = document.getElementById("needs");
  const decisions = (await app.store.all("outbox")).filter((i) => i.state === "conflict" || i.state === "rejected").length
    + (await app.store.all("photos")).filter((p) => p.state === "conflict" || p.state === "rejected").length;
  needs.hidden = decisions === 0;
  needs.textContent = decisions ? t("needs_decision", { n: decisions }) : "";
  needs.dataset.count = String(decisions);
  const msg = document.getElementById("sync-msg");
  const state = app.sync ? app.sync.state : "idle";
  const last = await app.store.getMeta("last_sync");
  const texts = {
    syncing: t("syncing"),
    offline: t("sync_offline"),
    error: t("sync_error"),
    auth: t("sync_auth"),
    done: last ? t("last_sync", { time: fmtTime(last) }) : "",
    idle: last ? t("last_sync", { time: fmtTime(last) }) : "",
  };
  msg.replaceChildren(texts[state] || "");
  if (state === "auth") {
    msg.append(" ", h("a", { href: config.login_url }, t("sign_in_again")));
  }
  msg.dataset.state = state;
  document.getElementById("sync-now").disabled = state === "syncing";
}

const syncSoon = debounce(() => app.sync.run(), 1200);

// ---- local records ----------------------------------------------------------------------------

// The log on screen is one object in memory for all redraws, so an edit typed while the screen
// is being redrawn lands on the same copy that is saved next (never on a stale one).
async function getLog(id) {
  if (app.current && app.current.uuid === id) return app.current;
  const log = await app.store.get("logs", id);
  if (log) app.current = log;
  return log || null;
}

async function allLogs() {
  return (await app.store.all("logs")).sort((a, b) => String(b.started_at).localeCompare(String(a.started_at)));
}

function logData(log) {
  const groups = new Map();
  for (const [key, value] of Object.entries(log.results || {})) {
    if (!value || !value.result) continue;
    const [checklist, code] = key.split("|");
    if (!groups.has(checklist)) groups.set(checklist, []);
    groups.get(checklist).push({ code, result: value.result, note: value.note || "" });
  }
  return {
    duty: log.duty ?? null,
    team: log.team ?? null,
    post: log.post ?? null,
    route: log.route ?? null,
    place: log.place || "",
    method: log.method || "foot",
    started_at: log.started_at,
    ended_at: log.ended_at || null,
    attendance: list(log.attendance).map((a) => ({
      member: a.member, status: a.status, substitute_for: a.substitute_for ?? null, note: a.note || "",
    })),
    checklists: [...groups].map(([checklist, items]) => ({ checklist: Number(checklist) || checklist, items })),
    findings: list(log.findings).filter((f) => (f.text || "").trim()).map((f) => ({ kind: f.kind, text: f.text })),
    publicity: log.publicity || "",
    notes: log.notes || "",
    submit: Boolean(log.submit),
    client_updated_at: log.client_updated_at || nowIso(),
    // Only a log the member started as a second one for its duty, knowingly (field-sync.md).
    ...(log.second_log ? { second_log: true } : {}),
  };
}

// The server's copy of a log (conflict answer) → the phone's shape.
function logFromServer(local, server, version) {
  const results = {};
  for (const group of list(server.checklists)) {
    for (const item of list(group.items)) {
      results[`${idOf(group.checklist)}|${item.code}`] = { result: item.result, note: item.note || "" };
    }
  }
  return {
    ...local,
    duty: idOf(server.duty) ?? local.duty,
    team: idOf(server.team) ?? local.team,
    post: idOf(server.post) ?? local.post,
    route: idOf(server.route),
    place: server.place || "",
    method: server.method || local.method,
    started_at: server.started_at || local.started_at,
    ended_at: server.ended_at || null,
    attendance: list(server.attendance).map((a) => ({
      member: idOf(a.member), status: a.status, rostered: Boolean(a.rostered),
      substitute_for: idOf(a.substitute_for), note: a.note || "",
    })),
    results,
    findings: list(server.findings).map((f) => ({ kind: f.kind, text: f.text })),
    publicity: server.publicity || "",
    notes: server.notes || "",
    submit: server.status ? server.status !== "open" : Boolean(server.submit),
    version,
  };
}

// ---- a duty's log that the server already has (another phone, a teammate, the office) --------

// An hour of grace after a duty's end before starting it asks "fill it in afterwards?".
const LATE_START_MS = 60 * 60 * 1000;

// The duty's logs on the server (GET /today `duties[].logs`); older answers only had
// `open_logs` (the member's own, without the copy).
function serverLogs(duty) {
  if (Array.isArray(duty.logs)) return duty.logs;
  return list(app.today && app.today.open_logs).filter((o) => String(o.duty) === String(duty.id));
}

// The one to offer: an open log first (it can be continued), the member's own first, then
// the latest started.
function serverLogOf(duty) {
  const logs = [...serverLogs(duty)].sort((a, b) => String(b.started_at).localeCompare(String(a.started_at)));
  logs.sort((a, b) => (a.status !== "open") - (b.status !== "open") || (!a.mine) - (!b.mine));
  return logs[0] || null;
}

// Spelled out key by key (no template-built key), so the strings check sees every one.
const LOG_STATUS = {
  open: () => t("log_status_open"),
  submitted: () => t("log_status_submitted"),
  confirmed: () => t("log_status_confirmed"),
};

function serverLogLine(entry) {
  return t("duty_has_log", {
    who: entry.author || t("log_author_unknown"),
    time: fmtTime(entry.started_at),
    status: (LOG_STATUS[entry.status] || (() => entry.status || ""))(),
  });
}

// Take the server's copy of a log onto the phone and continue it there: the same uuid and
// the server's version, so the next upload is an ordinary change (or an explicit conflict).
async function takeOver(entry) {
  if (!entry || !Array.isArray(entry.attendance)) {
    // An old cached answer without the copy: fetch the day again, then look once more.
    if (await loadToday()) {
      const fresh = duties().flatMap((d) => list(d.logs)).find((l) => entry && l.uuid === entry.uuid);
      if (fresh) return takeOver(fresh);
    }
    app.flash = t("existing_needs_network");
    return null;
  }
  const own = await app.store.get("logs", entry.uuid);
  const queued = await app.store.get("outbox", entry.uuid);
  if (own && queued) return own; // this phone holds newer edits not uploaded yet: keep them
  const base = own || { uuid: entry.uuid, check_ins: [], results: {}, attendance: [], findings: [] };
  const log = { ...logFromServer(base, entry, entry.version ?? null), uuid: entry.uuid };
  await app.store.put("logs", log);
  app.current = log;
  return log;
}

async function continueServerLog(entry) {
  const log = await takeOver(entry);
  if (!log) return render();
  app.flash = t("taken_over");
  location.hash = `#/log/${log.uuid}`;
  return null;
}

// What a duty card (or the start screen) offers when the server already has a log for it.
function serverLogActions(duty, entry) {
  const primary = entry.status === "open"
    ? h("button.btn.big.primary", { type: "button", dataset: { action: "continue", uuid: entry.uuid } },
      t("continue_existing"))
    : h("a.btn.big", { href: `#/view/${duty.id}/${entry.uuid}`, dataset: { action: "view", uuid: entry.uuid } },
      t("view_log"));
  if (entry.status === "open") primary.addEventListener("click", () => continueServerLog(entry));
  const second = h("button.btn.second-log", { type: "button", dataset: { action: "second-log" } }, t("second_log"));
  second.addEventListener("click", () => {
    if (!window.confirm(t("second_log_confirm"))) return;
    location.hash = `#/start/${duty.id}?second=1`;
  });
  return [primary, second];
}

// A log of the duty handed in on the server, read-only.
function viewScreen(dutyId, logUuid) {
  const duty = dutyById(dutyId);
  const entry = duty ? list(serverLogs(duty)).find((l) => l.uuid === logUuid) : null;
  if (!entry || !Array.isArray(entry.attendance)) {
    return [h("p.empty", {}, t("existing_needs_network")), h("a.btn", { href: "#/" }, t("back"))];
  }
  return [
    h("h1", {}, t("patrol_log")),
    h("p.lead", {}, dutyLabel(duty)),
    h("p", { id: "server-log-line" }, serverLogLine(entry)),
    h("section.panel", {}, summary(summaryRows(entry))),
    h("a.btn", { href: "#/" }, t("back")),
  ];
}

// Save a log on the phone first, then queue the whole log (latest wins, base_version kept).
async function saveLog(log) {
  log.client_updated_at = nowIso();
  await app.store.put("logs", log);
  await app.store.enqueue("patrol_log", log.uuid, logData(log), log.version ?? null);
  await refreshStatus();
  syncSoon();
}

async function queueCheckIn(log, kind, fix, checkpoint) {
  const item = {
    uuid: uuid(),
    log: log.uuid,
    kind,
    latitude: fix ? fix.latitude : null,
    longitude: fix ? fix.longitude : null,
    accuracy_m: fix ? fix.accuracy : null,
    checkpoint: checkpoint || null,
    phone_time: nowIso(),
  };
  log.check_ins = [...list(log.check_ins), item];
  await app.store.put("logs", log);
  const { uuid: id, ...data } = item;
  await app.store.enqueue("check_in", id, data);
  await refreshStatus();
  syncSoon();
  return item;
}

// ---- position and checkpoint scans ------------------------------------------------------------

function locate(timeoutMs = 12000) {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null);
    let done = false;
    const finish = (value) => { if (!done) { done = true; resolve(value); } };
    setTimeout(() => finish(null), timeoutMs + 500);
    navigator.geolocation.getCurrentPosition(
      (pos) => finish({
        latitude: Number(pos.coords.latitude.toFixed(7)),
        longitude: Number(pos.coords.longitude.toFixed(7)),
        accuracy: Math.round(pos.coords.accuracy),
      }),
      () => finish(null),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 30000 },
    );
  });
}

function positionLine(fix, pending) {
  if (pending) return h("p.position.pending", { id: "position" }, t("locating"));
  if (!fix) return h("p.position.none", { id: "position" }, t("no_position"));
  return h("p.position.ok", { id: "position", dataset: { accuracy: String(fix.accuracy) } },
    t("position_found", { accuracy: fix.accuracy }));
}

// A QR scan with the BarcodeDetector API where there is one; a text field always works.
function checkpointField(onCode) {
  const input = h("input.big-input", {
    id: "checkpoint-code", type: "text", autocomplete: "off", inputmode: "text",
    placeholder: t("checkpoint_placeholder"), "aria-label": t("checkpoint_code"),
  });
  const video = h("video.scanner", { playsinline: true, muted: true, hidden: true });
  const box = h("div.checkpoint", {}, h("label", { for: "checkpoint-code" }, t("checkpoint_code")), input);
  if ("BarcodeDetector" in window && navigator.mediaDevices) {
    const scan = h("button.btn.big", { type: "button", id: "scan-qr" }, t("scan_qr"));
    scan.addEventListener("click", async () => {
      let stream = null;
      try {
        const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
        video.srcObject = stream;
        video.hidden = false;
        await video.play();
        const started = Date.now();
        while (Date.now() - started < 30000) {
          const codes = await detector.detect(video);
          if (codes.length) {
            input.value = codes[0].rawValue;
            onCode && onCode(input.value);
            break;
          }
          await new Promise((r) => setTimeout(r, 250));
        }
      } catch (err) {
        input.focus(); // no camera or no permission: type or paste the code instead
      } finally {
        if (stream) stream.getTracks().forEach((track) => track.stop());
        video.hidden = true;
      }
    });
    box.append(scan, video);
  }
  return { box, input };
}

// ---- optional GPS track: points kept while the log is open, queued in batches ----------------

const TRACK_BATCH = 30;
const TRACK_FLUSH_MS = 5 * 60 * 1000;

function trackStatusText() {
  const track = app.track;
  return track ? t("track_recording", { n: (track.sent || 0) + track.points.length }) : "";
}

function updateTrackStatus() {
  const status = document.getElementById("track-status");
  if (status) status.textContent = trackStatusText();
}

function startTrack(log) {
  if (!navigator.geolocation || app.track) return;
  const track = { log: log.uuid, points: [], sent: 0, lastFlush: Date.now(), watchId: null };
  track.watchId = navigator.geolocation.watchPosition(
    (pos) => {
      track.points.push([
        nowIso(),
        Number(pos.coords.latitude.toFixed(7)),
        Number(pos.coords.longitude.toFixed(7)),
        Math.round(pos.coords.accuracy),
      ]);
      updateTrackStatus();
      if (track.points.length >= TRACK_BATCH || Date.now() - track.lastFlush > TRACK_FLUSH_MS) flushTrack();
    },
    () => { /* no fix right now: keep watching */ },
    { enableHighAccuracy: true, maximumAge: 10000 },
  );
  app.track = track;
}

// Queue the points gathered so far as one `track` item (its own uuid, so a resend is one batch).
async function flushTrack() {
  const track = app.track;
  if (!track || !track.points.length) return;
  const points = track.points.splice(0);
  track.sent += points.length;
  track.lastFlush = Date.now();
  await app.store.enqueue("track", uuid(), { log: track.log, points });
  await refreshStatus();
  syncSoon();
}

async function stopTrack() {
  const track = app.track;
  if (!track) return;
  navigator.geolocation.clearWatch(track.watchId);
  await flushTrack();
  app.track = null;
}

// ---- screens ----------------------------------------------------------------------------------

function dutyPlace(duty) {
  const post = duty.post && typeof duty.post === "object" ? duty.post : {};
  return duty.place || nameOf(post.key_place) || nameOf(post) || "";
}

function dutyLabel(duty) {
  const where = nameOf(duty.post) || duty.post_name || duty.place || "";
  return `${fmtTime(dutyStart(duty))}–${fmtTime(dutyEnd(duty))} ${where}`;
}

function chip(text, kind) {
  return h(`span.chip.${kind}`, {}, text);
}

async function logState(log) {
  const queued = await app.store.get("outbox", log.uuid);
  if (queued && queued.state === "conflict") return chip(t("state_conflict"), "bad");
  if (queued && queued.state === "rejected") return chip(t("state_rejected"), "bad");
  if (queued) return chip(t("state_waiting"), "warn");
  return chip(t("state_uploaded"), "ok");
}

async function attentionBox() {
  const items = (await app.store.all("outbox")).filter((i) => i.state === "conflict" || i.state === "rejected");
  const photos = (await app.store.all("photos")).filter((p) => p.state === "conflict" || p.state === "rejected");
  const n = items.length + photos.length;
  if (!n) return null;
  return h("a.attention", { href: "#/queue", id: "attention" }, t("needs_decision", { n }));
}

async function homeScreen() {
  const logs = await allLogs();
  // A log the server refused as a duplicate is no longer the duty's log on this phone: it
  // waits in the queue (continue the existing one, upload it as a second one, or discard it).
  const refused = new Set((await app.store.all("outbox"))
    .filter((i) => i.state === "rejected" && i.existing).map((i) => i.uuid));
  const byDuty = new Map();
  for (const l of logs) {
    if (!l.duty || refused.has(l.uuid)) continue;
    const key = String(l.duty);
    const onServer = (d) => d && list(d.logs).some((x) => x.uuid === l.uuid);
    if (!byDuty.has(key) || (onServer(dutyById(l.duty)) && !onServer(dutyById(byDuty.get(key).duty)))) {
      byDuty.set(key, l);
    }
  }
  const parts = [];
  const attention = await attentionBox();
  if (attention) parts.push(attention);
  parts.push(h("h1", {}, t("duties_title")));
  if (app.todayError) parts.push(h("p.errors", { role: "alert" }, app.todayError));
  if (!app.today) {
    parts.push(h("p.empty", {}, t("no_today")));
  } else {
    const today = localDate();
    const sorted = [...duties()].sort((a, b) => String(dutyStart(a)).localeCompare(String(dutyStart(b))));
    if (!sorted.length) parts.push(h("p.empty", {}, t("no_duties")));
    let lastDay = null;
    for (const duty of sorted) {
      const day = duty.date || String(dutyStart(duty)).slice(0, 10);
      if (day !== lastDay) {
        parts.push(h("h2.day", {}, day === today ? `${t("today")} · ${fmtDay(day)}` : fmtDay(day)));
        lastDay = day;
      }
      const log = byDuty.get(String(duty.id));
      const me = app.today && app.today.member ? String(idOf(app.today.member)) : null;
      const mates = dutyMembers(duty).filter((m) => String(m.id) !== me)
        .map((m) => m.name || memberName(m.id)).join("、");
      // Never "start" a duty the server already has a log for: continue or view that one.
      const existing = log ? null : serverLogOf(duty);
      const action = log
        ? h("a.btn.big", { href: `#/log/${log.uuid}` }, log.submit ? t("open_log") : t("continue_log"))
        : existing
          ? serverLogActions(duty, existing)
          : h("a.btn.big.primary", { href: `#/start/${duty.id}`, dataset: { duty: String(duty.id) } }, t("start_duty"));
      parts.push(h("article.card.duty", { dataset: { duty: String(duty.id) } },
        h("div.when", {}, dutyLabel(duty)),
        h("div.what", {}, [
          nameOf(duty.team) || nameOf(teamById(dutyTeamId(duty))),
          nameOf(duty.route || (duty.post && duty.post.route)),
          dutyPlace(duty),
        ].filter(Boolean).join(" · ")),
        mates ? h("div.mates", {}, `${t("teammates")}: ${mates}`) : null,
        log && log.submit ? chip(t("handed_in"), "ok") : null,
        // A log for this duty that the server has from another phone, a teammate or the office.
        existing ? h("p.existing-log", {}, chip(existing.status === "open" ? t("started_elsewhere") : t("handed_in"),
          existing.status === "open" ? "warn" : "ok"), " ", existing.author ? serverLogLine(existing) : "") : null,
        h("div.actions", {}, action)));
    }
  }
  parts.push(h("div.actions",  {},
    h("a.btn.big", { href: "#/unplanned", id: "unplanned" }, t("unplanned_patrol")),
    h("a.btn.big", { href: "#/hazard", id: "report-hazard" }, t("report_hazard"))));
  if (logs.length) {
    parts.push(h("h2", {}, t("my_logs")));
    for (const log of logs.slice(0, 20)) {
      parts.push(h("a.card.log-link", { href: `#/log/${log.uuid}` },
        h("span", {}, `${fmtDateTime(log.started_at)} ${log.place || ""}`), " ", await logState(log)));
    }
  }
  const fetched = await app.store.getMeta("today_fetched");
  if (fetched) parts.push(h("p.muted", {}, t("today_fetched", { time: fmtDateTime(fetched) })));
  return parts;
}

function unplannedScreen() {
  const options = teams();
  return [
    h("h1", {}, t("unplanned_patrol")),
    h("p", {}, t("pick_team")),
    options.length
      ? h("div.choices", {}, options.map((team) =>
          h("a.btn.big", { href: `#/start/team/${idOf(team)}`, dataset: { team: String(idOf(team)) } }, nameOf(team))))
      : h("p.empty", {}, t("no_teams")),
    h("a.btn", { href: "#/" }, t("back")),
  ];
}

function startScreen(dutyId, teamId, params = new URLSearchParams()) {
  const duty = dutyId ? dutyById(dutyId) : null;
  if (dutyId && !duty) return [h("p.empty", {}, t("duty_unknown")), h("a.btn", { href: "#/" }, t("back"))];
  // A second log for the duty only on purpose (the card's "second log" after its warning).
  const second = Boolean(duty) && params.get("second") === "1";
  const existing = duty && !second ? serverLogOf(duty) : null;
  if (existing) {
    return [
      h("h1", {}, t("start_duty")),
      h("p.lead", {}, dutyLabel(duty)),
      h("p.flash", { role: "alert", id: "duty-has-log" }, serverLogLine(existing)),
      h("div.actions", {}, serverLogActions(duty, existing)),
      h("a.btn", { href: "#/" }, t("back")),
    ];
  }
  const endsAt = duty ? new Date(dutyEnd(duty)).getTime() : NaN;
  const late = Number.isFinite(endsAt) && Date.now() > endsAt + LATE_START_MS;
  const team = duty ? dutyTeamId(duty) : teamId;
  let fix = null;
  const position = h("div", {}, positionLine(null, true));
  const { box, input } = checkpointField();
  const method = h("select.big-input", { id: "start-method" },
    METHODS.map((m) => h("option", { value: m }, t(`method_${m}`))));
  const locateNow = async () => {
    position.replaceChildren(positionLine(null, true));
    fix = await locate();
    position.replaceChildren(positionLine(fix, false));
  };
  locateNow();
  const start = h("button.btn.big.primary", { type: "button", id: "start-now" }, t("start_now"));
  start.addEventListener("click", async () => {
    // Long after the duty's window: a log filled in afterwards, only when the member says so.
    if (duty && Date.now() > endsAt + LATE_START_MS && !window.confirm(t("late_start_confirm"))) return;
    start.disabled = true;
    const rostered = duty ? dutyMembers(duty) : [];
    const me = app.today && app.today.member ? idOf(app.today.member) : null;
    const attendance = rostered.map((m) => ({ member: m.id, status: "present", rostered: true, substitute_for: null, note: "" }));
    if (me !== null && !attendance.some((a) => String(a.member) === String(me))) {
      attendance.push({ member: me, status: "present", substitute_for: null, note: "" });
    }
    const log = {
      uuid: uuid(),
      duty: duty ? duty.id : null,
      team: team !== null && team !== undefined ? Number(team) || team : null,
      post: duty ? idOf(duty.post) : null,
      route: duty ? idOf(duty.route || (duty.post && duty.post.route)) : null,
      place: duty ? dutyPlace(duty) : "",
      method: method.value,
      started_at: nowIso(),
      ended_at: null,
      attendance,
      results: {},
      findings: [],
      publicity: "",
      notes: "",
      submit: false,
      version: null,
      check_ins: [],
      ...(second ? { second_log: true } : {}),
    };
    await saveLog(log);
    await queueCheckIn(log, "start", fix, input.value.trim());
    location.hash = `#/log/${log.uuid}`;
  });
  return [
    h("h1", {}, t("start_duty")),
    duty ? h("p.lead", {}, dutyLabel(duty)) : h("p.lead", {}, `${t("unplanned_patrol")} · ${nameOf(teamById(teamId))}`),
    second ? h("p.flash.warn", { id: "second-log-note" }, t("second_log_note")) : null,
    late ? h("p.flash.warn", { id: "late-start" }, t("late_start_warning", { time: fmtDateTime(dutyEnd(duty)) })) : null,
    h("section.panel", {}, h("h2", {}, t("position")), position,
      h("button.btn", { type: "button", onclick: locateNow }, t("locate_again"))),
    h("section.panel", {}, h("h2", {}, t("checkpoint")), box),
    h("section.panel", {}, h("label", { for: "start-method" }, t("method")), method),
    start,
    h("a.btn", { href: "#/" }, t("back")),
  ];
}

function segmented(name, values, current, labelFor, onPick) {
  const group = h("div.segmented", { role: "radiogroup", dataset: { name } });
  for (const value of values) {
    const button = h("button.seg", {
      type: "button", role: "radio", "aria-checked": String(value === current), dataset: { value },
    }, labelFor(value));
    button.addEventListener("click", () => {
      for (const other of group.children) other.setAttribute("aria-checked", String(other === button));
      onPick(value);
    });
    group.append(button);
  }
  return group;
}

async function photoStrip(log, hazardUuid = null) {
  const strip = h("div.photos");
  const photos = (await app.store.all("photos"))
    .filter((p) => (hazardUuid ? p.hazard === hazardUuid : p.log === log.uuid && !p.hazard))
    .sort((a, b) => a.seq - b.seq);
  for (const photo of photos) {
    if (photo.blob) {
      const url = URL.createObjectURL(photo.blob);
      strip.append(h("figure.photo", { dataset: { state: photo.state } },
        h("img", { src: url, alt: "", onload: () => URL.revokeObjectURL(url) }),
        h("figcaption", {},
          photo.state === "queued" || photo.state === "draft" ? t("state_waiting") : t(`state_${photo.state}`))));
    } else {
      strip.append(h("figure.photo.done", { dataset: { state: photo.state } }, h("figcaption", {}, t("state_uploaded"))));
    }
  }
  return strip;
}

function photoInput({ log, hazard, onAdded, state = "queued" }) {
  const input = h("input.photo-input", {
    type: "file", accept: "image/*", capture: "environment", id: hazard ? "hazard-photo" : "log-photo",
  });
  const status = h("span.photo-status", { role: "status" });
  input.addEventListener("change", async () => {
    for (const file of input.files) {
      status.textContent = t("photo_processing");
      try {
        const { blob } = await shrink(file);
        await app.store.put("photos", {
          uuid: uuid(), blob, log: log ? log.uuid : null, hazard: hazard || null,
          caption: "", taken_at: nowIso(), state, seq: await app.store.nextSeq(),
        });
        status.textContent = t("photo_saved");
      } catch (err) {
        status.textContent = t("photo_failed");
      }
    }
    input.value = "";
    await refreshStatus();
    if (onAdded) await onAdded();
    syncSoon();
  });
  return h("div.photo-add", {},
    h("label.btn.big", { for: input.id }, t("take_photo")), input, status);
}

async function logScreen(id) {
  const log = await getLog(id);
  if (!log) return [h("p.empty", {}, t("log_unknown")), h("a.btn", { href: "#/" }, t("back"))];
  const duty = log.duty ? dutyById(log.duty) : null;
  const save = debounce(() => saveLog(log), 400);
  // Typing is saved after a short pause; anything that redraws the screen saves it first.
  pendingSave = () => save.flush();
  const rerender = () => render();
  const parts = [];
  const queued = await app.store.get("outbox", log.uuid);
  if (queued && (queued.state === "conflict" || queued.state === "rejected")) {
    parts.push(h("a.attention", { href: "#/queue" }, queued.state === "conflict" ? t("log_in_conflict") : t("log_rejected")));
  }
  parts.push(h("h1", {}, t("patrol_log")));
  parts.push(h("p.lead", {}, duty ? dutyLabel(duty) : `${t("unplanned_patrol")} · ${nameOf(teamById(log.team))}`,
    " · ", t("started_at", { time: fmtTime(log.started_at) }), log.submit ? [" ", chip(t("handed_in"), "ok")] : null));

  // Where and how.
  const place = h("input.big-input", { id: "log-place", value: log.place || "", type: "text" });
  place.addEventListener("input", () => { log.place = place.value; save(); });
  parts.push(h("section.panel", {},
    h("label", { for: "log-place" }, t("place")), place,
    h("div.label", {}, t("method")),
    segmented("method", METHODS, log.method, (m) => t(`method_${m}`), (m) => { log.method = m; save(); })));

  // Attendance against the roster.
  const rostered = list(log.attendance).filter((a) => a.rostered).map((a) => a.member);
  const attendance = h("section.panel.attendance", { id: "attendance" }, h("h2", {}, t("attendance")));
  for (const entry of list(log.attendance)) {
    const row = h("div.att-row", { dataset: { member: String(entry.member) } },
      h("div.att-name", {}, memberName(entry.member), entry.rostered ? "" : ` (${t("not_rostered")})`),
      segmented(`att-${entry.member}`, ATTENDANCE, entry.status, (s) => t(`att_${s}`), async (s) => {
        entry.status = s;
        await saveLog(log);
        rerender();
      }));
    if (entry.status === "substitute") {
      const sub = h("select.big-input", { "aria-label": t("in_place_of") },
        h("option", { value: "" }, t("in_place_of")),
        rostered.filter((m) => String(m) !== String(entry.member)).map((m) =>
          h("option", { value: String(m), selected: String(entry.substitute_for) === String(m) }, memberName(m))));
      sub.addEventListener("change", () => { entry.substitute_for = sub.value ? Number(sub.value) : null; save(); });
      row.append(sub);
    }
    attendance.append(row);
  }
  const others = teamMembers(log.team).filter((m) => !list(log.attendance).some((a) => String(a.member) === String(m.id)));
  if (others.length) {
    const add = h("select.big-input", { id: "add-member", "aria-label": t("add_member") },
      h("option", { value: "" }, t("add_member")),
      others.map((m) => h("option", { value: String(m.id) }, m.name || memberName(m.id))));
    add.addEventListener("change", async () => {
      if (!add.value) return;
      log.attendance.push({ member: Number(add.value), status: "present", substitute_for: null, note: "" });
      await saveLog(log);
      rerender();
    });
    attendance.append(add);
  }
  parts.push(attendance);

  // Checklists: pass / fail / not applicable, with a note; a failed item can become a hazard.
  const hazards = await app.store.all("hazards");
  const checklistBox = h("section.panel", { id: "checklists" }, h("h2", {}, t("checklists")));
  if (!checklists().length) checklistBox.append(h("p.muted", {}, t("no_checklists")));
  for (const checklist of checklists()) {
    const items = list(checklist.items);
    const answeredCount = () => items.filter((it) => (log.results || {})[`${checklist.id}|${it.code}`]?.result).length;
    const summaryText = () => `${nameOf(checklist)} (${answeredCount()}/${items.length})`;
    const summary = h("summary", {}, summaryText());
    const details = h("details.checklist", { dataset: { checklist: String(checklist.id) }, open: answeredCount() > 0 },
      summary);
    for (const item of items) {
      const key = `${checklist.id}|${item.code}`;
      log.results = log.results || {};
      const current = log.results[key] || { result: "", note: "" };
      const note = h("input.big-input.note", {
        type: "text", value: current.note || "", placeholder: t("note"), "aria-label": t("note"),
      });
      note.addEventListener("input", () => {
        log.results[key] = { ...(log.results[key] || { result: "" }), note: note.value };
        save();
      });
      const reported = hazards.find((z) => z.log === log.uuid && z.checklist_item &&
        String(z.checklist_item.checklist) === String(checklist.id) && z.checklist_item.code === item.code);
      // The row is updated in place when a result is picked (never redrawn), so a note being
      // typed in it keeps its focus and every keystroke.
      const report = h("span.report-slot");
      const showReport = (result) => {
        report.replaceChildren(result !== "fail" ? "" : reported
          ? chip(t("hazard_reported"), "warn")
          : h("a.btn.report", {
            href: `#/hazard?log=${log.uuid}&checklist=${checklist.id}&code=${encodeURIComponent(item.code)}`,
          }, t("report_as_hazard")));
      };
      const row = h("div.item", { dataset: { code: item.code, result: current.result || "" } },
        h("div.item-text", {}, item.text, item.hint ? h("small", {}, item.hint) : null),
        segmented(`item-${key}`, RESULTS, current.result, (r) => t(`result_${r}`), async (r) => {
          log.results[key] = { ...(log.results[key] || { note: "" }), result: r };
          row.dataset.result = r;
          summary.textContent = summaryText();
          showReport(r);
          await saveLog(log);
        }),
        note, report);
      showReport(current.result);
      details.append(row);
    }
    checklistBox.append(details);
  }
  parts.push(checklistBox);

  // Findings by kind.
  const findings = h("section.panel", { id: "findings" }, h("h2", {}, t("findings")));
  log.findings = list(log.findings);
  log.findings.forEach((finding, index) => {
    const kind = h("select.big-input", { "aria-label": t("finding_kind") },
      FINDING_KINDS.map((k) => h("option", { value: k, selected: finding.kind === k }, t(`finding_${k}`))));
    kind.addEventListener("change", () => { finding.kind = kind.value; save(); });
    const text = h("textarea.big-input", { rows: 2, "aria-label": t("finding_text") }, finding.text || "");
    text.addEventListener("input", () => { finding.text = text.value; save(); });
    const remove = h("button.btn", { type: "button" }, t("remove"));
    remove.addEventListener("click", async () => { log.findings.splice(index, 1); await saveLog(log); rerender(); });
    findings.append(h("div.finding", {}, kind, text, remove));
  });
  const addFinding = h("button.btn.big", { type: "button", id: "add-finding" }, t("add_finding"));
  addFinding.addEventListener("click", async () => {
    log.findings.push({ kind: "other", text: "" });
    await app.store.put("logs", log);
    rerender();
  });
  findings.append(addFinding);
  parts.push(findings);

  // Publicity and notes.
  const publicity = h("textarea.big-input", { id: "log-publicity", rows: 2 }, log.publicity || "");
  publicity.addEventListener("input", () => { log.publicity = publicity.value; save(); });
  const notes = h("textarea.big-input", { id: "log-notes", rows: 3 }, log.notes || "");
  notes.addEventListener("input", () => { log.notes = notes.value; save(); });
  parts.push(h("section.panel", {},
    h("label", { for: "log-publicity" }, t("publicity")), publicity,
    h("label", { for: "log-notes" }, t("notes")), notes));

  // Photos.
  const strip = h("div.photo-box", {}, await photoStrip(log));
  parts.push(h("section.panel", { id: "photos" }, h("h2", {}, t("photos")), strip,
    photoInput({ log, onAdded: async () => strip.replaceChildren(await photoStrip(log)) })));

  // Check-ins.
  const checkIns = h("section.panel", { id: "check-ins" }, h("h2", {}, t("check_ins")));
  for (const c of list(log.check_ins)) {
    checkIns.append(h("div.check-in", { dataset: { kind: c.kind } },
      `${fmtTime(c.phone_time)} ${t(`checkin_${c.kind}`)}`,
      c.accuracy_m !== null && c.accuracy_m !== undefined ? ` · ±${c.accuracy_m} m` : ` · ${t("no_position_short")}`,
      c.checkpoint ? ` · ${t("checkpoint")}` : ""));
  }
  if (!log.submit) {
    const { box, input } = checkpointField();
    const add = h("button.btn.big", { type: "button", id: "add-checkpoint" }, t("record_checkpoint"));
    add.addEventListener("click", async () => {
      add.disabled = true;
      const fix = await locate(8000);
      await queueCheckIn(log, "checkpoint", fix, input.value.trim());
      rerender();
    });
    checkIns.append(box, add);
  }
  parts.push(checkIns);

  // Optional route track while the log is open.
  if (!log.submit && navigator.geolocation) {
    const recording = app.track && app.track.log === log.uuid;
    const toggle = h("button.btn.big", { type: "button", id: "track-toggle", "aria-pressed": String(Boolean(recording)) },
      recording ? t("track_stop") : t("track_start"));
    toggle.addEventListener("click", async () => {
      if (app.track && app.track.log === log.uuid) await stopTrack();
      else {
        await stopTrack(); // another log's track, if any
        startTrack(log);
      }
      rerender();
    });
    parts.push(h("section.panel", { id: "track" }, h("h2", {}, t("track_title")),
      h("p", { id: "track-status", role: "status" }, recording ? trackStatusText() : ""), toggle));
  }

  // End duty: end check-in, then the log is handed in.
  if (!log.submit) {
    const end = h("button.btn.big.danger", { type: "button", id: "end-duty" }, t("end_duty"));
    end.addEventListener("click", async () => {
      if (!window.confirm(t("end_confirm"))) return;
      end.disabled = true;
      end.textContent = t("locating");
      const fix = await locate(8000);
      await save.flush();
      if (app.track && app.track.log === log.uuid) await stopTrack();
      log.ended_at = nowIso();
      log.submit = true;
      await saveLog(log);
      await queueCheckIn(log, "end", fix, "");
      app.flash = t("ended_saved");
      location.hash = "#/";
    });
    parts.push(end);
  }
  parts.push(h("a.btn", { href: "#/" }, t("back")));
  return parts;
}

async function hazardScreen(params) {
  const logUuid = params.get("log");
  const log = logUuid ? await getLog(logUuid) : null;
  const checklistId = params.get("checklist");
  const code = params.get("code");
  const checklist = checklistId ? checklists().find((c) => String(c.id) === String(checklistId)) : null;
  const item = checklist ? list(checklist.items).find((i) => i.code === code) : null;
  const noteOnItem = log && checklistId ? ((log.results || {})[`${checklistId}|${code}`] || {}).note : "";
  const hazardUuid = uuid();
  let fix = null;
  const position = h("div", {}, positionLine(null, true));
  locate().then((value) => { fix = value; position.replaceChildren(positionLine(fix, false)); });

  const category = h("select.big-input", { id: "hazard-category", required: true },
    h("option", { value: "" }, t("choose")),
    hazardCategories().map((c) => h("option", { value: c.code ?? idOf(c) }, nameOf(c) || c.code)));
  const description = h("textarea.big-input", { id: "hazard-description", rows: 3, required: true },
    [item ? item.text : "", noteOnItem].filter(Boolean).join("：") || "");
  const place = h("input.big-input", { id: "hazard-place", type: "text", value: (log && log.place) || "" });
  let severity = "general";
  const problems = h("div.errors", { role: "alert" });
  const saveButton = h("button.btn.big.primary", { type: "button", id: "save-hazard" }, t("save_report"));
  saveButton.addEventListener("click", async () => {
    problems.replaceChildren();
    if (!category.value) problems.append(h("p", {}, t("need_category")));
    if (!description.value.trim()) problems.append(h("p", {}, t("need_description")));
    if (problems.childElementCount) return;
    saveButton.disabled = true;
    const data = {
      log: log ? log.uuid : null,
      checklist_item: checklist && item ? { checklist: checklist.id, code: item.code } : null,
      category: category.value,
      description: description.value.trim(),
      place: place.value.trim(),
      latitude: fix ? fix.latitude : null,
      longitude: fix ? fix.longitude : null,
      severity,
      found_at: nowIso(),
    };
    await app.store.put("hazards", { uuid: hazardUuid, ...data });
    await app.store.enqueue("hazard", hazardUuid, data);
    // Photos taken on this screen were stored already, waiting for the hazard to be queued.
    for (const photo of await app.store.all("photos")) {
      if (photo.hazard === hazardUuid && photo.state === "draft") {
        await app.store.put("photos", { ...photo, state: "queued" });
      }
    }
    await refreshStatus();
    syncSoon();
    app.flash = t("hazard_saved");
    location.hash = log ? `#/log/${log.uuid}` : "#/";
  });
  const strip = h("div.photo-box");
  // Photos wait as drafts until the report itself is saved (a cancelled report sends none).
  const photos = photoInput({
    log, hazard: hazardUuid, state: "draft",
    onAdded: async () => { strip.replaceChildren(await photoStrip(log, hazardUuid)); },
  });
  return [
    h("h1", {}, item ? t("report_as_hazard") : t("report_hazard")),
    item ? h("p.lead", {}, `${nameOf(checklist)}: ${item.text}`) : null,
    h("section.panel", {},
      h("label", { for: "hazard-category" }, t("category")), category,
      h("label", { for: "hazard-description" }, t("description")), description,
      h("label", { for: "hazard-place" }, t("place")), place,
      h("div.label", {}, t("severity")),
      segmented("severity", ["general", "major"], severity, (s) => t(`severity_${s}`), (s) => { severity = s; }),
      h("h2", {}, t("position")), position),
    h("section.panel", {}, h("h2", {}, t("photos")), strip, photos),
    problems,
    saveButton,
    h("a.btn", { href: log ? `#/log/${log.uuid}` : "#/" }, t("cancel")),
  ];
}

function itemText(checklistId, code) {
  const checklist = checklists().find((c) => String(c.id) === String(idOf(checklistId)));
  const item = checklist ? list(checklist.items).find((i) => i.code === code) : null;
  return item ? item.text : code;
}

// [label, text] rows describing a log, the same for the phone's copy and the server's.
function summaryRows(data) {
  const results = list(data && data.checklists).flatMap((g) =>
    list(g.items).map((r) => `${itemText(g.checklist, r.code)}：${t(`result_${r.result}`)}${r.note ? `（${r.note}）` : ""}`));
  data = data || {};
  return [
    [t("place"), data.place || ""],
    [t("method"), data.method ? t(`method_${data.method}`) : ""],
    [t("attendance"), list(data.attendance).map((a) => `${memberName(idOf(a.member))} ${t(`att_${a.status}`)}`).join("、")],
    [t("checklists"), results.join("；")],
    [t("findings"), list(data.findings).map((f) => `${t(`finding_${f.kind}`)}：${f.text}`).join("；")],
    [t("publicity"), data.publicity || ""],
    [t("notes"), data.notes || ""],
    [t("ended"), data.ended_at ? fmtDateTime(data.ended_at) : ""],
  ];
}

// Both versions side by side; the rows that differ are marked.
function summary(rows, other) {
  return h("dl.summary", {}, rows.map(([label, value], i) => {
    const differs = other && other[i][1] !== value;
    return [
      h(differs ? "dt.differs" : "dt", {}, label),
      h(differs ? "dd.differs" : "dd", {}, value || "—"),
    ];
  }));
}

function kindLabel(item) {
  return t(`kind_${item.kind}`);
}

async function queueScreen() {
  const items = (await app.store.all("outbox")).sort((a, b) => a.seq - b.seq);
  const photos = (await app.store.all("photos")).filter((p) => p.state !== "uploaded").sort((a, b) => a.seq - b.seq);
  const parts = [h("h1", {}, t("queue_title"))];
  for (const item of items.filter((i) => i.state === "conflict")) {
    const mine = summaryRows(item.data);
    const theirs = summaryRows(item.server);
    const keepMine = h("button.btn.big.primary", { type: "button", dataset: { action: "keep-mine" } }, t("keep_mine"));
    keepMine.addEventListener("click", async () => {
      // Resend mine on top of the server's version: the member decided, nothing is lost silently.
      await app.store.put("outbox", { ...item, state: "queued", base_version: item.server_version, server: null });
      const log = await getLog(item.uuid);
      if (log) {
        log.version = item.server_version;
        await app.store.put("logs", log);
      }
      await refreshStatus();
      app.sync.run({ manual: true });
      render();
    });
    const takeServer = h("button.btn.big", { type: "button", dataset: { action: "take-server" } }, t("take_server"));
    takeServer.addEventListener("click", async () => {
      const log = await getLog(item.uuid);
      if (log && item.server) {
        app.current = logFromServer(log, item.server, item.server_version);
        await app.store.put("logs", app.current);
      }
      await app.store.delete("outbox", item.uuid);
      await refreshStatus();
      render();
    });
    parts.push(h("article.card.conflict", { dataset: { uuid: item.uuid } },
      h("h2", {}, t("conflict_title")), h("p", {}, t("conflict_help")),
      h("div.versions", {},
        h("div.version", {}, h("h3", {}, t("mine")), summary(mine, theirs)),
        h("div.version", {}, h("h3", {}, t("server_copy")), summary(theirs, mine))),
      h("div.actions", {}, keepMine, takeServer)));
  }
  for (const item of items.filter((i) => i.state === "rejected")) {
    const discard = h("button.btn", { type: "button", dataset: { action: "discard" } }, t("discard"));
    discard.addEventListener("click", async () => {
      if (!window.confirm(t("discard_confirm"))) return;
      await app.store.delete("outbox", item.uuid);
      await refreshStatus();
      render();
    });
    const edit = item.kind === "patrol_log" ? h("a.btn.big", { href: `#/log/${item.uuid}` }, t("edit")) : null;
    // A new log refused because its duty already has one: continue that one, or upload this
    // one as a second log on purpose. It stays here (nothing lost) until discarded or sent.
    let duplicate = null;
    if (item.kind === "patrol_log" && item.existing) {
      const goOn = h("button.btn.big.primary", { type: "button", dataset: { action: "continue-existing" } },
        t("continue_existing_refused"));
      goOn.addEventListener("click", () => continueServerLog(item.existing));
      const asSecond = h("button.btn", { type: "button", dataset: { action: "send-as-second" } }, t("send_as_second"));
      asSecond.addEventListener("click", async () => {
        if (!window.confirm(t("second_log_confirm"))) return;
        const log = await getLog(item.uuid);
        if (log) {
          log.second_log = true;
          await app.store.put("logs", log);
        }
        const data = { ...item.data, second_log: true };
        await app.store.put("outbox", { ...item, data, state: "queued", errors: [], existing: null });
        await refreshStatus();
        app.sync.run({ manual: true });
        render();
      });
      duplicate = [goOn, asSecond];
    }
    parts.push(h("article.card.rejected", { dataset: { uuid: item.uuid } },
      h("h2", {}, `${kindLabel(item)} · ${t("state_rejected")}`),
      h("ul.errors", {}, list(item.errors).map((e) => h("li", {}, e.label ? `${e.label}：${e.message}` : e.message)),
        item.message ? h("li", {}, item.message) : null),
      h("div.actions", {}, duplicate, edit, discard)));
  }
  for (const photo of photos.filter((p) => p.state === "rejected" || p.state === "conflict")) {
    const discard = h("button.btn", { type: "button" }, t("discard"));
    discard.addEventListener("click", async () => {
      await app.store.delete("photos", photo.uuid);
      await refreshStatus();
      render();
    });
    parts.push(h("article.card.rejected", {}, h("h2", {}, `${t("kind_photo")} · ${t(`state_${photo.state}`)}`),
      h("p", {}, photo.message || ""), discard));
  }
  const waiting = items.filter((i) => i.state === "queued");
  parts.push(h("h2", {}, t("waiting", { n: waiting.length + photos.filter((p) => p.state === "queued").length })));
  parts.push(h("ul.queue", {},
    waiting.map((i) => h("li", {}, kindLabel(i), i.message ? ` · ${i.message}` : "")),
    photos.filter((p) => p.state === "queued").map(() => h("li", {}, t("kind_photo")))));
  parts.push(h("a.btn", { href: "#/" }, t("back")));
  return parts;
}

// ---- router -----------------------------------------------------------------------------------

let renderToken = 0;
let pendingSave = null;

async function render() {
  const token = ++renderToken;
  if (pendingSave) {
    const flush = pendingSave;
    pendingSave = null;
    await flush();
  }
  const [path, query] = (location.hash.replace(/^#/, "") || "/").split("?");
  const params = new URLSearchParams(query || "");
  const bits = path.split("/").filter(Boolean);
  let parts;
  if (bits[0] === "start" && bits[1] === "team") parts = startScreen(null, bits[2]);
  else if (bits[0] === "start") parts = startScreen(bits[1], null, params);
  else if (bits[0] === "view") parts = viewScreen(bits[1], bits[2]);
  else if (bits[0] === "unplanned") parts = unplannedScreen();
  else if (bits[0] === "log") parts = await logScreen(bits[1]);
  else if (bits[0] === "hazard") parts = await hazardScreen(params);
  else if (bits[0] === "queue") parts = await queueScreen();
  else parts = await homeScreen();
  if (token !== renderToken) return; // a newer render won
  const scroll = window.scrollY;
  const flash = app.flash ? h("p.flash", { role: "status" }, app.flash) : null;
  app.flash = "";
  screen.replaceChildren(...[flash, ...parts].filter(Boolean));
  screen.dataset.screen = bits[0] || "home";
  if (screen.dataset.lastPath === path) window.scrollTo(0, scroll);
  else window.scrollTo(0, 0);
  screen.dataset.lastPath = path;
  await refreshStatus();
}

// ---- start ------------------------------------------------------------------------------------

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register(config.sw_url, { scope: "./" });
    await navigator.serviceWorker.ready;
    const cached = await caches.match(location.pathname, { ignoreSearch: true });
    document.documentElement.dataset.offlineReady = cached ? "yes" : "no";
  } catch (err) {
    document.documentElement.dataset.offlineReady = "no";
  }
}

async function main() {
  app.store = await openStore(config.user);
  app.sync = new SyncEngine({
    store: app.store,
    config,
    onChange: () => { refreshStatus(); },
    onLogVersion: async (id, version) => {
      if (app.current && app.current.uuid === id) {
        app.current.version = version;
        await app.store.put("logs", app.current);
        return;
      }
      const log = await app.store.get("logs", id);
      if (log) await app.store.put("logs", { ...log, version });
    },
  });
  document.getElementById("sync-now").addEventListener("click", async () => {
    await app.sync.run({ manual: true });
    if (await loadToday()) render();
    else refreshStatus();
  });
  window.addEventListener("online", async () => {
    refreshStatus();
    await app.sync.run({ manual: true });
    if (await loadToday()) render();
  });
  window.addEventListener("offline", () => refreshStatus());
  window.addEventListener("hashchange", () => render());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") app.sync.run();
    else flushTrack(); // the phone may stop the page while it is hidden: keep the points
  });
  window.addEventListener("pagehide", () => flushTrack());
  app.today = await app.store.getMeta("today");
  // Photos of a hazard report that was never saved (the app was closed on that screen).
  for (const photo of await app.store.all("photos")) {
    if (photo.state === "draft") await app.store.delete("photos", photo.uuid);
  }
  await render();
  registerWorker();
  const fresh = await loadToday();
  if (fresh) await render();
  await app.sync.run();
  document.documentElement.dataset.appReady = "yes";
}

main();
