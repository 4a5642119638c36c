// The participant's board without a network. Phones reload tabs they put to sleep, often where
// the connection is poor; board.js keeps the board's notes and outbox in localStorage, and this
// worker keeps the page and its scripts, so that such a reload shows them instead of the
// browser's error page. Served as /w/sw.js: its scope is /w/, the boards only (a dashboard's
// address holds its token and never passes through here). docs/privacy.md says what is kept.

const CACHE = "talkoot-board-1"; // a new name drops the old caches (talkoot-board-*) on activation
const BOARDS_KEPT = 5;
const NETWORK_WAIT_MS = 4000; // then the saved board, while the network may still answer
const BOARD = /^\/w\/[^/]+$/;
const ASSETS = /\/static\/[^"'\s<>]+/g; // the page's scripts and styles, later ones included

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("talkoot-board-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
    // The board that registered this worker loaded without it: keep that one now.
    const windows = await self.clients.matchAll({ type: "window" });
    await Promise.all(windows.filter((client) => BOARD.test(new URL(client.url).pathname))
      .map((client) => fetch(client.url).then((response) => keep(response, pageKey(client.url)), () => {})));
  })());
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) return;
  if (request.mode === "navigate" && BOARD.test(url.pathname)) {
    const key = pageKey(request.url);
    const network = fetch(request);
    // Registered first, so the copy is taken before the page reads the body.
    event.waitUntil(network.then((response) => keep(response.clone(), key), () => {}));
    event.respondWith(answer(network, key));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(saved(request).then((copy) => copy || fetch(request)));
  }
});

/** A board is kept once, whatever its ?lang=. */
const pageKey = (address) => {
  const url = new URL(address);
  return url.origin + url.pathname;
};

// The cached copies carry the Vary of their answers, which the requests here cannot match.
const saved = (request) => caches.match(request, { ignoreVary: true });

/** The network's board if it comes in time and is not a server error, else the saved one. */
async function answer(network, key) {
  const copy = await saved(key);
  if (!copy) return network;
  const late = new Promise((resolve) => setTimeout(resolve, NETWORK_WAIT_MS, copy));
  const fresh = network.then((response) => (response.status >= 500 ? copy : response), () => copy);
  return Promise.race([fresh, late]);
}

// One keep at a time: two tabs (or the activation's boards) would delete what the other reads.
let keeping = Promise.resolve();
const keep = (response, key) => (keeping = keeping.then(() => keepNow(response, key)).catch(() => {}));

/** Keep a board's page once every file it loads is kept; forget it once the workshop is gone. */
async function keepNow(response, key) {
  const cache = await caches.open(CACHE);
  if (response.status === 404 || response.status === 410) {
    await cache.delete(key);
    return;
  }
  if (!response.ok || response.redirected) return; // a redirect cannot answer a navigation
  const html = await response.clone().text();
  for (const file of new Set(html.match(ASSETS))) {
    if (await cache.match(file, { ignoreVary: true })) continue;
    const answer = await fetch(file);
    if (!answer.ok || !(await isVersion(answer.clone(), file))) return; // the page waits for a later visit
    await cache.put(file, answer);
  }
  await cache.put(key, response); // at the end of cache.keys(), a kept board's old entry gone
  await prune(cache);
}

/** The server serves a file whatever its ?v=: one deployed meanwhile must not pass for the page's. */
async function isVersion(answer, file) {
  const version = new URL(file, location.origin).searchParams.get("v");
  if (!version) return true;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await answer.arrayBuffer()));
  return [...digest].map((byte) => byte.toString(16).padStart(2, "0")).join("").startsWith(version);
}

/** The last BOARDS_KEPT boards and the files they load; nothing older. */
async function prune(cache) {
  const keys = await cache.keys();
  const boards = keys.filter((request) => BOARD.test(new URL(request.url).pathname));
  for (const old of boards.slice(0, -BOARDS_KEPT)) await cache.delete(old);
  const used = new Set();
  for (const board of boards.slice(-BOARDS_KEPT)) {
    const html = await (await cache.match(board))?.text() ?? "";
    for (const asset of html.match(ASSETS) || []) used.add(new URL(asset, location.origin).href);
  }
  for (const request of keys) {
    if (new URL(request.url).pathname.startsWith("/static/") && !used.has(request.url)) await cache.delete(request);
  }
}
