// Keeps this editor's soft lock alive while the change form is open, and gives it back
// when the page is left without saving (the save itself releases it on the server).
// Loaded in <head> with the admin's media: start once the form exists.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var form = document.querySelector("#content-main form[method=post]");
  var token = form && form.querySelector("input[name=csrfmiddlewaretoken]");
  var editable = form && form.querySelector("[name=_save]");
  if (!editable || !token || !/\/change\/$/.test(location.pathname)) {
    return;
  }
  var url = location.pathname.replace(/change\/$/, "lock/");
  var submitting = false;
  var warned = false;
  var held = ""; // which lock this page holds: the moment it was taken

  function body(op) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", token.value);
    data.append("op", op);
    data.append("token", held);
    return data;
  }

  function warn(text) {
    if (warned) {
      return;
    }
    warned = true;
    var list = document.querySelector("ul.messagelist");
    if (!list) {
      list = document.createElement("ul");
      list.className = "messagelist";
      var content = document.getElementById("content") || document.body;
      content.parentNode.insertBefore(list, content);
    }
    var item = document.createElement("li");
    item.className = "warning";
    item.setAttribute("role", "alert");
    item.textContent = text;
    list.appendChild(item);
  }

  function beat() {
    fetch(url, { method: "POST", body: body("beat"), credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 403 || response.status === 404) {
          clearInterval(timer); // not editable here: nothing to keep
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (state && state.held) {
          held = state.token;
        } else if (state && state.message && held) {
          held = ""; // someone took over the lock this page had
          warn(state.message);
        }
      })
      .catch(function () {}); // offline for a moment: the next beat tries again
  }

  var timer = setInterval(beat, 30000); // editing.HEARTBEAT
  beat(); // learn which lock this page holds, so that leaving releases only it
  document.addEventListener("submit", function () {
    submitting = true;
  });
  window.addEventListener("pagehide", function () {
    if (!submitting && held && navigator.sendBeacon) {
      navigator.sendBeacon(url, body("release"));
    }
  });
});
