/* Verbund — small progressive enhancements (served from 'self'; no inline script, CSP).
 *
 * Without this script every form section stays visible and the server decides; with it,
 * sections that do not apply to the chosen kind or storage mode are hidden, and the free
 * text shows how many characters are left (R-C6: at most 2,000).
 */
(function () {
  "use strict";

  function checkedValue(form, name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }

  function currentKind(form) {
    var select = form.querySelector('select[name="kind"]');
    return select ? select.value : "person";
  }

  function currentFile(form) {
    var select = form.querySelector('select[name="file"]');
    return select ? select.value : "";
  }

  function updateSections(form) {
    var kind = currentKind(form) === "person" ? "person" : "object";
    var storage = checkedValue(form, "storage") || "open";
    var file = currentFile(form);
    var sections = form.querySelectorAll(
      "fieldset[data-show-kind], fieldset[data-show-storage], fieldset[data-show-file]"
    );
    Array.prototype.forEach.call(sections, function (section) {
      var wantKind = section.getAttribute("data-show-kind");
      var wantStorage = section.getAttribute("data-show-storage");
      var wantFile = section.getAttribute("data-show-file");
      var show = true;
      if (wantKind && wantKind !== kind) { show = false; }
      if (wantStorage && wantStorage.split(" ").indexOf(storage) === -1) { show = false; }
      // GWS entries have no case group, extended data or storage other than open; the
      // incident report belongs to GWS only.
      if (wantFile && file && wantFile !== file) { show = false; }
      // Sections with errors stay visible so no message is hidden from the officer.
      if (section.classList.contains("has-error") || section.querySelector(".has-error")) {
        show = true;
      }
      section.hidden = !show;
    });
    // Objects have no case group (R-B1 applies to persons only).
    var caseGroup = document.getElementById("field-case_group");
    if (caseGroup && !caseGroup.classList.contains("has-error")) {
      caseGroup.hidden = kind !== "person" || (file !== "" && file !== "ATD");
    }
  }

  function attachCounter(textarea) {
    var max = parseInt(textarea.getAttribute("maxlength"), 10);
    if (!max) { return; }
    var counter = document.createElement("span");
    counter.className = "counter";
    counter.setAttribute("aria-live", "polite");
    var label = textarea.parentNode.querySelector("label");
    (label || textarea).parentNode.insertBefore(counter, label ? label.nextSibling : textarea);
    function update() {
      var left = max - textarea.value.length;
      counter.textContent = left + " / " + max;
      counter.classList.toggle("over", left < 0);
    }
    textarea.addEventListener("input", update);
    update();
  }

  // More contact-person rows than the three blank ones the server renders.
  function enableAddRow(form) {
    var button = form.querySelector("[data-add-contact-row]");
    var counter = form.querySelector('input[name="contact_rows"]');
    var body = form.querySelector("table.contacts tbody");
    if (!button || !counter || !body) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var rows = body.querySelectorAll("tr");
      var last = rows[rows.length - 1];
      var index = rows.length;
      var row = last.cloneNode(true);
      var pattern = /^cp\d+_/;
      Array.prototype.forEach.call(row.querySelectorAll("input"), function (input) {
        input.name = input.name.replace(pattern, "cp" + index + "_");
        input.id = "id_" + input.name;
        input.value = "";
        input.removeAttribute("aria-invalid");
      });
      Array.prototype.forEach.call(row.querySelectorAll("label"), function (label) {
        var target = label.getAttribute("for") || "";
        label.setAttribute("for", target.replace(/cp\d+_/, "cp" + index + "_"));
        label.textContent = label.textContent.replace(/\d+\s*$/, String(index + 1));
      });
      Array.prototype.forEach.call(row.querySelectorAll(".field-error"), function (node) {
        node.parentNode.removeChild(node);
      });
      Array.prototype.forEach.call(row.querySelectorAll(".has-error"), function (node) {
        node.classList.remove("has-error");
      });
      row.querySelector("th").textContent = String(index + 1);
      body.appendChild(row);
      counter.value = String(index + 1);
      row.querySelector("input").focus();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("record-form");
    if (form) {
      form.addEventListener("change", function (event) {
        var name = event.target && event.target.name;
        if (name === "kind" || name === "storage" || name === "file") { updateSections(form); }
      });
      updateSections(form);
      enableAddRow(form);
    }
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-counter]"), attachCounter);
  });
})();
