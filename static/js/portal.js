// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Tell the server the browser's time zone so dates read in local time.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    // Zone names (Area/City) are valid cookie values as they are.
    if (zone && document.cookie.indexOf("tz=" + zone) === -1) {
      document.cookie = "tz=" + zone + ";path=/;max-age=31536000;samesite=lax";
    }
  } catch (error) { /* Older browsers: dates stay in UTC. */ }
})();
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
