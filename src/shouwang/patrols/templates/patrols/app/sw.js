// 守望 phone app service worker (served from /app/sw.js, scope /app/).
// Caches the app shell and its static files under a versioned name, so the app opens and
// works with no network at all; old versions are dropped when a new one activates.
// The field API is never cached here: the app keeps its own data in IndexedDB.
"use strict";

const VERSION = "{{ version }}";
const CACHE = `shouwang-app-${VERSION}`;
const SHELL = "{{ shell_url }}";
const PRECACHE = {{ precache|safe }};
const STATIC_PREFIX = "{{ static_prefix }}";
const NAVIGATION_TIMEOUT_MS = 5000;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    for (const url of PRECACHE) {
      const response = await fetch(url, { credentials: "same-origin", cache: "reload" });
      // Never cache the login page in place of the shell (a signed-out install).
      if (!response.ok || response.redirected) throw new Error(`precache ${url}: ${response.status}`);
      await cache.put(url, response);
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("shouwang-app-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function fromNetworkWithTimeout(request) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), NAVIGATION_TIMEOUT_MS);
  try {
    return await fetch(request, { signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

// Pages under /app/: the network first (fresh shell, login if the session ended), the cached
// shell when offline or when the network is too slow to answer.
async function navigate(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fromNetworkWithTimeout(request);
    const url = new URL(request.url);
    if (response.ok && !response.redirected && url.pathname === SHELL) {
      await cache.put(SHELL, response.clone());
    }
    return response;
  } catch (err) {
    const cached = await cache.match(SHELL);
    if (cached) return cached;
    throw err;
  }
}

// The app's static files: from the cache, else the network (and keep a copy).
async function staticFile(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith(SHELL) && !url.pathname.endsWith(".js")) {
    event.respondWith(navigate(request));
  } else if (url.pathname.startsWith(STATIC_PREFIX)) {
    event.respondWith(staticFile(request));
  }
});
