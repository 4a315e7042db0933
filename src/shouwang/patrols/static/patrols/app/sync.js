// The sync engine: uploads the outbox to POST /api/v1/field/sync (batches of at most 200) and
// the photos to PUT /api/v1/field/photos/{uuid}, following docs/field-sync.md.
//
// - An item answered `saved` or `unchanged` is removed from the queue at once, one by one, so a
//   sync cut off half-way resumes with what is left.
// - `retry` items stay queued; `conflict` and `rejected` items wait for the member.
// - If the member edited an item while it was on its way, the new edit stays queued (its
//   base_version moves to the version the server just gave).
// - Network errors and server errors back off exponentially (2 s, 4 s, … up to 5 min).

export const BATCH = 200;
const MAX_DELAY_MS = 5 * 60 * 1000;

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

class HttpError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export class SyncEngine {
  constructor({ store, config, onChange, onLogVersion }) {
    this.store = store;
    this.config = config;
    this.onChange = onChange || (() => {});
    this.onLogVersion = onLogVersion || (async () => {});
    this.running = false;
    this.again = false;
    this.attempt = 0;
    this.timer = null;
    this.state = "idle"; // idle | syncing | offline | error | auth | done
    this.message = "";
    this.nextAt = null;
  }

  setState(state, message = "") {
    this.state = state;
    this.message = message;
    this.onChange(this);
  }

  // Start a sync now (or right after the one running). `manual` resets the back-off.
  async run({ manual = false } = {}) {
    if (manual) {
      this.attempt = 0;
      clearTimeout(this.timer);
      this.timer = null;
      this.nextAt = null;
    }
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer && !manual) return; // backing off: the timer will run it
    if (!navigator.onLine) {
      this.setState("offline");
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        this.setState("syncing");
        await this.pushItems();
        await this.pushPhotos();
      } while (this.again);
      this.attempt = 0;
      await this.store.setMeta("last_sync", new Date().toISOString());
      this.setState("done");
    } catch (err) {
      if (err instanceof HttpError && (err.status === 401 || err.status === 403)) {
        this.setState("auth");
      } else {
        this.backOff(err);
      }
    } finally {
      this.running = false;
      this.onChange(this);
    }
  }

  backOff(err) {
    this.attempt += 1;
    const base = Math.min(MAX_DELAY_MS, 1000 * 2 ** this.attempt);
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.nextAt = Date.now() + delay;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.nextAt = null;
      this.run();
    }, delay);
    this.setState(navigator.onLine ? "error" : "offline", err && err.message ? err.message : "");
  }

  async request(url, options) {
    let response;
    try {
      response = await fetch(url, {
        credentials: "same-origin",
        cache: "no-store",
        ...options,
        headers: { "X-CSRFToken": csrfToken(), ...(options.headers || {}) },
      });
    } catch (err) {
      throw new Error(err && err.message ? err.message : "network");
    }
    let body = null;
    try {
      body = await response.json();
    } catch (e) {
      body = null;
    }
    return { status: response.status, body, redirected: response.redirected };
  }

  async pushItems() {
    // Items answered `retry` are sent again only in the next run, so one run always ends.
    const retried = new Set();
    for (;;) {
      const queued = (await this.store.all("outbox"))
        .filter((i) => i.state === "queued" && !retried.has(i.uuid))
        .sort((a, b) => a.seq - b.seq)
        .slice(0, BATCH);
      if (!queued.length) return;
      const sent = new Map(queued.map((i) => [i.uuid, i.rev]));
      const payload = {
        items: queued.map((i) => {
          const item = { uuid: i.uuid, kind: i.kind, data: i.data };
          if (i.kind === "patrol_log") item.base_version = i.base_version ?? null;
          return item;
        }),
      };
      const { status, body } = await this.request(this.config.sync_url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      });
      if (status !== 200 || !body || !Array.isArray(body.results)) {
        throw new HttpError(status, body);
      }
      for (const result of body.results) {
        await this.apply(result, sent.get(result.uuid));
        if (result.status === "retry") retried.add(result.uuid);
      }
      for (const item of queued) {
        if (!body.results.some((r) => r.uuid === item.uuid)) retried.add(item.uuid);
      }
      this.onChange(this);
    }
  }

  // One answer → the queue, in its own transaction (so each saved item is gone for good).
  async apply(result, sentRev) {
    const version = result.version ?? null;
    await this.store.tx(["outbox"], "readwrite", async (s) => {
      const item = await new Promise((resolve, reject) => {
        const r = s.outbox.get(result.uuid);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      if (!item) return;
      const edited = item.rev !== sentRev;
      if (result.status === "saved" || result.status === "unchanged") {
        if (!edited) {
          s.outbox.delete(item.uuid);
        } else if (version !== null) {
          s.outbox.put({ ...item, base_version: version });
        }
      } else if (result.status === "conflict") {
        s.outbox.put({ ...item, state: "conflict", server: result.server || null, server_version: version });
      } else if (result.status === "rejected") {
        if (edited) return; // the member already changed it: send the new version
        // `existing`: the duty's log on the server that this new one would duplicate.
        s.outbox.put({
          ...item, state: "rejected", errors: result.errors || [], message: result.message || "",
          existing: result.existing || null,
        });
      } else if (result.status === "retry") {
        s.outbox.put({ ...item, message: result.message || "" });
      }
    });
    if ((result.status === "saved" || result.status === "unchanged") && version !== null) {
      await this.onLogVersion(result.uuid, version);
    }
  }

  async pushPhotos() {
    const photos = (await this.store.all("photos"))
      .filter((p) => p.state === "queued" && p.blob)
      .sort((a, b) => a.seq - b.seq);
    for (const photo of photos) {
      const form = new FormData();
      form.append("file", photo.blob, `${photo.uuid}.jpg`);
      if (photo.hazard) form.append("hazard", photo.hazard);
      else if (photo.log) form.append("log", photo.log);
      if (photo.caption) form.append("caption", photo.caption);
      if (photo.taken_at) form.append("taken_at", photo.taken_at);
      const url = `${this.config.photo_url}${photo.uuid}`;
      let answer = await this.request(url, { method: "PUT", body: form });
      if (answer.status === 405) answer = await this.request(url, { method: "POST", body: form });
      const { status, body } = answer;
      if (status === 200 || status === 201) {
        // Uploaded: the blob is no longer needed on the phone.
        await this.store.put("photos", { ...photo, blob: null, state: "uploaded" });
      } else if (status === 409 && body && body.status === "retry") {
        continue; // its log or hazard has not arrived yet
      } else if (status === 409) {
        await this.store.put("photos", { ...photo, state: "conflict", message: (body && body.detail) || "" });
      } else if (status === 422 || status === 413 || status === 400) {
        const errors = (body && body.errors) || [];
        const message = errors.map((e) => e.message).join(" ") || (body && body.detail) || "";
        await this.store.put("photos", { ...photo, state: "rejected", message });
      } else {
        throw new HttpError(status, body);
      }
      this.onChange(this);
    }
  }
}
