// paperkit kiosk: small helpers, no outside code.
(function () {
  "use strict";
  // The access token arrives once in the address (?token=...): keep it out of the
  // address bar and history; the kiosk has set its cookie by now.
  if (window.location.search.indexOf("token=") !== -1 && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname);
  }

  // The board refreshes itself while visible, unless the person is busy with a form.
  var seconds = parseInt(document.body.getAttribute("data-refresh") || "0", 10);
  if (seconds > 0) {
    window.setInterval(function () {
      var active = document.activeElement;
      var busy = active && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName);
      if (document.visibilityState === "visible" && !busy) {
        window.location.reload();
      }
    }, seconds * 1000);
  }

  // The file picker: the big label opens it and then names what was chosen.
  var picker = document.getElementById("photos");
  if (picker && picker.form) {
    picker.form.classList.add("enhanced");
    picker.addEventListener("change", function () {
      var label = picker.form.querySelector(".drop .big");
      var n = picker.files ? picker.files.length : 0;
      if (label) {
        label.textContent = n === 0 ? "Choose or take photos"
          : n === 1 ? picker.files[0].name : n + " photos chosen";
      }
    });
  }

  // Uploads can take a few seconds: show it, and stop a second click.
  var forms = document.querySelectorAll("form[data-busy]");
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      form.classList.add("busy");
      if (button) {
        button.textContent = form.getAttribute("data-busy");
        window.setTimeout(function () { button.disabled = true; }, 0);
      }
    });
  });
})();
