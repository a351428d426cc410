// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Change language as soon as one is picked; the button stays for no-JS users.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
