// Fleet dashboard: ask before sending a command or changing a kiosk's status; refresh the overview.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  // Profiles: show only the departments of the hospital the new version is for.
  var target = document.getElementById("profile-target");
  if (target) {
    var showClinics = function () {
      var option = target.options[target.selectedIndex];
      var hospital = option ? option.getAttribute("data-hospital") : null;
      document.querySelectorAll("fieldset.clinics").forEach(function (set) {
        var mine = set.getAttribute("data-hospital") === hospital;
        set.hidden = !mine;
        if (!mine) { set.querySelectorAll("input").forEach(function (box) { box.checked = false; }); }
      });
    };
    target.addEventListener("change", showClinics);
    showClinics();
  }
  if (document.querySelector("table.kiosks")) {
    // The overview is a status board: reload every 30 s unless the admin is typing somewhere.
    window.setInterval(function () {
      if (!document.activeElement || document.activeElement === document.body) { window.location.reload(); }
    }, 30000);
  }
});
