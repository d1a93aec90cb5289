// Progressive enhancement for the participant pages; every page works without it.
(function () {
  "use strict";
  function fragmentValue(name) {
    var match = new RegExp("(?:^|[#&])" + name + "=([^&]+)").exec(window.location.hash);
    return match ? decodeURIComponent(match[1]) : null;
  }
  function forgetFragment() {
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    // A magic link (/my/registration#token=osm_…): the fragment never reached the server, so send it.
    var token = fragmentValue("token");
    var tokenForm = document.querySelector("form[data-token-form]");
    if (token && tokenForm) {
      tokenForm.querySelector("[name=token]").value = token;
      forgetFragment();
      var note = document.querySelector("[data-signing-in]");
      if (note) { note.hidden = false; }
      tokenForm.submit();
      return;
    }
    // An invitation link (/events/N/register#invitation=osi_…): keep it in the form.
    document.querySelectorAll("input[data-fragment]").forEach(function (input) {
      var value = fragmentValue(input.getAttribute("data-fragment"));
      if (value) { input.value = value; forgetFragment(); }
    });
    // The error summary takes focus so screen readers announce it (GOV.UK pattern).
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
    // Visa details only when a visa is needed.
    var details = document.querySelector("[data-visa-details]");
    var radios = document.querySelectorAll("input[name=needs_visa]");
    function showVisa() {
      var yes = document.querySelector("input[name=needs_visa][value=true]");
      details.hidden = !(yes && yes.checked) && !details.querySelector("[aria-invalid]");
    }
    if (details && radios.length) {
      radios.forEach(function (radio) {
        radio.setAttribute("aria-controls", details.id);
        radio.addEventListener("change", showVisa);
      });
      showVisa();
    }
    // One click sends a form once.
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.sent) { event.preventDefault(); return; }
        form.dataset.sent = "1";
        window.setTimeout(function () {
          form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
        }, 0);
      });
    });
  });
})();
