// Copy buttons: <button class="copy" data-copy="text">. No inline script (CSP).
document.addEventListener("click", function (event) {
  var button = event.target.closest("button.copy");
  if (!button) return;
  var text = button.getAttribute("data-copy");
  var label = button.getAttribute("data-label") || "복사";
  var done = function () { button.textContent = "복사됨"; setTimeout(function () { button.textContent = label; }, 2000); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, function () { fallback(text); done(); });
  } else { fallback(text); done(); }
  function fallback(value) {
    var area = document.createElement("textarea");
    area.value = value; area.setAttribute("readonly", ""); area.className = "sr-only";
    document.body.appendChild(area); area.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
    document.body.removeChild(area);
  }
});
