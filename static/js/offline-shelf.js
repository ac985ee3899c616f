// Downloads for studying without a connection ("Tải để học không cần mạng"), loaded by offline.js where a
// download box is shown or when the trainee has saved something:
// - a box asks the server for the list (pages, images, static files) and its size, shows the size first,
//   then saves every file into the trainee's cache with a progress bar, and records what and when in
//   IndexedDB;
// - when online, a saved module or program whose published revision changed is fetched again, and the
//   trainee is told;
// - the offline shelf page lists what is saved, the progress waiting to be sent and what was refused.
(function () {
  "use strict";
  var api = window.lmsOffline;
  if (!api || !window.caches) { return; }
  var CHECK_EVERY_MS = 10 * 60 * 1000;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) { return name in values ? values[name] : all; });
  }

  function two(n) { return (n < 10 ? "0" : "") + n; }

  // dd/mm/yyyy HH:mm in the site's time zone (LMS_TIMEZONE), as the server writes dates.
  function when(iso, zone) {
    var parts = {};
    try {
      new Intl.DateTimeFormat("en-GB", {
        timeZone: zone || undefined, year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", hourCycle: "h23"
      }).formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
      return parts.day + "/" + parts.month + "/" + parts.year + " " + parts.hour + ":" + parts.minute;
    } catch (e) {
      var d = new Date(iso);
      return two(d.getDate()) + "/" + two(d.getMonth() + 1) + "/" + d.getFullYear() + " " +
        two(d.getHours()) + ":" + two(d.getMinutes());
    }
  }

  function recordId(packKey) { return api.userKey + ":" + packKey; }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      if (!response.ok || response.redirected) { throw new Error("HTTP " + response.status); }
      return response.json();
    });
  }

  // A saved page says so (data-offline-copy on <html>): read from the phone, it queues what the trainee
  // does, even when the phone believes it is online (a connection that carries nothing).
  function marked(response, savedAt) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("text/html") !== 0) { return Promise.resolve(response); }
    return response.text().then(function (html) {
      return new Response(html.replace(/<html\b/, '<html data-offline-copy="' + savedAt + '"'),
        { status: 200, headers: { "Content-Type": type } });
    });
  }

  // Saves every file of the pack in the trainee's cache; onStep(done, total) after each.
  function save(pack, packUrl, onStep) {
    var savedAt = new Date().toISOString();
    var name = api.cacheName();
    var done = 0;
    return caches.open(name).then(function (cache) {
      var urls = pack.urls.slice();
      function next() {
        var url = urls.shift();
        if (!url) { return null; }
        return fetch(url, { credentials: "same-origin", cache: "no-cache", headers: { "X-LMS-Offline": "download" } })
          .then(function (response) {
            if (!response.ok || response.redirected) { throw new Error("HTTP " + response.status + " " + url); }
            return marked(response, savedAt);
          }).then(function (response) {
            return cache.put(url, response);
          }).then(function () {
            done += 1;
            if (onStep) { onStep(done, pack.urls.length); }
            return next();
          });
      }
      return Promise.all([next(), next(), next()]);  // three at a time
    }).then(function () {
      return api.all("packs");
    }).then(function (packs) {
      var old = packs.filter(function (p) { return p.id === recordId(pack.key); })[0];
      var record = {
        id: recordId(pack.key), user: api.userKey, key: pack.key, title: pack.title, packUrl: packUrl,
        savedAt: savedAt, checkedAt: Date.now(), revisions: pack.revisions,
        lessons: pack.lessons, urls: pack.urls, updatedText: pack.updated_text
      };
      return api.put("packs", record).then(function () {
        return old ? forgetUnused(old.urls, packs.filter(function (p) { return p.id !== old.id; }).concat([record])) : null;
      }).then(function () { return record; });
    });
  }

  // Removes from the cache the files no remaining pack lists (an older revision's lessons, a removed pack).
  function forgetUnused(urls, keptPacks) {
    var kept = {};
    keptPacks.forEach(function (p) {
      if (p.user === api.userKey) { p.urls.forEach(function (u) { kept[u] = true; }); }
    });
    return caches.open(api.cacheName()).then(function (cache) {
      return Promise.all(urls.filter(function (u) { return !kept[u]; }).map(function (u) { return cache.delete(u); }));
    });
  }

  function sameRevisions(a, b) {
    return JSON.stringify(a || {}) === JSON.stringify(b || {});
  }

  // Online: a saved pack whose modules have a newer published revision is downloaded again.
  function refresh(record, force) {
    if (!navigator.onLine || (!force && Date.now() - (record.checkedAt || 0) < CHECK_EVERY_MS)) {
      return Promise.resolve(false);
    }
    return getJson(record.packUrl).then(function (pack) {
      if (sameRevisions(pack.revisions, record.revisions)) {
        record.checkedAt = Date.now();
        return api.put("packs", record).then(function () { return false; });
      }
      return save(pack, record.packUrl).then(function () {
        api.notice(pack.updated_text, "info");
        return true;
      });
    }).catch(function () { return false; });
  }

  // --- a download box ---------------------------------------------------------------------------------------
  function setUp(box) {
    var packUrl = box.getAttribute("data-offline-pack");
    var packKey = box.getAttribute("data-offline-id");
    var zone = box.getAttribute("data-zone");
    var status = box.querySelector("[data-status]");
    var check = box.querySelector("[data-action=check]");
    var confirmBox = box.querySelector("[data-confirm]");
    var sizeText = box.querySelector("[data-size]");
    var progressBox = box.querySelector("[data-progress]");
    var progress = progressBox.querySelector("progress");
    var progressText = progressBox.querySelector("[data-progress-text]");
    var remove = box.querySelector("[data-action=remove]");
    var pending = null;

    function show(record) {
      if (record) {
        status.textContent = fill(box.getAttribute("data-msg-saved"),
          { when: when(record.savedAt, zone), n: record.lessons.length });
        remove.hidden = false;
        check.textContent = box.getAttribute("data-msg-again");
      } else {
        status.textContent = box.getAttribute("data-msg-none");
        remove.hidden = true;
      }
    }

    function current() {
      return api.all("packs").then(function (packs) {
        return packs.filter(function (p) { return p.id === recordId(packKey); })[0] || null;
      });
    }

    check.addEventListener("click", function () {
      check.disabled = true;
      getJson(packUrl).then(function (pack) {
        pending = pack;
        sizeText.textContent = pack.size_text;
        confirmBox.hidden = false;
        confirmBox.querySelector("[data-action=download]").focus();
      }).catch(function () {
        status.textContent = box.getAttribute("data-msg-failed");
      }).then(function () { check.disabled = false; });
    });

    box.querySelector("[data-action=cancel]").addEventListener("click", function () {
      confirmBox.hidden = true;
      pending = null;
      check.focus();
    });

    box.querySelector("[data-action=download]").addEventListener("click", function () {
      if (!pending) { return; }
      confirmBox.hidden = true;
      progressBox.hidden = false;
      progress.max = pending.urls.length;
      progress.value = 0;
      check.disabled = true;
      save(pending, packUrl, function (done, total) {
        progress.value = done;
        progressText.textContent = Math.round(100 * done / total) + " %";
      }).then(function (record) {
        show(record);
      }).catch(function () {
        status.textContent = box.getAttribute("data-msg-failed");
      }).then(function () {
        progressBox.hidden = true;
        check.disabled = false;
        pending = null;
      });
    });

    remove.addEventListener("click", function () {
      api.all("packs").then(function (packs) {
        var record = packs.filter(function (p) { return p.id === recordId(packKey); })[0];
        if (!record) { return null; }
        return api.remove("packs", [record.id]).then(function () {
          return forgetUnused(record.urls, packs.filter(function (p) { return p.id !== record.id; }));
        });
      }).then(function () { show(null); check.textContent = box.getAttribute("data-msg-download"); check.focus(); });
    });

    box.hidden = false;
    current().then(function (record) {
      show(record);
      if (record) {
        return refresh(record, true).then(function (updated) { return updated ? current().then(show) : null; });
      }
      return null;
    }).catch(function () {});
  }

  // --- the offline shelf page -------------------------------------------------------------------------------
  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function shelfPage(shelf) {
    var zone = shelf.getAttribute("data-zone");
    if (location.pathname !== shelf.getAttribute("data-path")) {
      shelf.querySelector("[data-missing]").hidden = false;  // the worker answered a page that is not saved
    }
    Promise.all([api.all("packs"), api.all("events"), api.all("notices")]).then(function (found) {
      var packs = found[0].filter(function (p) { return p.user === api.userKey; });
      var events = found[1].filter(function (e) { return e.user === api.userKey; });
      var notices = found[2].filter(function (n) { return n.user === api.userKey; });
      var list = shelf.querySelector("[data-packs]");
      if (packs.length) { shelf.querySelector("[data-empty]").hidden = true; }
      packs.forEach(function (pack) {
        var item = element("section", null, "card mb-3");
        var body = element("div", null, "card-body");
        body.appendChild(element("h2", pack.title, "h5"));
        body.appendChild(element("p", fill(shelf.getAttribute("data-msg-saved"),
          { when: when(pack.savedAt, zone), n: pack.lessons.length }), "small text-body-secondary"));
        var lessons = element("ol", null, "mb-0");
        pack.lessons.forEach(function (lesson) {
          var li = element("li");
          var a = element("a", lesson.title);
          a.href = lesson.url;
          li.appendChild(a);
          lessons.appendChild(li);
        });
        body.appendChild(lessons);
        item.appendChild(body);
        list.appendChild(item);
      });
      var queued = shelf.querySelector("[data-queued]");
      queued.textContent = fill(shelf.getAttribute("data-msg-queued"), { n: events.length });
      var refusals = shelf.querySelector("[data-refusals]");
      notices.forEach(function (n) {
        refusals.appendChild(element("li", when(n.at, zone) + ": " + n.text));
      });
      refusals.parentNode.hidden = !notices.length;
    }).catch(function () {});
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-offline-pack]"), setUp);
  var shelf = document.querySelector("[data-offline-shelf]");
  if (shelf) { shelfPage(shelf); }
  // Packs not shown on this page: checked for a newer revision now and then.
  api.all("packs").then(function (packs) {
    var here = {};
    Array.prototype.forEach.call(document.querySelectorAll("[data-offline-id]"), function (box) {
      here[recordId(box.getAttribute("data-offline-id"))] = true;
    });
    return Promise.all(packs.filter(function (p) { return p.user === api.userKey && !here[p.id]; })
      .map(function (p) { return refresh(p, false); }));
  }).catch(function () {});
})();
