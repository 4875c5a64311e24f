// Forms marked data-once submit once: the button is disabled after the first click, so a double click does not
// send the decision twice (the server refuses a second decision anyway; this saves the officer the message).
document.querySelectorAll("form[data-once]").forEach(function (form) {
  form.addEventListener("submit", function () {
    form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
  });
});
