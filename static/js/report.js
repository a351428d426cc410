// Progressive enhancement of the activity report form: shows, as people type, how many
// participants each demographic question leaves "not answered". The server computes
// the stored figure itself; without this file the page says so and works the same.
(function () {
  "use strict";
  var form = document.querySelector(".report-form");
  if (!form) { return; }
  var participants = form.querySelector("[name='participants']");

  function whole(input) {
    var value = input.value.trim();
    return /^[0-9]+$/.test(value) ? parseInt(value, 10) : null;
  }

  function update() {
    form.querySelectorAll("fieldset.dimension").forEach(function (fieldset) {
      var output = fieldset.querySelector("output.not-answered");
      var asked = fieldset.querySelector("input[type='checkbox']");
      var total = participants ? whole(participants) : null;
      if (!output) { return; }
      if (!asked || !asked.checked || total === null) { output.value = "—"; return; }
      var left = total;
      var known = true;
      fieldset.querySelectorAll("input[type='number']").forEach(function (input) {
        if (input.value.trim() === "") { return; }
        var count = whole(input);
        if (count === null) { known = false; } else { left -= count; }
      });
      output.value = known && left >= 0 ? String(left) : "—";
    });
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
