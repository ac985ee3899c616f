// Pickers (lms/pickers): the search box becomes a combobox listing what the server finds for the text typed,
// chosen by mouse, touch or keyboard (arrows, Enter, Escape). Choosing fills the hidden id; typing again clears
// it, and the server then resolves the text on submit, as it does without this script. Every picker's markup
// loads this file (deferred); the browser fetches it once.
(function () {
  "use strict";
  var count = 0;

  document.querySelectorAll("[data-picker]").forEach(function (picker) {
    if (picker.dataset.ready) { return; }  // each picker brings this script: the first run sets them all up
    picker.dataset.ready = "1";
    var box = picker.querySelector("input[type=search]");
    var hidden = picker.querySelector("input[type=hidden]");
    var list = document.createElement("ul");
    var status = document.createElement("div");
    var items = [], active = -1, timer = null, asked = 0;
    count += 1;
    list.id = (box.id || "picker-" + count) + "-list";
    list.className = "picker-list list-group";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    picker.appendChild(list);
    picker.appendChild(status);
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-expanded", "false");
    box.setAttribute("aria-controls", list.id);
    if (box.labels && box.labels[0]) { list.setAttribute("aria-label", box.labels[0].textContent.trim()); }

    function close() {
      list.hidden = true;
      active = -1;
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var options = list.children;
      if (!options.length) { return; }
      active = (index + options.length) % options.length;
      for (var i = 0; i < options.length; i += 1) {
        options[i].setAttribute("aria-selected", i === active ? "true" : "false");
        options[i].classList.toggle("active", i === active);
      }
      box.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({block: "nearest"});
    }

    function choose(index) {
      var item = items[index];
      if (!item) { return; }
      box.value = item.label;
      hidden.value = item.id;
      close();
      box.dispatchEvent(new Event("change", {bubbles: true}));
    }

    function show(answer) {
      items = answer.items;
      list.textContent = "";
      items.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.className = "list-group-item list-group-item-action";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = item.label;
        if (item.hint) {
          var hint = document.createElement("small");
          hint.className = "d-block text-body-secondary";
          hint.textContent = item.hint;
          option.appendChild(hint);
        }
        option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        list.appendChild(option);
      });
      list.hidden = items.length === 0;
      box.setAttribute("aria-expanded", items.length ? "true" : "false");
      active = -1;
      status.textContent = items.length ? picker.dataset.count.replace("{n}", items.length + (answer.more ? "+" : ""))
                                        : picker.dataset.none;
    }

    function ask() {
      var mine = asked += 1;
      fetch(picker.dataset.source + "?q=" + encodeURIComponent(box.value), {credentials: "same-origin",
                                                                            headers: {Accept: "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {items: []}; })
        .then(function (answer) { if (mine === asked && document.activeElement === box) { show(answer); } })
        .catch(function () { close(); });
    }

    box.addEventListener("input", function () {
      hidden.value = "";  // the text no longer names what was chosen: the server reads it on submit
      clearTimeout(timer);
      timer = setTimeout(ask, 200);
    });
    box.addEventListener("keydown", function (event) {
      var open = !list.hidden;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!open) { ask(); return; }
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();  // Enter chooses the highlighted row; with none, it submits as usual
        choose(active);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });
    box.addEventListener("blur", close);
  });
})();
