// Print buttons: <button class="print-page">. No inline script (CSP); print.css shapes the paper.
document.addEventListener("click", function (event) {
  if (event.target.closest("button.print-page")) window.print();
});
