// Drag the ↕ handle of a row in 收录稿件 to reorder; the 顺序 numbers follow, so the
// order is still an ordinary form value (kept when the form comes back with errors).
(function () {
  "use strict";

  function rows(group) {
    return Array.from(group.querySelectorAll("tbody tr.form-row")).filter(
      (row) => !row.classList.contains("empty-form")
    );
  }

  function renumber(group) {
    rows(group).forEach((row, index) => {
      const input = row.querySelector('input[name$="-order"]');
      if (input) input.value = index;
    });
  }

  function setUp(group) {
    let dragged = null;
    rows(group).forEach((row) => {
      const cell = row.querySelector("td.field-order");
      // A read-only page has no 顺序 inputs: nothing to drag.
      if (!cell || !cell.querySelector("input") || cell.querySelector(".drag-handle")) {
        return;
      }
      const handle = document.createElement("span");
      handle.className = "drag-handle";
      handle.textContent = "↕";
      handle.title = "拖动以调整顺序";
      handle.setAttribute("aria-hidden", "true");
      cell.prepend(handle);
      handle.addEventListener("mousedown", () => row.setAttribute("draggable", "true"));
      row.addEventListener("dragstart", (event) => {
        dragged = row;
        row.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", "");
      });
      row.addEventListener("dragend", () => {
        row.classList.remove("dragging");
        row.removeAttribute("draggable");
        dragged = null;
        renumber(group);
      });
      row.addEventListener("dragover", (event) => {
        if (!dragged || dragged === row) return;
        event.preventDefault();
        const box = row.getBoundingClientRect();
        const after = event.clientY > box.top + box.height / 2;
        row.parentNode.insertBefore(dragged, after ? row.nextSibling : row);
      });
      row.addEventListener("drop", (event) => {
        event.preventDefault();
        renumber(group);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const group = document.getElementById("items-group");
    if (group) setUp(group);
  });
})();
