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
