// lcdkb: sortable columns and a row filter for long tables, and the review page's payer and code filter.
// Our own code; no external requests.
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
        Array.prototype.slice.call(body.querySelectorAll("tr.lcdkb-group-row")).forEach(function (row) { row.remove(); });
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
  // Select boxes of the payers and codes in the rows (from their data-payer/data-code and the cells' text).
  function selectFor(table, label, key, column) {
    var select = document.createElement("select");
    var seen = {};
    var choices = [];
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var value = row.dataset[key];
      if (value && !seen[value]) {
        seen[value] = true;
        choices.push([cellValue(row, column), value]);
      }
    });
    choices.sort(function (a, b) { return compare(a[0], b[0]); });
    select.appendChild(new Option("All", ""));
    choices.forEach(function (choice) { select.appendChild(new Option(choice[0], choice[1])); });
    select.id = "lcdkb-filter-" + key;
    var name = document.createElement("label");
    name.htmlFor = select.id;
    name.textContent = label;
    var wrap = document.createElement("span");
    wrap.className = "lcdkb-filter-select";
    wrap.appendChild(name);
    wrap.appendChild(document.createTextNode(" "));
    wrap.appendChild(select);
    return { label: wrap, select: select };
  }
  function addReviewFilter(table) {
    var payer = selectFor(table, "Payer", "payer", 0);
    var code = selectFor(table, "Code", "code", 1);
    var box = document.createElement("p");
    box.className = "lcdkb-review-filter";
    box.appendChild(payer.label);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(code.label);
    var count = document.createElement("span");
    count.className = "lcdkb-filter-count";
    count.setAttribute("aria-live", "polite");
    box.appendChild(document.createTextNode(" "));
    box.appendChild(count);
    var anchor = table.closest(".lcdkb-table") || table;
    anchor.parentNode.insertBefore(box, anchor);
    function apply() {
      var shown = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var show = (!payer.select.value || row.dataset.payer === payer.select.value) &&
          (!code.select.value || row.dataset.code === code.select.value);
        row.style.display = show ? "" : "none";
        if (show) shown += 1;
      });
      count.textContent = shown + " of " + table.tBodies[0].rows.length + " rules shown";
    }
    payer.select.addEventListener("change", apply);
    code.select.addEventListener("change", apply);
    apply();
  }
  function setUp() {
    document.querySelectorAll("article table, [role=main] table").forEach(function (table) {
      if (table.dataset.lcdkbReady || !table.tBodies.length) return;
      table.dataset.lcdkbReady = "1";
      if (table.closest(".lcdkb-facts")) return;
      makeSortable(table);
      if (table.closest(".lcdkb-waiting")) addReviewFilter(table);
      else if (table.tBodies[0].rows.length > 8 && !table.closest(".lcdkb-pickable, .lcdkb-sheet, .lcdkb-sheet-table, .lcdkb-sheet-medicare")) addFilter(table);
    });
  }
  if (typeof document$ !== "undefined") { document$.subscribe(setUp); } else { document.addEventListener("DOMContentLoaded", setUp); }
})();
