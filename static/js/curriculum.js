// Live preview for the module editor: posts the Markdown to the server, which renders and sanitises it
// exactly as a save would. Without JavaScript the "Xem trước" button does the same with a full page.
(function () {
  "use strict";
  var form = document.getElementById("draft-form");
  if (!form || !window.fetch) { return; }
  var url = form.getAttribute("data-preview-url");
  var token = form.querySelector("input[name=csrf_token]");
  var timers = {};

  function render(textarea, box) {
    var data = new FormData();
    data.append("text", textarea.value);
    if (token) { data.append("csrf_token", token.value); }
    fetch(url, {method: "POST", body: data, credentials: "same-origin",
                headers: {"X-CSRFToken": token ? token.value : ""}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (json) {
        if (!json) { return; }
        box.querySelector(".preview-body").innerHTML = json.html;  // sanitised by the server
        box.hidden = false;
      })
      .catch(function () {});
  }

  function watch(textarea) {
    var box = form.querySelector('[data-preview-for="' + textarea.id + '"]');
    if (!box) { return; }
    textarea.addEventListener("input", function () {
      clearTimeout(timers[textarea.id]);
      timers[textarea.id] = setTimeout(function () { render(textarea, box); }, 400);
    });
  }

  Array.prototype.forEach.call(form.querySelectorAll("textarea"), watch);

  // Move a lesson up or down; the "Thứ tự" fields follow the new order, so saving keeps it.
  function renumber() {
    var sets = form.querySelectorAll(".lesson-fields");
    Array.prototype.forEach.call(sets, function (set, i) {
      var position = set.querySelector('input[name$="-position"]');
      if (position) { position.value = i + 1; }
    });
  }
  Array.prototype.forEach.call(form.querySelectorAll(".lesson-fields"), function (set) {
    var buttons = set.querySelector(".move-buttons");
    if (!buttons) { return; }
    buttons.hidden = false;
    buttons.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-move]");
      if (!button) { return; }
      if (button.getAttribute("data-move") === "up") {
        var before = set.previousElementSibling;
        if (before && before.classList.contains("lesson-fields")) { set.parentNode.insertBefore(set, before); }
      } else {
        var after = set.nextElementSibling;
        if (after && after.classList.contains("lesson-fields")) { set.parentNode.insertBefore(after, set); }
      }
      renumber();
      button.focus();
    });
  });
})();
