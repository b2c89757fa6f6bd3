/* Verbund — request form: the use-ground fields show only for a request for another use.
 *
 * Served from 'self' (no inline script, CSP). Without it the fields stay visible and the
 * server decides.
 */
(function () {
  "use strict";
  var box = document.getElementById("further-use");
  if (!box) { return; }
  var wanted = box.getAttribute("data-further-use");
  var radios = document.querySelectorAll('input[name="kind"]');
  function sync() {
    var chosen = document.querySelector('input[name="kind"]:checked');
    var hasError = box.querySelector(".has-error") !== null;
    box.hidden = !hasError && !(chosen && chosen.value === wanted);
  }
  Array.prototype.forEach.call(radios, function (r) { r.addEventListener("change", sync); });
  sync();
})();
