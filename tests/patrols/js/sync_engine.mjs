// Checks of the phone app's sync engine (static/patrols/app/sync.js) with an in-memory store
// and a scripted server, run by tests/patrols/test_app_pages.py with Node (`node FILE`).
// Exits non-zero with a message on the first failed check.

import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";

const SYNC_JS = process.argv[2];
globalThis.navigator = { onLine: true };
globalThis.document = { cookie: "csrftoken=tok123" };
const { SyncEngine, BATCH } = await import(pathToFileURL(SYNC_JS).href);

// An IDB-like request: onsuccess is called after the caller has set it.
function request(value) {
  const r = { result: value, onsuccess: null, onerror: null };
  setTimeout(() => r.onsuccess && r.onsuccess(), 0);
  return r;
}

class FakeStore {
  constructor() { this.data = { outbox: new Map(), photos: new Map(), meta: new Map(), logs: new Map() }; }
  objectStore(name) {
    const map = this.data[name];
    const key = name === "meta" ? "key" : "uuid";
    return {
      get: (k) => request(structuredClone(map.get(k))),
      put: (v) => { map.set(v[key], structuredClone(v)); return request(v[key]); },
      delete: (k) => { map.delete(k); return request(undefined); },
    };
  }
  async tx(names, mode, work) {
    const stores = Object.fromEntries(names.map((n) => [n, this.objectStore(n)]));
    const result = await work(stores);
    await new Promise((r) => setTimeout(r, 1));
    return result;
  }
  async all(name) { return [...this.data[name].values()].map((v) => structuredClone(v)); }
  async put(name, v) { this.objectStore(name).put(v); }
  async setMeta(key, value) { this.data.meta.set(key, { key, value }); }
  queue(uuid, kind, seq, extra = {}) {
    this.data.outbox.set(uuid, { uuid, kind, data: { n: seq }, base_version: null, seq, rev: 1, state: "queued", ...extra });
  }
}

function engine(store, server) {
  globalThis.fetch = server;
  return new SyncEngine({ store, config: { sync_url: "/sync", photo_url: "/photos/" } });
}

const json = (status, body) => ({ status, redirected: false, json: async () => body });
const sent = (options) => JSON.parse(options.body).items;

// 1. A sync cut off between two batches resumes with exactly what was left.
{
  const store = new FakeStore();
  for (let i = 1; i <= 250; i++) store.queue(`u${String(i).padStart(3, "0")}`, "check_in", 251 - i);
  const batches = [];
  let calls = 0;
  const sync = engine(store, async (url, options) => {
    calls += 1;
    const items = sent(options);
    batches.push(items.map((i) => i.uuid));
    assert.equal(options.headers["X-CSRFToken"], "tok123");
    if (calls === 2) throw new TypeError("Failed to fetch"); // the network is cut
    return json(200, { results: items.map((i) => ({ uuid: i.uuid, kind: i.kind, status: "saved" })) });
  });
  await sync.run();
  assert.equal(batches[0].length, BATCH);
  assert.equal(BATCH, 200);
  assert.equal(batches[0][0], "u250"); // lowest seq first
  assert.equal(store.data.outbox.size, 50, "the 200 answered items are gone, 50 wait");
  assert.equal(sync.state, "error");
  assert.ok(sync.timer, "a retry is scheduled (back-off)");
  assert.ok(sync.nextAt - Date.now() <= 2 * 1000 * 1.25 + 50);
  const left = new Set(store.data.outbox.keys());
  globalThis.fetch = async (url, options) => {
    const items = sent(options);
    assert.deepEqual(new Set(items.map((i) => i.uuid)), left, "only what was left is sent again");
    return json(200, { results: items.map((i) => ({ uuid: i.uuid, kind: i.kind, status: "unchanged" })) });
  };
  await sync.run({ manual: true });
  assert.equal(store.data.outbox.size, 0);
  assert.equal(sync.state, "done");
  assert.equal(sync.attempt, 0);
  clearTimeout(sync.timer);
}

