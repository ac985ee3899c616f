// The rubric editor: move a criterion up or down (its position field follows), add a row without a round trip,
// and keep the total of the weights in view. Without this script the form still works (positions, "remove"
// boxes and the "add" button).
(function () {
  "use strict";
  document.querySelectorAll("[data-rubric-editor]").forEach(function (editor) {
    var body = editor.querySelector("tbody");
    var total = editor.querySelector("[data-rubric-total]");

    function rows() { return Array.prototype.slice.call(body.querySelectorAll("[data-rubric-row]")); }

    function label(template, n) { return template.replace("{n}", n); }

    function refresh() {
      var sum = 0;
      rows().forEach(function (row, i) {
        renumber(row, i);
        row.querySelector(".rubric-position").value = i + 1;
        var removed = row.querySelector("input[type=checkbox]").checked;
        var weight = parseInt(row.querySelector(".rubric-weight").value, 10);
        if (!removed && !isNaN(weight)) { sum += weight; }
        var buttons = row.querySelectorAll("[data-move]");
        buttons[0].disabled = i === 0;
        buttons[1].disabled = i === rows().length - 1;
        buttons[0].setAttribute("aria-label", label(editor.dataset.upLabel, i + 1));
        buttons[1].setAttribute("aria-label", label(editor.dataset.downLabel, i + 1));
      });
      total.textContent = editor.dataset.totalLabel.replace("{total}", sum);
      total.classList.toggle("text-danger", sum !== 100);
      total.classList.toggle("text-success", sum === 100);
    }

    // Fields are named by their row's place, so that what is sent (and shown again after a refusal) follows
    // the order on screen; the hidden labels say the row's number.
    function renumber(row, index) {
      row.querySelectorAll("[id], [for], [name]").forEach(function (el) {
        ["id", "for", "name"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(/criteria-\d+-/, "criteria-" + index + "-")); }
        });
      });
      row.querySelectorAll("label .visually-hidden, label.visually-hidden").forEach(function (el) {
        el.textContent = el.textContent.replace(/\d+/, String(index + 1));
      });
    }

    function addButtons(row) {
      var cell = row.querySelector("td");
      [["up", "↑"], ["down", "↓"]].forEach(function (pair) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-outline-secondary btn-sm mt-1 me-1";
        button.dataset.move = pair[0];
        button.textContent = pair[1];
        cell.appendChild(button);
      });
    }

    rows().forEach(addButtons);
    body.addEventListener("click", function (event) {
      var button = event.target.closest("[data-move]");
      if (!button) { return; }
      var row = button.closest("[data-rubric-row]");
      if (button.dataset.move === "up" && row.previousElementSibling) {
        body.insertBefore(row, row.previousElementSibling);
      } else if (button.dataset.move === "down" && row.nextElementSibling) {
        body.insertBefore(row.nextElementSibling, row);
      }
      refresh();
      button.focus();
    });
    body.addEventListener("input", refresh);
    body.addEventListener("change", refresh);

    var add = editor.querySelector("input[name=add_criterion], button[name=add_criterion]");
    if (add) {
      add.addEventListener("click", function (event) {
        var last = rows()[rows().length - 1];
        if (!last) { return; }  // no row to copy: let the server add one
        event.preventDefault();
        var copy = last.cloneNode(true);
        copy.querySelectorAll("input[type=text], input[type=number], textarea").forEach(function (el) { el.value = ""; });
        copy.querySelectorAll("input[type=checkbox]").forEach(function (el) { el.checked = false; });
        body.appendChild(copy);
        refresh();
        copy.querySelector("input[type=text]").focus();
      });
    }
    refresh();
  });
})();
