/* Hazard assignment: choosing a responsible unit narrows the responsible person choices to
 * the people of that unit (progressive enhancement: without the script every person stays
 * listed with their unit, and the server refuses a person of another unit).
 *
 * <select name="responsible_unit" data-person-select="ID" data-default-unit="PK"> …
 * <select id="ID"> <option value="" >—</option> <option value="…" data-unit="PK"> …
 * The empty unit choice stands for the category's default unit when there is one.
 */
(function () {
  "use strict";

  var allOptions = new WeakMap(); // person <select> → every option the server sent

  function narrow(unitSelect) {
    var persons = document.getElementById(unitSelect.getAttribute("data-person-select"));
    if (!persons) return;
    if (!allOptions.has(persons)) allOptions.set(persons, Array.prototype.slice.call(persons.options));
    var unit = unitSelect.value || unitSelect.getAttribute("data-default-unit") || "";
    var current = persons.value;
    var keep = allOptions.get(persons).filter(function (option) {
      return !option.value || !unit || option.getAttribute("data-unit") === unit;
    });
    persons.replaceChildren.apply(persons, keep);
    var stillThere = keep.some(function (option) { return option.value === current; });
    persons.value = stillThere ? current : "";
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-person-select]")) narrow(target);
  });

  function init() {
    document.querySelectorAll("select[data-person-select]").forEach(narrow);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
