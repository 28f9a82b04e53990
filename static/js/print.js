// 【打印本页】: the one script of the public site. Without it the button stays hidden
// and the browser's own print still uses the print stylesheet.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
