// The quiz countdown: minutes and seconds left before the attempt's deadline (an instant in UTC, given by the
// server), from this device's clock. Hidden without JavaScript; the deadline in local time is printed above.
(function () {
  "use strict";
  var box = document.querySelector("[data-deadline]");
  if (!box) { return; }
  var deadline = Date.parse(box.getAttribute("data-deadline"));
  var clock = box.querySelector("[data-countdown-clock]");
  if (isNaN(deadline) || !clock) { return; }
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  var timer;
  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var hours = Math.floor(left / 3600), minutes = Math.floor((left % 3600) / 60), seconds = left % 60;
    clock.textContent = (hours ? hours + ":" + pad(minutes) : String(minutes)) + ":" + pad(seconds);
    if (left === 0) {
      window.clearInterval(timer);
      box.classList.replace("alert-info", "alert-warning");
      box.setAttribute("role", "alert");
      box.textContent = box.getAttribute("data-expired");
    }
  }
  box.hidden = false;
  tick();
  timer = window.setInterval(tick, 1000);
})();
