// 读者看到 in 一周简讯: each brief's line as readers will see it, kept current while
// the editor types. The server builds the line (BriefLine.page_line) and applies the
// day rule (Brief.clean), so neither is written a second time here.
(function () {
  "use strict";

  const DELAY_MS = 250;
  const sent = new WeakMap();
  let timer = null;

  function endpoint() {
    const source = document.getElementById("brief-line-url");
    return source ? source.dataset.url : null;
  }

  function rows() {
    return Array.from(
      document.querySelectorAll("#briefs-group tbody tr.form-row")
    ).filter((row) => !row.classList.contains("empty-form"));
  }

  function show(cell, data) {
    cell.textContent = data.error || data.line || "—";
    cell.classList.toggle("brief-line-error", Boolean(data.error));
  }

  function refresh(row, url) {
    const date = row.querySelector('input[name$="-happened_on"]');
    const text = row.querySelector('[name$="-text"]');
    const cell = row.querySelector("td.field-reader_line p");
    if (!date || !text || !cell) return;
    const key = date.value + "\n" + text.value;
    if (sent.get(row) === key) return;
    sent.set(row, key);
    const query = new URLSearchParams({ happened_on: date.value, text: text.value });
    fetch(url + "?" + query, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        // Only the answer to what the row holds now; a slower, older one is dropped.
        if (data && sent.get(row) === key) show(cell, data);
      })
      .catch(() => {});
  }

  function refreshAll() {
    const url = endpoint();
    if (url) rows().forEach((row) => refresh(row, url));
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refreshAll, DELAY_MS);
  }

  // The calendar and 今天 links set the date without an input event: clicks count too.
  ["input", "change", "click", "keyup"].forEach((type) =>
    document.addEventListener(type, later)
  );
  document.addEventListener("formset:added", later);
  document.addEventListener("DOMContentLoaded", refreshAll);
})();
