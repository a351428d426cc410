// Catalog enhancement: apply filters as they change, without a full page reload.
// Without JavaScript the "Apply filters" button does the same with a normal GET.
(function () {
  "use strict";
  var form = document.getElementById("catalog-form");
  if (!form || !window.fetch || !window.DOMParser) { return; }
  var pending = null;

  function load(url, push) {
    if (pending) { pending.abort(); }
    pending = new AbortController();
    form.setAttribute("aria-busy", "true");
    fetch(url, { signal: pending.signal, headers: { "Accept": "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("catalog-form");
        if (!fresh) { window.location.assign(url); return; }
        // Keep keyboard users where they were: refocus the same control after the swap.
        var active = document.activeElement;
        var selector = active && active.name ? '[name="' + active.name + '"]' + (active.type === "checkbox" ? '[value="' + active.value + '"]' : "") : null;
        form.innerHTML = fresh.innerHTML;
        var again = selector ? form.querySelector(selector) : null;
        if (again) {
          var group = again.closest("details");
          if (group) { group.open = true; }
          again.focus();
        }
        form.removeAttribute("aria-busy");
        if (push) { window.history.pushState({ catalog: true }, "", url); }
        // The live region sits outside the swapped form, so screen readers hear the new count.
        var count = document.getElementById("result-count");
        var status = document.getElementById("catalog-status");
        if (count && status) { status.textContent = count.textContent; }
      })
      .catch(function (error) { if (error.name !== "AbortError") { window.location.assign(url); } });
  }

  function urlFor() {
    var params = new URLSearchParams(new FormData(form));
    Array.from(params.keys()).forEach(function (key) {
      if (params.get(key) === "") { params.delete(key); }
    });
    var query = params.toString();
    return form.action + (query ? "?" + query : "");
  }

  form.addEventListener("change", function (event) {
    if (event.target.type === "search") { return; }
    load(urlFor(), true);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    load(urlFor(), true);
  });
  window.addEventListener("popstate", function () { load(window.location.href, false); });
})();