// 2. Each answer is applied to its own item: saved/unchanged go, the rest stay.
{
  const store = new FakeStore();
  ["a", "b", "c", "d", "e"].forEach((u, i) => store.queue(u, u === "d" ? "patrol_log" : "hazard", i + 1));
  let calls = 0;
  const sync = engine(store, async (url, options) => {
    calls += 1;
    const items = sent(options);
    if (calls === 1) {
      assert.equal(items.find((i) => i.uuid === "d").base_version, null);
      assert.ok(!("base_version" in items.find((i) => i.uuid === "a")));
    } else {
      assert.deepEqual(items.map((i) => i.uuid), ["c"], "retry items go again on the next run only");
    }
    const answers = [
      { uuid: "a", status: "saved" },
      { uuid: "b", status: "unchanged" },
      { uuid: "c", status: "retry", message: "log not yet received" },
      { uuid: "d", status: "conflict", version: 3, server: { notes: "theirs" } },
      { uuid: "e", status: "rejected", errors: [{ field: "latitude", label: "纬度", message: "bad" }] },
    ];
    return json(200, { results: answers.filter((r) => items.some((i) => i.uuid === r.uuid)) });
  });
  await sync.run();
  assert.equal(calls, 1);
  assert.deepEqual([...store.data.outbox.keys()].sort(), ["c", "d", "e"]);
  assert.equal(store.data.outbox.get("c").state, "queued");
  assert.equal(store.data.outbox.get("d").state, "conflict");
  assert.equal(store.data.outbox.get("d").server_version, 3);
  assert.deepEqual(store.data.outbox.get("d").server, { notes: "theirs" });
  assert.equal(store.data.outbox.get("e").state, "rejected");
  assert.equal(store.data.outbox.get("e").errors[0].field, "latitude");
  await sync.run();
  assert.equal(calls, 2);
}

// 3. An item edited while it was on its way stays queued, on top of the version just saved.
{
  const store = new FakeStore();
  store.queue("log1", "patrol_log", 1);
  const versions = [];
  const sync = new SyncEngine({
    store,
    config: { sync_url: "/sync", photo_url: "/photos/" },
    onLogVersion: async (uuid, version) => versions.push([uuid, version]),
  });
  const bodies = [];
  globalThis.fetch = async (url, options) => {
    const [item] = sent(options);
    bodies.push(item);
    if (bodies.length === 1) {
      // The member edits the log while the upload is on its way.
      const queued = store.data.outbox.get("log1");
      store.data.outbox.set("log1", { ...queued, data: { n: "edited" }, rev: queued.rev + 1 });
    }
    return json(200, { results: [{ uuid: "log1", status: "saved", version: bodies.length }] });
  };
  await sync.run();
  assert.equal(bodies.length, 2, "the newer edit is sent right after");
  assert.deepEqual(bodies[1].data, { n: "edited" });
  assert.equal(bodies[1].base_version, 1, "on top of the version the first upload made");
  assert.equal(store.data.outbox.size, 0);
  assert.deepEqual(versions, [["log1", 1], ["log1", 2]]);
}

// 4. Photos: saved → uploaded (blob dropped); retry stays; a refused file says why.
{
  const store = new FakeStore();
  const blob = new Blob([new Uint8Array([0xff, 0xd8, 0xff])], { type: "image/jpeg" });
  store.data.photos.set("p1", { uuid: "p1", blob, log: "log1", state: "queued", seq: 1 });
  store.data.photos.set("p2", { uuid: "p2", blob, hazard: "h1", state: "queued", seq: 2 });
  store.data.photos.set("p3", { uuid: "p3", blob, log: "log1", state: "queued", seq: 3 });
  const seen = [];
  const sync = engine(store, async (url, options) => {
    if (url === "/sync") return json(200, { results: [] });
    seen.push([url, options.method, options.body.get("log"), options.body.get("hazard")]);
    if (url.endsWith("p1")) return json(201, { status: "saved" });
    if (url.endsWith("p2")) return json(409, { status: "retry" });
    return json(422, { errors: [{ field: "file", message: "too big" }] });
  });
  await sync.run();
  assert.deepEqual(seen, [
    ["/photos/p1", "PUT", "log1", null],
    ["/photos/p2", "PUT", null, "h1"],
    ["/photos/p3", "PUT", "log1", null],
  ]);
  assert.equal(store.data.photos.get("p1").state, "uploaded");
  assert.equal(store.data.photos.get("p1").blob, null);
  assert.equal(store.data.photos.get("p2").state, "queued");
  assert.equal(store.data.photos.get("p3").state, "rejected");
  assert.equal(store.data.photos.get("p3").message, "too big");
}

// 5. Signed out: the queue is kept and the member is asked to sign in again.
{
  const store = new FakeStore();
  store.queue("x", "hazard", 1);
  const sync = engine(store, async () => json(401, { detail: "Unauthorized" }));
  await sync.run();
  assert.equal(sync.state, "auth");
  assert.equal(store.data.outbox.size, 1);
  assert.equal(sync.timer, null);
}

// 6. Offline: nothing is sent.
{
  const store = new FakeStore();
  store.queue("y", "hazard", 1);
  navigator.onLine = false;
  const sync = engine(store, async () => { throw new Error("must not be called"); });
  await sync.run();
  assert.equal(sync.state, "offline");
  navigator.onLine = true;
}

console.log("sync engine: 6 checks passed");
