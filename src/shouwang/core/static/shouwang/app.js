/* 守望 Shouwang — small progressive enhancements (plain ES2017, no dependencies).
 *
 * <form data-confirm="确定要删除这条记录吗？"> … </form>
 *   asks before submitting; also works on a submit button: <button data-confirm="…">.
 */
(function () {
  "use strict";

  // Capture phase so it runs before htmx or other submit handlers.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!(form instanceof HTMLFormElement)) return;
    var submitter = evt.submitter;
    var message = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
    }
  }, true);
})();

// Division picker: suggest entries of the national division list while typing.
document.addEventListener("input", function (event) {
  var input = event.target;
  if (!input.matches || !input.matches("input[data-division-picker]")) return;
  var query = input.value.trim();
  if (query.length < 2 || /^\d{12}$/.test(query)) return;
  var list = document.getElementById(input.getAttribute("list"));
  if (!list) {
    list = document.createElement("datalist");
    list.id = input.getAttribute("list");
    input.after(list);
  }
  fetch("/api/v1/divisions?q=" + encodeURIComponent(query), { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : []; })
    .then(function (items) {
      list.replaceChildren();
      items.forEach(function (d) {
        if (d.level !== "county" && d.level !== "township") return;
        var option = document.createElement("option");
        option.value = d.code;
        option.label = d.full_name;
        list.appendChild(option);
      });
    })
    .catch(function () { /* offline: the code can still be typed */ });
});

// Only one navigation menu open at a time; a click elsewhere closes it.
document.addEventListener("click", function (event) {
  document.querySelectorAll("details.nav-group[open]").forEach(function (group) {
    if (!group.contains(event.target)) group.removeAttribute("open");
  });
});
