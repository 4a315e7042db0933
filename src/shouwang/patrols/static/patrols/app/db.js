// The phone's own store (IndexedDB): what the member wrote, the upload queue and photo blobs.
//
// Stores (all keyed by the phone-made uuid, except meta):
//   meta     {key, value}          today's duties (from /today), counters, last sync time
//   logs     local patrol logs     the member's copy, shown and edited offline
//   hazards  local hazard reports  for display; what is sent lives in the outbox
//   outbox   queued sync items     {uuid, kind, base_version, data, seq, rev, state, …}
//   photos   photo blobs to upload {uuid, blob, log, hazard, caption, taken_at, state, seq}
//
// One database per login, so two people sharing a phone never mix their queues.

const STORES = ["meta", "logs", "hazards", "outbox", "photos"];

function promisify(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export class Store {
  constructor(name) {
    this.name = name;
    this.db = null;
  }

  async open() {
    const request = indexedDB.open(this.name, 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      for (const store of STORES) {
        if (!db.objectStoreNames.contains(store)) {
          db.createObjectStore(store, { keyPath: store === "meta" ? "key" : "uuid" });
        }
      }
    };
    this.db = await promisify(request);
    return this;
  }

  // Runs `work(stores)` in one transaction over `names`; resolves once it has committed.
  tx(names, mode, work) {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction(names, mode);
      const stores = Object.fromEntries(names.map((n) => [n, tx.objectStore(n)]));
      let result;
      Promise.resolve(work(stores)).then((value) => { result = value; }, (err) => {
        try { tx.abort(); } catch (e) { /* already finished */ }
        reject(err);
      });
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error("aborted"));
    });
  }

  get(store, key) {
    return this.tx([store], "readonly", (s) => promisify(s[store].get(key)));
  }

  all(store) {
    return this.tx([store], "readonly", (s) => promisify(s[store].getAll()));
  }

  put(store, value) {
    return this.tx([store], "readwrite", (s) => promisify(s[store].put(value)));
  }

  delete(store, key) {
    return this.tx([store], "readwrite", (s) => promisify(s[store].delete(key)));
  }

  async getMeta(key, fallback = null) {
    const row = await this.get("meta", key);
    return row ? row.value : fallback;
  }

  setMeta(key, value) {
    return this.put("meta", { key, value });
  }

  // The next number of the queue's order (items are sent in the order they were first queued).
  nextSeq() {
    return this.tx(["meta"], "readwrite", async (s) => {
      const row = await promisify(s.meta.get("seq"));
      const value = (row ? row.value : 0) + 1;
      await promisify(s.meta.put({ key: "seq", value }));
      return value;
    });
  }

  // Queue an item. For the same uuid the latest data wins, but the item keeps its place in the
  // queue and the base_version it was first queued with (the version the phone last saw).
  async enqueue(kind, uuid, data, baseVersion = null) {
    const seq = await this.nextSeq();
    return this.tx(["outbox"], "readwrite", async (s) => {
      const old = await promisify(s.outbox.get(uuid));
      const item = old
        ? { ...old, data, rev: (old.rev || 0) + 1 }
        : { uuid, kind, data, base_version: baseVersion, seq, rev: 1, state: "queued" };
      if (old && old.state === "rejected") {
        item.state = "queued";
        item.errors = [];
      }
      await promisify(s.outbox.put(item));
      return item;
    });
  }

  async waitingCount() {
    const [items, photos] = await Promise.all([this.all("outbox"), this.all("photos")]);
    return items.length + photos.filter((p) => p.state !== "uploaded" && p.state !== "draft").length;
  }
}

export function openStore(userId) {
  return new Store(`shouwang-field-u${userId}`).open();
}
