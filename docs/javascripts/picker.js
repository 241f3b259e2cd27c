// lcdkb: "my state, my payer" on code pages. Our own code; no external requests.
// The choices and the rows' states are data written by the site generator into option values and data-*
// attributes. This script reads them only through value, dataset and textContent, moves whole rows, clones our own
// rendered cells (cloneNode) and writes text with textContent: it never writes HTML from data.
(function () {
  var STATE_KEY = "lcdkb.state";
  var PAYER_KEY = "lcdkb.payer";
  var MEDICARE = { "medicare-mac": 0, "medicare-national": 1 };

  function remember(key, value) {
    try {
      if (value) window.localStorage.setItem(key, value);
      else window.localStorage.removeItem(key);
    } catch (error) { /* storage off: the pick still works on this page */ }
  }
  function recall(key) {
    try { return window.localStorage.getItem(key) || ""; } catch (error) { return ""; }
  }
  function normal(value) { return (value || "").trim().toLowerCase().replace(/\s+/g, " "); }
  function tokens(value) { return (value || "").split(/\s+/).filter(Boolean); }

  // "Texas", "texas", "TX", "tx" and "Texas (TX)" all pick Texas; anything else picks nothing (no substring match).
  function findState(list, typed) {
    var query = normal(typed);
    if (!query) return null;
    var found = null;
    Array.prototype.forEach.call(list.options, function (option) {
      var code = option.dataset.state || "";
      var label = option.value;
      var name = label.replace(/\s*\([A-Z]{2}\)$/, "");
      if (query === code.toLowerCase() || query === normal(name) || query === normal(label)) {
        found = { code: code, label: label, name: name };
      }
    });
    return found;
  }
  function findPayer(list, typed) {
    var query = normal(typed);
    if (!query) return null;
    var found = null;
    Array.prototype.forEach.call(list.options, function (option) {
      var id = option.dataset.payer || "";
      if (query === normal(option.value) || query === normal(option.label) || query === id) {
        found = { id: id, label: option.value };
      }
    });
    return found;
  }

  function groupRow(table, label) {
    var row = document.createElement("tr");
    row.className = "lcdkb-group-row";
    var cell = document.createElement("th");
    cell.setAttribute("scope", "colgroup");
    cell.colSpan = table.tHead ? table.tHead.rows[0].cells.length : 1;
    cell.textContent = label;
    row.appendChild(cell);
    return row;
  }

  function arrange(table, rows, state, payer) {
    var body = table.tBodies[0];
    Array.prototype.slice.call(body.querySelectorAll("tr.lcdkb-group-row")).forEach(function (row) { row.remove(); });
    var groups = [];
    if (!state && !payer) {
      rows.forEach(function (row) { body.appendChild(row); });
      return;
    }
    var yours = [], medicare = [], here = [], other = [];
    rows.forEach(function (row) {
      var states = tokens(row.dataset.states);
      if (payer && tokens(row.dataset.payers).indexOf(payer.id) >= 0) yours.push(row);
      else if (state && states.indexOf(state.code) >= 0 && row.dataset.kind in MEDICARE) medicare.push(row);
      else if (state && states.indexOf(state.code) >= 0) here.push(row);
      else other.push(row);
    });
    medicare.sort(function (a, b) { return MEDICARE[a.dataset.kind] - MEDICARE[b.dataset.kind]; });
    if (state) {
      groups.push(["Original Medicare in " + state.label, medicare]);
      if (yours.length) groups.push(["Your payer: " + payer.label, yours]);
      groups.push(["Other payers in " + state.name, here]);
    } else {
      groups.push(["Your payer: " + payer.label, yours]);
    }
    groups.push([state ? "Payers that do not operate in " + state.name : "Other payers", other]);
    groups.forEach(function (group) {
      if (!group[1].length) return;
      body.appendChild(groupRow(table, group[0]));
      group[1].forEach(function (row) { body.appendChild(row); });
    });
  }

  // Original Medicare's merged answer for the state, copied from the page's own "by state" table.
  function showMerged(panel, state) {
    while (panel.firstChild) panel.removeChild(panel.firstChild);
    if (!state) return;
    var title = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = "Original Medicare in " + state.label + ":";
    title.appendChild(strong);
    panel.appendChild(title);
    var byState = document.querySelector(".lcdkb-by-state table");
    var match = null;
    if (byState) {
      Array.prototype.forEach.call(byState.tBodies[0].rows, function (row) {
        if (tokens(row.dataset.states).indexOf(state.code) >= 0) match = row;
      });
    }
    if (!match) {
      title.appendChild(document.createTextNode(" no Medicare rule is recorded for this code."));
      return;
    }
    title.appendChild(document.createTextNode(" the national rules and the state's contractor together."));
    var list = document.createElement("ul");
    list.className = "lcdkb-merged";
    var names = byState.tHead.rows[0].cells;
    Array.prototype.forEach.call(match.cells, function (cell, index) {
      if (index >= names.length - 1) return; // the last column lists the states
      var item = document.createElement("li");
      var label = document.createElement("strong");
      label.textContent = names[index].textContent + ": ";
      item.appendChild(label);
      Array.prototype.forEach.call(cell.childNodes, function (node) { item.appendChild(node.cloneNode(true)); });
      list.appendChild(item);
    });
    panel.appendChild(list);
  }

  function setUp() {
    var picker = document.querySelector(".lcdkb-picker");
    var table = document.querySelector(".lcdkb-pickable table");
    if (!picker || !table || picker.dataset.lcdkbReady) return;
    picker.dataset.lcdkbReady = "1";
    var stateBox = picker.querySelector("#lcdkb-pick-state");
    var payerBox = picker.querySelector("#lcdkb-pick-payer");
    var stateList = picker.querySelector("#lcdkb-state-names");
    var payerList = picker.querySelector("#lcdkb-payer-names");
    var panel = picker.querySelector(".lcdkb-picked");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var state = null, payer = null;

    // Typing re-arranges the table as it goes (a half-typed name picks nothing); leaving the box or pressing
    // Enter (a "change") also remembers the pick, so "Co" on the way to "Coh..." is never stored as Colorado.
    function update(event) {
      var typedState = stateBox.value, typedPayer = payerBox.value;
      state = findState(stateList, typedState);
      payer = findPayer(payerList, typedPayer);
      stateBox.setAttribute("aria-invalid", typedState.trim() && !state ? "true" : "false");
      payerBox.setAttribute("aria-invalid", typedPayer.trim() && !payer ? "true" : "false");
      if (event && event.type === "change") {
        if (event.target === stateBox && (state || !typedState.trim())) remember(STATE_KEY, state ? state.code : "");
        if (event.target === payerBox && (payer || !typedPayer.trim())) remember(PAYER_KEY, payer ? payer.id : "");
      }
      arrange(table, rows, state, payer);
      showMerged(panel, state);
    }

    stateBox.addEventListener("input", update);
    stateBox.addEventListener("change", update);
    payerBox.addEventListener("input", update);
    payerBox.addEventListener("change", update);
    var savedState = findState(stateList, recall(STATE_KEY));
    var savedPayer = findPayer(payerList, recall(PAYER_KEY));
    if (savedState) stateBox.value = savedState.label;
    if (savedPayer) payerBox.value = savedPayer.label;
    picker.hidden = false;
    if (savedState || savedPayer) update(null);
  }
  if (typeof document$ !== "undefined") { document$.subscribe(setUp); } else { document.addEventListener("DOMContentLoaded", setUp); }
})();
