// Sort and filter the table of all claims (claims.html); plain JavaScript, no library.
// claims.html?operation=<operation_id> opens the table filtered to that operation.
(function () {
  "use strict";
  var table = document.getElementById("claims");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var operation = document.getElementById("filter-operation");
  var words = document.getElementById("filter-text");
  var count = document.getElementById("claims-count");

  function filter() {
    var wanted = operation.value, needle = words.value.trim().toLowerCase(), shown = 0;
    rows.forEach(function (row) {
      var keep = (!wanted || row.getAttribute("data-operation") === wanted) &&
        (!needle || row.textContent.toLowerCase().indexOf(needle) !== -1);
      row.hidden = !keep;
      if (keep) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " claims shown";
  }

  function key(row, index) {
    var cell = row.cells[index], marked = cell.querySelector("[data-sort]");
    var raw = marked ? marked.getAttribute("data-sort") : cell.textContent.trim();
    var numeric = /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(raw);
    return { empty: raw === "", number: numeric ? parseFloat(raw) : null, text: raw.toLowerCase() };
  }

  function compare(a, b) {
    if (a.empty || b.empty) { return a.empty === b.empty ? 0 : (a.empty ? 1 : -1); }
    if (a.number !== null && b.number !== null) { return a.number - b.number; }
    return a.text < b.text ? -1 : (a.text > b.text ? 1 : 0);
  }

  function sortBy(th, index) {
    var descending = th.getAttribute("aria-sort") === "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    var keyed = rows.map(function (row, position) { return { row: row, key: key(row, index), position: position }; });
    keyed.sort(function (a, b) { return (descending ? -1 : 1) * compare(a.key, b.key) || a.position - b.position; });
    keyed.forEach(function (item) { body.appendChild(item.row); });
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () { sortBy(th, index); });
  });
  operation.addEventListener("change", filter);
  words.addEventListener("input", filter);
  var asked = new URLSearchParams(window.location.search).get("operation");
  if (asked && operation.querySelector('option[value="' + asked.replace(/["\\]/g, "") + '"]')) { operation.value = asked; }
  filter();
}());
