/* Parts of a console page that refresh themselves: an element with data-live="<url>" and data-interval="<s>" is
   replaced by the fragment at that url, unless the reader is typing or has focus inside it (their state is kept).
   On the waiting-room screen (data-announce), each newly called number is read out in Vietnamese when the
   browser has a Vietnamese voice and someone turned the voice on (browsers need a click before speaking). */
(function () {
  "use strict";
  var voiceOn = false;

  function busy(region) {
    var active = document.activeElement;
    if (active && active !== document.body && region.contains(active)) return true;
    var fields = region.querySelectorAll("input:not([type=hidden]), textarea, select");
    for (var i = 0; i < fields.length; i++) { if (fields[i].value) return true; }
    return false;
  }

  function callKeys(region) {
    var keys = {};
    region.querySelectorAll("[data-call]").forEach(function (el) { keys[el.getAttribute("data-call")] = el; });
    return keys;
  }

  function vietnameseVoice() {
    if (!("speechSynthesis" in window)) return null;
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i++) { if (/^vi/i.test(voices[i].lang)) return voices[i]; }
    return null;
  }

  function say(text) {
    var voice = vietnameseVoice();
    if (!voiceOn || !voice) return;
    var utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = "vi-VN";
    utterance.voice = voice;
    utterance.rate = 0.9;
    window.speechSynthesis.speak(utterance);
  }

  function refresh(region, seen) {
    if (busy(region)) return;
    fetch(region.getAttribute("data-live"), { credentials: "same-origin", headers: { "X-Live": "1" } })
      .then(function (response) {
        if (response.redirected) { window.location.reload(); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null || busy(region)) return;
        region.innerHTML = html;
        if (!region.hasAttribute("data-announce")) return;
        var now = callKeys(region);
        Object.keys(now).forEach(function (key) {
          if (!seen[key]) {
            now[key].classList.add("fresh");
            say(now[key].getAttribute("data-say"));
          }
        });
        Object.keys(seen).forEach(function (key) { delete seen[key]; });
        Object.keys(now).forEach(function (key) { seen[key] = true; });
      })
      .catch(function () { /* the network is down: try again at the next tick */ });
  }

  function start() {
    document.querySelectorAll("[data-live]").forEach(function (region) {
      var seen = {};
      Object.keys(callKeys(region)).forEach(function (key) { seen[key] = true; });
      var seconds = Math.max(2, parseInt(region.getAttribute("data-interval") || "10", 10));
      window.setInterval(function () { refresh(region, seen); }, seconds * 1000);
    });
    var button = document.getElementById("voice");
    if (button && "speechSynthesis" in window) {
      button.hidden = false;
      button.addEventListener("click", function () {
        voiceOn = !voiceOn;
        button.setAttribute("aria-pressed", voiceOn ? "true" : "false");
        if (voiceOn) say("Đã bật giọng đọc");
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
