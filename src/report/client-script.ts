/**
 * The browser-side script of the HTML report (plain ES5-style JS, run after uPlot's inlined
 * IIFE defines `uPlot`). It reads the chart data once from the `memplane-data` JSON block,
 * draws the cluster overview chart, and draws every other chart lazily: a chart's section is
 * a placeholder of the chart's height until it comes near the viewport (or the page is
 * printed). Small reports get a section per host and VM; big ones a section per host up to
 * {@link ALL_CHARTS_UP_TO}, and VM sections only for the worst VMs and the ones picked in the
 * table. It also makes the host table sortable and renders the VM table — sortable by any
 * column, filterable by name and by what happened to the VM — a page of rows at a time.
 * Names reach the page only through textContent. `body[data-ready]` is set when the page is
 * usable and `body[data-charts]` counts the charts drawn.
 */
import { CLIENT_CHARTS } from "./client-charts.js";

/** Objects of a kind up to which every one gets a chart section; above, sections are made on demand. */
export const ALL_CHARTS_UP_TO = 100;

/** VM table rows rendered per page ("show more" adds another page). */
export const VM_TABLE_PAGE = 100;

const CLIENT_PAGE = String.raw`
  var charts = 0;
  function counted() { charts++; document.body.setAttribute("data-charts", String(charts)); }

  // lazy drawing: a section draws its chart when it comes within a screen of the viewport
  var pending = [];
  var observer = typeof IntersectionObserver === "function"
    ? new IntersectionObserver(function (entries) {
        entries.forEach(function (e) { if (e.isIntersecting) drawNow(e.target); });
      }, { rootMargin: "600px 0px" })
    : null;
  function drawNow(box) {
    if (!box.memplaneDraw) return;
    var draw = box.memplaneDraw;
    box.memplaneDraw = null;
    if (observer) observer.unobserve(box);
    box.classList.remove("pending");
    draw(box);
    counted();
  }
  function lazySection(parent, title, id, draw, before) {
    var box = document.createElement("section");
    box.className = "chart pending";
    box.id = id;
    var h = document.createElement("h3");
    h.textContent = title;
    box.appendChild(h);
    box.memplaneDraw = draw;
    parent.insertBefore(box, before || null);
    pending.push(box);
    if (observer) observer.observe(box);
    else drawNow(box);
    return box;
  }
  window.addEventListener("beforeprint", function () { pending.forEach(drawNow); });

  function hostSection(i) {
    var h = data.hosts[i];
    return lazySection(hostsEl, "Host " + h.name + " — free memory against minFree and the state thresholds, shaded by state", "host-" + i, function (box) { hostChart(box, h); });
  }
  function vmSection(i, before) {
    var existing = document.getElementById("vm-" + i);
    if (existing) return existing;
    return lazySection(vmsEl, "VirtualMachine " + data.vmKeys[i] + " — consumed / balloon / compressed / swapped (stacked), MEMSZ, entitlement, active and stall %", "vm-" + i, function (box) { vmChart(box, i); }, before);
  }
  // opens a VM's chart (making its section if the report has none yet) and scrolls to it
  function openVm(i) {
    var box = vmSection(i, vmsEl.firstChild);
    drawNow(box);
    box.scrollIntoView();
  }
  function openHost(i) {
    var box = document.getElementById("host-" + i) || hostSection(i);
    drawNow(box);
    box.scrollIntoView();
  }
  document.addEventListener("click", function (e) {
    var a = e.target && e.target.closest ? e.target.closest("a[data-vm], a[data-host]") : null;
    if (!a) return;
    e.preventDefault();
    if (a.hasAttribute("data-vm")) openVm(Number(a.getAttribute("data-vm")));
    else openHost(Number(a.getAttribute("data-host")));
  });

  // sorting: click a header to sort by it, again to reverse
  function sortable(table, onSort) {
    var ths = table.querySelectorAll("thead th");
    Array.prototype.forEach.call(ths, function (th, ci) {
      th.tabIndex = 0;
      th.title = "sort by " + th.textContent;
      var go = function () {
        var desc = th.getAttribute("aria-sort") === "ascending" ? true : th.getAttribute("aria-sort") === "descending" ? false : ci > 0;
        Array.prototype.forEach.call(ths, function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", desc ? "descending" : "ascending");
        onSort(ci, desc);
      };
      th.addEventListener("click", go);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") go(); });
    });
  }
  function compare(a, b, desc) { return (a < b ? -1 : a > b ? 1 : 0) * (desc ? -1 : 1); }

  var hostTable = document.getElementById("host-summary");
  if (hostTable) {
    sortable(hostTable, function (ci, desc) {
      var body = hostTable.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var key = function (r) { var c = r.cells[ci]; var v = c.getAttribute("data-v"); return v == null ? c.textContent : Number(v); };
      rows.sort(function (a, b) { return compare(key(a), key(b), desc) || compare(Number(a.getAttribute("data-i")), Number(b.getAttribute("data-i")), false); });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  }

  // the VM table: rows made from data.rows, filtered, sorted, a page at a time
  var vmTable = document.getElementById("vm-summary");
  var filterEl = document.getElementById("vm-filter"), showEl = document.getElementById("vm-show");
  var countEl = document.getElementById("vm-count"), moreEl = document.getElementById("vm-more");
  var order = data.vmKeys.map(function (k, i) { return i; });
  var sortCol = 0, sortDesc = false, shown = ${VM_TABLE_PAGE}, matching = [];
  var SHOW = { all: -1, ballooned: 2, compressed: 3, swapped: 4, guestSwapped: 5, stalled: 6 };
  function fmtCell(ci, v) { return ci === 6 ? v.toFixed(2) + "%" : v === 0 ? "0" : fmtMiB(v); }
  function renderVmRows() {
    var body = vmTable.tBodies[0];
    var rows = document.createDocumentFragment();
    matching.slice(0, shown).forEach(function (i) {
      var tr = document.createElement("tr"), th = document.createElement("th"), a = document.createElement("a");
      th.scope = "row";
      a.href = "#vm-" + i;
      a.setAttribute("data-vm", String(i));
      a.textContent = data.vmKeys[i];
      th.appendChild(a);
      tr.appendChild(th);
      data.rows[i].forEach(function (v, ci) {
        var td = document.createElement("td");
        td.textContent = fmtCell(ci, v);
        tr.appendChild(td);
      });
      rows.appendChild(tr);
    });
    body.textContent = "";
    body.appendChild(rows);
    var n = Math.min(shown, matching.length);
    countEl.textContent = "Showing " + n + " of " + matching.length + " matching (" + data.vmKeys.length + " virtual machines).";
    moreEl.hidden = n >= matching.length;
  }
  function refilter() {
    var text = filterEl.value.trim().toLowerCase(), col = SHOW[showEl.value];
    matching = order.filter(function (i) {
      return (text === "" || data.vmKeys[i].toLowerCase().indexOf(text) >= 0) && (col == null || col < 0 || data.rows[i][col] > 0);
    });
    shown = ${VM_TABLE_PAGE};
    renderVmRows();
  }
  function resort() {
    order.sort(function (a, b) {
      if (sortCol === 0) return compare(data.vmKeys[a], data.vmKeys[b], sortDesc);
      return compare(data.rows[a][sortCol - 1], data.rows[b][sortCol - 1], sortDesc) || compare(a, b, false);
    });
    refilter();
  }
  if (vmTable) {
    sortable(vmTable, function (ci, desc) { sortCol = ci; sortDesc = desc; resort(); });
    filterEl.addEventListener("input", refilter);
    showEl.addEventListener("change", refilter);
    moreEl.addEventListener("click", function () { shown += ${VM_TABLE_PAGE}; renderVmRows(); });
    refilter();
  }

  var overviewEl = document.getElementById("overview-chart");
  if (overviewEl && data.hosts.length > 0) { overviewChart(overviewEl); counted(); }
  var hostsEl = document.getElementById("host-charts"), vmsEl = document.getElementById("vm-charts");
  var hostSections = data.hosts.length <= ${ALL_CHARTS_UP_TO} ? data.hosts.map(function (h, i) { return i; }) : data.worstHosts;
  hostSections.forEach(hostSection);
  var vmSections = data.vmKeys.length <= ${ALL_CHARTS_UP_TO} ? order.slice() : data.worstVms;
  vmSections.forEach(function (i) { vmSection(i); });
  document.body.setAttribute("data-charts", String(charts));
  document.body.setAttribute("data-ready", "1");
`;

/** The whole page script: the chart functions and the page logic in one function scope. */
export const CLIENT_SCRIPT = `
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("memplane-data").textContent);
${CLIENT_CHARTS}
${CLIENT_PAGE}
})();
`;
