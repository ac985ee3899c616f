// The cited-documents checklist: a search box that hides the documents not matching (code or title, without
// diacritics: "chi thi 05" finds "Chỉ thị 05-CT/TW"), a count of those chosen, and "Chèn vào bài", which puts
// a link to the document where the cursor was in the lesson (or introduction) last edited, and cites it.
(function () {
  "use strict";
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  }
  function compact(text) { return fold(text).replace(/[^a-z0-9]+/g, ""); }
  // A code as people type it without separators, like the search's code keys: 32-NQ/TW is also 32nq, nq32
  // and nq32tw; a leading zero may be dropped (05-CT/TW: ct5); a State code's year is skipped.
  function codeKeys(code) {
    var parts = fold(code).match(/[a-z]+|\d+/g) || [];
    var keys = [parts.join("")];
    if (parts.length >= 2 && /^\d+$/.test(parts[0])) {
      var rest = parts.slice(1);
      if (rest.length >= 2 && /^\d{4}$/.test(rest[0])) { rest = rest.slice(1); }
      if (!/^\d+$/.test(rest[0])) {
        var kind = rest[0], issuer = rest.slice(1).join("");
        [parts[0], parts[0].replace(/^0+(?=\d)/, "")].forEach(function (n) {
          keys.push(n + kind + issuer, n + kind, kind + n, kind + n + issuer);
        });
      }
    }
    return keys;
  }

  document.querySelectorAll("[data-document-picker]").forEach(function (picker) {
    var form = picker.closest("form");
    var tools = picker.querySelector("[data-picker-tools]");
    var search = picker.querySelector("input[type=search]");
    var status = picker.querySelector("[data-picker-status]");
    var items = Array.prototype.slice.call(picker.querySelectorAll("[data-document]"));
    var lastText = null, lastStart = 0, lastEnd = 0;
    tools.hidden = false;

    items.forEach(function (item) {
      item.dataset.words = fold(item.textContent);
      item.dataset.keys = codeKeys(item.dataset.code || "").join(" ");
      var insert = item.querySelector("[data-insert]");
      if (insert) { insert.hidden = false; }
    });

    function count() {
      var chosen = picker.querySelectorAll("input[type=checkbox]:checked").length;
      var shown = items.filter(function (item) { return !item.classList.contains("d-none"); }).length;
      status.textContent = picker.dataset.countLabel.replace("{n}", chosen) +
        (shown === 0 ? " · " + picker.dataset.noneLabel : "");
    }

    search.addEventListener("input", function () {
      var words = fold(search.value).split(/\s+/).filter(Boolean);
      var code = compact(search.value);
      items.forEach(function (item) {
        var match = words.every(function (w) { return item.dataset.words.indexOf(w) >= 0; }) ||
                    (code && item.dataset.keys.split(" ").some(function (k) { return k.indexOf(code) === 0; }));
        item.classList.toggle("d-none", !match);  // the row is a flex box: "hidden" alone would not hide it
      });
      count();
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }  // Enter filters; it never submits the draft
    });
    picker.addEventListener("change", count);

    // Remember where the author was writing, so the insertion lands there.
    form.addEventListener("focusout", function (event) {
      var el = event.target;
      if (el.tagName === "TEXTAREA") { lastText = el; lastStart = el.selectionStart; lastEnd = el.selectionEnd; }
    });
    picker.addEventListener("click", function (event) {
      var button = event.target.closest("[data-insert]");
      if (!button) { return; }
      var text = lastText || form.querySelector(".lesson-fields textarea") || form.querySelector("textarea");
      if (!text) { return; }
      var snippet = button.dataset.insert;
      var start = lastText ? lastStart : text.value.length, end = lastText ? lastEnd : text.value.length;
      text.value = text.value.slice(0, start) + snippet + text.value.slice(end);
      text.focus();
      text.setSelectionRange(start + snippet.length, start + snippet.length);
      lastText = text; lastStart = lastEnd = start + snippet.length;
      text.dispatchEvent(new Event("input", {bubbles: true}));  // the live preview follows
      button.closest("[data-document]").querySelector("input[type=checkbox]").checked = true;
      count();
    });
    count();
  });
})();
