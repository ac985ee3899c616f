// Studying without a connection, the part every page needs (small, deferred, cached for a year):
// - registers the service worker (/sw.js) on HTTPS or localhost;
// - keeps the queue of progress made offline in IndexedDB (lesson opened / completed, with the time it
//   happened and a key of its own) and sends it to /offline/sync when the connection is back;
// - on a lesson page without a connection, records the visit and lets "mark complete" wait in the queue;
// - forms that need the server (quizzes, reports) say so while offline;
// - signing out first sends what is queued, then clears the offline copies (Cache Storage) and the queue.
// offline-shelf.js (the download buttons) is loaded only where needed; it uses window.lmsOffline.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.Promise || !window.fetch) { return; }
  var userKey = script.getAttribute("data-user") || "";
  var PREFIX = "lms-offline-";
  var DB_NAME = "lms-offline";

  // --- a small IndexedDB wrapper: one database, three stores --------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        db.createObjectStore("events", { keyPath: "key" });  // progress waiting to be sent
        db.createObjectStore("packs", { keyPath: "id" });    // what was downloaded, and when
        db.createObjectStore("notices", { autoIncrement: true });  // refusals to show the trainee
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  // Runs `work(store)` in one transaction; resolves with what work() returned (a request's result, if one).
  function withStore(name, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode);
        var result = work(tx.objectStore(name));
        tx.oncomplete = function () {
          db.close();
          resolve(result && "result" in result ? result.result : result);
        };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function all(name) {
    return withStore(name, "readonly", function (store) { return store.getAll(); });
  }

  function put(name, value) {
    return withStore(name, "readwrite", function (store) { return store.put(value); });
  }

  function remove(name, keys) {
    return withStore(name, "readwrite", function (store) {
      keys.forEach(function (key) { store.delete(key); });
    });
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function cacheName() { return userKey ? PREFIX + userKey : null; }

  function dropCaches(keep) {
    if (!window.caches) { return Promise.resolve(); }
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf(PREFIX) === 0 && n !== keep; })
        .map(function (n) { return caches.delete(n); }));
    });
  }

  function tellWorker(message) {
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage(message);
    }
  }

  // --- messages on the page -----------------------------------------------------------------------------
  function notice(text, kind) {
    var main = document.getElementById("main");
    if (!main || !text) { return; }
    var box = document.createElement("div");
    box.className = "alert alert-" + (kind || "info");
    box.setAttribute("role", kind === "warning" ? "alert" : "status");
    box.textContent = text;
    main.insertBefore(box, main.firstChild);
  }

  // --- the queue of progress made offline ---------------------------------------------------------------
  var pending = 0;  // events queued on this phone, as last counted (signing out sends them first)

  function queue(kind, lessonId, revisionId) {
    pending += 1;
    return put("events", {
      key: newKey(), user: userKey, kind: kind, lesson_id: lessonId, revision_id: revisionId,
      at: new Date().toISOString()
    });
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  var syncing = null;
  var again = false;  // something was queued while a batch was on its way: send again after it
  function sync() {
    if (!userKey || !navigator.onLine) { return Promise.resolve(); }
    if (syncing) { again = true; return syncing; }
    syncing = all("events").then(function (events) {
      pending = events.length;
      var mine = events.filter(function (e) { return e.user === userKey; }).slice(0, 100);
      if (!mine.length) { return null; }
      return fetch(script.getAttribute("data-sync"), {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ events: mine.map(function (e) {
          return { key: e.key, kind: e.kind, lesson_id: e.lesson_id, revision_id: e.revision_id, at: e.at };
        }) })
      }).then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
        if (!json || response.redirected) { return null; }  // signed out, or an old page's token: later
        return response.json().then(function (answer) {
          if (!response.ok) { notice(answer.error, "warning"); return null; }
          var done = answer.results.map(function (r) { return r.key; });
          var said = {};  // opening and completing the same lesson are refused with the same words: once
          var refused = answer.results.filter(function (r) {
            if (r.status !== "refused" || said[r.message]) { return false; }
            said[r.message] = true;
            return true;
          });
          return remove("events", done).then(function () {
            pending = Math.max(0, pending - done.length);
            return Promise.all(refused.map(function (r) {
              return put("notices", { user: userKey, text: r.message, at: new Date().toISOString() });
            }));
          }).then(function () {
            if (answer.message) { notice(answer.message, "success"); }
            refused.forEach(function (r) { notice(r.message, "warning"); });
            if (mine.length < events.length) { return null; }
            return answer;
          });
        });
      });
    }).catch(function () {
      window.setTimeout(sync, 20000);  // the connection dropped again, or the answer was lost: try later
      return null;
    }).then(function (result) {
      syncing = null;
      if (again) { again = false; return sync(); }
      return result;
    });
    return syncing;
  }

  // --- signing out: send, then forget ------------------------------------------------------------------------
  function clearAll() {
    tellWorker({ type: "signed-out" });
    var cleared = [dropCaches(null)];
    if (window.indexedDB) {
      cleared.push(new Promise(function (resolve) {
        var request = indexedDB.deleteDatabase(DB_NAME);
        request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
      }));
    }
    return Promise.all(cleared).catch(function () {});
  }

  function within(ms, promise) {
    return Promise.race([promise, new Promise(function (resolve) { window.setTimeout(resolve, ms); })]);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-sign-out") && !navigator.onLine) {
      // The server cannot hear the sign-out: at least nothing of this trainee stays on the phone.
      event.preventDefault();
      all("events").then(function (events) { return events.length; }, function () { return 0; }).then(function (n) {
        if (n && !window.confirm(form.getAttribute("data-offline-pending"))) { return; }
        clearAll().then(function () { notice(form.getAttribute("data-offline-cleared"), "warning"); });
      });
      return;
    }
    if (form.hasAttribute("data-sign-out") && !form.dataset.sent && pending > 0) {
      // Progress still queued: send it first. The page after signing out clears the phone (data-clear).
      event.preventDefault();
      within(5000, sync()).then(function () {
        form.dataset.sent = "1";
        form.submit();
      });
      return;
    }
    var onlineOnly = form.getAttribute("data-online-only");
    if (onlineOnly && !navigator.onLine) {
      event.preventDefault();
      notice(onlineOnly, "warning");
    }
  }, true);

  // --- a lesson read from the saved copy ---------------------------------------------------------------------
  function lessonPage() {
    var box = document.querySelector("[data-offline-lesson]");
    if (!box || !userKey) { return; }
    var lessonId = parseInt(box.getAttribute("data-offline-lesson"), 10);
    var revisionId = parseInt(box.getAttribute("data-offline-revision"), 10);
    var form = box.querySelector("form");
    function showQueued() {
      var text = document.createElement("p");
      text.className = "text-success fw-semibold mb-0";
      text.setAttribute("role", "status");
      text.textContent = box.getAttribute("data-offline-queued");
      if (form) { form.replaceWith(text); form = null; }
    }
    all("events").then(function (events) {
      if (events.some(function (e) { return e.lesson_id === lessonId && e.kind === "completed"; })) { showQueued(); }
    }).catch(function () {});
    // Read from the saved copy (the service worker answered it: no network), or without a connection.
    var fromCopy = document.documentElement.hasAttribute("data-offline-copy");
    if (fromCopy || !navigator.onLine) { queue("opened", lessonId, revisionId).catch(function () {}); }
    if (form) {
      form.addEventListener("submit", function (event) {
        if (navigator.onLine && !fromCopy) { return; }
        event.preventDefault();
        queue("completed", lessonId, revisionId).then(showQueued).then(sync);
      });
    }
  }

  function onlineOnlyNotices() {
    var forms = document.querySelectorAll("form[data-online-only]");
    function update() {
      Array.prototype.forEach.call(forms, function (form) {
        var note = form.querySelector(".offline-note");
        if (!navigator.onLine && !note) {
          note = document.createElement("p");
          note.className = "offline-note alert alert-warning";
          note.setAttribute("role", "status");
          note.textContent = form.getAttribute("data-online-only");
          form.insertBefore(note, form.firstChild);
        } else if (navigator.onLine && note) {
          note.remove();
        }
      });
    }
    update();
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
  }

  window.lmsOffline = {
    all: all, put: put, remove: remove, cacheName: cacheName, notice: notice, sync: sync, userKey: userKey
  };

  if (script.getAttribute("data-clear") === "1") {
    clearAll();
  } else if (userKey) {
    tellWorker({ type: "user", key: userKey });
    dropCaches(cacheName()).catch(function () {});
    lessonPage();
    onlineOnlyNotices();
    sync();
    window.addEventListener("online", function () { sync(); });
    if (script.hasAttribute("data-shelf") && window.caches) {
      all("packs").then(function (packs) {
        var due = packs.some(function (p) { return p.user === userKey; });
        if (due || document.querySelector("[data-offline-pack], [data-offline-shelf]")) {
          var shelf = document.createElement("script");
          shelf.src = script.getAttribute("data-shelf");
          document.head.appendChild(shelf);
        }
      }).catch(function () {});
    }
  }
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(script.getAttribute("data-sw"), { scope: "/" }).catch(function () {});
  }
})();
