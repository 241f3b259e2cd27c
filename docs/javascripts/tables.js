// lcdkb: sortable columns and a row filter for long tables. Our own code; no external requests.
// Cells hold data text: read them only through textContent and move whole rows; never write HTML from them
// (no innerHTML, outerHTML, insertAdjacentHTML or document.write), so a cell's text can never become markup.
(function () {
  function cellValue(row, index) {
    var cell = row.children[index];
    return cell ? cell.textContent.trim() : "";
  }
  function compare(a, b) {
    var x = parseFloat(a), y = parseFloat(b);
    if (!isNaN(x) && !isNaN(y) && String(x) === a.split(/\s/)[0] && String(y) === b.split(/\s/)[0]) return x - y;
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }
  function makeSortable(table) {
    var headers = table.querySelectorAll("thead th");
    headers.forEach(function (th, index) {
      th.classList.add("lcdkb-sortable");
      th.setAttribute("tabindex", "0");
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var order = compare(cellValue(r1, index), cellValue(r2, index));
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) { if (event.key === "Enter") sort(); });
    });
  }
  function addFilter(table) {
    var input = document.createElement("input");
    input.type = "search";
    input.placeholder = "Filter rows\u2026";
    input.className = "lcdkb-table-filter";
    input.setAttribute("aria-label", "Filter table rows");
    var anchor = table.closest(".md-typeset__scrollwrap") || table;
    anchor.parentNode.insertBefore(input, anchor);
    input.addEventListener("input", function () {
      var query = input.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.style.display = row.textContent.toLowerCase().indexOf(query) >= 0 ? "" : "none";
      });
    });
  }
  function setUp() {
    document.querySelectorAll("article table, [role=main] table").forEach(function (table) {
      if (table.dataset.lcdkbReady || !table.tBodies.length) return;
      table.dataset.lcdkbReady = "1";
      if (table.closest(".lcdkb-facts")) return;
      makeSortable(table);
      if (table.tBodies[0].rows.length > 8) addFilter(table);
    });
  }
  if (typeof document$ !== "undefined") { document$.subscribe(setUp); } else { document.addEventListener("DOMContentLoaded", setUp); }
})();
