// Forms marked data-once submit once: the button is disabled after the first click, so a double click does not
// send the decision twice (the server refuses a second decision anyway; this saves the officer the message).
document.querySelectorAll("form[data-once]").forEach(function (form) {
  form.addEventListener("submit", function () {
    form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
  });
});
// After a refused form the page comes back with the errors: move the focus there, so a keyboard or screen-reader
// user (and a phone user, whose form is far down the page) lands on what to fix.
(function () {
  var errors = document.getElementById("form-errors");
  if (errors) {
    errors.setAttribute("tabindex", "-1");
    errors.focus();
  }
})();
