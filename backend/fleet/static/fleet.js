// Fleet dashboard: ask before sending a command or changing a kiosk's status; refresh the overview.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  if (document.querySelector("table.kiosks")) {
    // The overview is a status board: reload every 30 s unless the admin is typing somewhere.
    window.setInterval(function () {
      if (!document.activeElement || document.activeElement === document.body) { window.location.reload(); }
    }, 30000);
  }
});
