// A background job's page: while the job runs, fetch the page again every 2 s and put the new state in
// place (the status line is a live region, so screen readers hear the change). Without JavaScript the
// page has a link to reload it.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || !box.hasAttribute("data-job-running") || !window.fetch || !window.DOMParser) { return; }
  function poll() {
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        var fresh = html && new DOMParser().parseFromString(html, "text/html").getElementById("job");
        if (fresh) {
          box.innerHTML = fresh.innerHTML;
          if (!fresh.hasAttribute("data-job-running")) { box.removeAttribute("data-job-running"); return; }
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
