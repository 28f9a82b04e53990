// Reading preferences, 【字体:大 中 小】 and 长者模式, applied before the page paints.
// Every reader gets the same page (a baked file), so the choice lives in two cookies
// and this script, loaded in <head> without `defer`, puts it on <html>. It also shows
// the links (hidden without JavaScript, where a choice could not be applied); a click
// sets the cookie here and the page changes without reloading. The links' /prefs/
// addresses set the same cookies on the server, should the script fail to load.
(function () {
  var SIZES = { large: true, medium: true, small: true };
  var YEAR = 365 * 24 * 60 * 60;

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|;\\s*)" + name + "=([^;]*)"));
    return match ? match[1] : "";
  }

  var font = SIZES[cookie("font")] ? cookie("font") : "medium";
  var elder = cookie("elder") === "1";
  var root = document.documentElement;

  function apply() {
    root.classList.remove("font-large", "font-medium", "font-small");
    root.classList.add("font-" + font);
    root.classList.toggle("elder", elder);
    document.querySelectorAll(".reading-tools [data-font]").forEach(function (link) {
      if (link.getAttribute("data-font") === font) {
        link.setAttribute("aria-current", "true");
      } else {
        link.removeAttribute("aria-current");
      }
    });
    document.querySelectorAll(".reading-tools [data-elder]").forEach(function (link) {
      link.textContent = elder ? "退出长者模式" : "长者模式";
    });
  }

  function remember(name, value) {
    document.cookie = name + "=" + value + "; max-age=" + YEAR + "; path=/; samesite=lax";
  }

  apply();
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".reading-tools [data-prefs]").forEach(function (tools) {
      tools.hidden = false;
    });
    apply();
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest(".reading-tools a");
      if (!link) return;
      if (link.hasAttribute("data-font")) {
        font = link.getAttribute("data-font");
        remember("font", font);
      } else if (link.hasAttribute("data-elder")) {
        elder = !elder;
        remember("elder", elder ? "1" : "0");
      } else {
        return;
      }
      event.preventDefault();
      apply();
    });
  });
})();
