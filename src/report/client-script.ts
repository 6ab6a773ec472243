/**
 * The browser-side script of the HTML report (plain ES5-style JS, run after uPlot's inlined
 * IIFE defines `uPlot`): reads the chart data from the `memplane-data` JSON block and draws,
 * per host, free memory against the state thresholds with the state the host was in shaded
 * behind it, and per VM consumed / balloon / compressed / swapped stacked plus stall % on a
 * right-hand axis. Names reach the page only through textContent.
 */
export const CLIENT_SCRIPT = String.raw`
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("memplane-data").textContent);
  var STATE_NAMES = ["high", "clear", "soft", "hard", "low"];
  var STATE_FILL = ["rgba(46,160,67,0.06)", "rgba(46,160,67,0.18)", "rgba(212,167,44,0.24)", "rgba(230,110,30,0.26)", "rgba(207,34,46,0.30)"];
  var THRESHOLD_STROKE = { minFree: "#6e7781", clear: "#2da44e", soft: "#bf8700", hard: "#e16f24", low: "#cf222e" };

  function width() {
    return Math.max(480, Math.min(1100, document.documentElement.clientWidth - 64));
  }
  function fmtTime(s) {
    if (s == null) return "";
    s = Math.round(s);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), x = s % 60;
    return (h ? h + "h" : "") + (m ? m + "m" : "") + (x || (!h && !m) ? x + "s" : "");
  }
  function fmtMiB(v) {
    if (v == null) return "–";
    if (v >= 1024) return (v / 1024).toFixed(2) + " GiB";
    return (v < 10 ? v.toFixed(2) : v.toFixed(1)) + " MiB";
  }
  function axisMiB(u, vals) {
    return vals.map(function (v) {
      if (v == null) return "";
      if (v === 0) return "0";
      return Math.abs(v) >= 1024 ? +(v / 1024).toFixed(2) + "G" : +v.toFixed(1) + "M";
    });
  }
  // memory ticks on binary steps (…, 256M, 512M, 1G, 2G, …)
  var MIB_INCRS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576];
  function axisTime(u, vals) {
    return vals.map(fmtTime);
  }
  // simulated-time ticks on round durations
  var TIME_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];
  function xAxis() {
    return { values: axisTime, incrs: TIME_INCRS, space: 60, grid: { stroke: "rgba(0,0,0,0.06)" } };
  }
  function chartBox(parent, title, id) {
    var box = document.createElement("section");
    box.className = "chart";
    box.id = id;
    var h = document.createElement("h3");
    h.textContent = title;
    box.appendChild(h);
    parent.appendChild(box);
    return box;
  }

  // shades the plot behind the series with the state the host was in at each sample
  function stateBands(states) {
    return function (u) {
      var xs = u.data[0], ctx = u.ctx, top = u.bbox.top, height = u.bbox.height;
      ctx.save();
      for (var i = 0; i < xs.length; ) {
        var s = states[i], j = i;
        while (j + 1 < xs.length && states[j + 1] === s) j++;
        if (s != null && STATE_FILL[s]) {
          var x0 = u.valToPos(xs[i], "x", true);
          var x1 = u.valToPos(j + 1 < xs.length ? xs[j + 1] : xs[j], "x", true);
          ctx.fillStyle = STATE_FILL[s];
          ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
        }
        i = j + 1;
      }
      ctx.restore();
    };
  }

  // grid lines for the asinh scale: 0 and powers of two MiB, at most 8 of them
  function powerOfTwoSplits(u, axisIdx, min, max) {
    var out = [];
    for (var v = 1; v <= max; v *= 2) if (v >= min) out.push(v);
    while (out.length > 8) out = out.filter(function (x, i) { return i % 2 === 1; });
    if (min <= 0) out.unshift(0);
    return out;
  }

  function hostChart(parent, h, index) {
    var box = chartBox(parent, "Host " + h.name + " — free memory against the state thresholds (asinh scale), shaded by state", "host-" + index);
    var dashed = function (label, key) {
      return { label: label, stroke: THRESHOLD_STROKE[key], width: 1, dash: [6, 4], value: function (u, v) { return fmtMiB(v); } };
    };
    var opts = {
      width: width(),
      height: 300,
      // asinh: linear near 0, logarithmic above, so thresholds of a few hundred MiB stay
      // readable next to gigabytes of free memory
      scales: { x: { time: false }, y: { distr: 4, asinh: 16 } },
      axes: [xAxis(), { values: axisMiB, splits: powerOfTwoSplits, filter: function (u, splits) { return splits; }, size: 60 }],
      series: [
        { label: "time", value: function (u, v) { return fmtTime(v); } },
        { label: "free", stroke: "#0969da", width: 2, value: function (u, v) { return fmtMiB(v); } },
        dashed("minFree", "minFree"),
        dashed("clear <", "clear"),
        dashed("soft <", "soft"),
        dashed("hard <", "hard"),
        dashed("low <", "low"),
        {
          label: "state",
          scale: "state",
          show: false,
          value: function (u, v, si, di) { var s = di == null ? null : h.state[di]; return s == null ? "–" : STATE_NAMES[s]; },
        },
      ],
      hooks: { drawClear: [stateBands(h.state)] },
    };
    opts.scales.state = { range: [0, 4] };
    new uPlot(opts, [data.t, h.free, h.minFree, h.clear, h.soft, h.hard, h.low, h.state], box);
    var legend = document.createElement("p");
    legend.className = "bands";
    STATE_NAMES.forEach(function (name, i) {
      var chip = document.createElement("span");
      chip.className = "chip";
      chip.style.background = STATE_FILL[i];
      chip.textContent = name;
      legend.appendChild(chip);
    });
    box.appendChild(legend);
  }

  function sum(a, b) {
    return a.map(function (v, i) { return v == null || b[i] == null ? null : Math.round((v + b[i]) * 100) / 100; });
  }

  function vmChart(parent, v, index) {
    var box = chartBox(parent, "VirtualMachine " + v.key + " — consumed / balloon / compressed / swapped (stacked) and stall %", "vm-" + index);
    var c1 = v.consumed, c2 = sum(c1, v.balloon), c3 = sum(c2, v.compressed), c4 = sum(c3, v.swapped);
    var raw = [null, v.consumed, v.balloon, v.compressed, v.swapped];
    var part = function (label, stroke, fill, si) {
      return { label: label, stroke: stroke, width: 1, fill: fill, value: function (u, val, s, di) { return di == null ? "–" : fmtMiB(raw[si][di]); } };
    };
    var opts = {
      width: width(),
      height: 260,
      // stacked areas start at 0, so their heights compare
      scales: { x: { time: false }, y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.05 : 1]; } }, pct: { range: [0, 100] } },
      axes: [xAxis(), { values: axisMiB, incrs: MIB_INCRS, size: 60 }, { scale: "pct", side: 1, grid: { show: false }, values: function (u, vals) { return vals.map(function (x) { return x + "%"; }); } }],
      series: [
        { label: "time", value: function (u, x) { return fmtTime(x); } },
        part("consumed (CNSM)", "#0969da", "rgba(9,105,218,0.35)", 1),
        part("balloon (MCTLSZ)", "#8250df", null, 2),
        part("compressed (ZIP)", "#bf8700", null, 3),
        part("swapped (SWCUR)", "#cf222e", null, 4),
        { label: "memory (MEMSZ)", stroke: "#57606a", width: 1, dash: [4, 4], value: function (u, x) { return fmtMiB(x); } },
        { label: "stall %", scale: "pct", stroke: "#1b1f24", width: 1.5, value: function (u, x) { return x == null ? "–" : x.toFixed(2) + "%"; } },
      ],
      bands: [
        { series: [2, 1], fill: "rgba(130,80,223,0.35)" },
        { series: [3, 2], fill: "rgba(191,135,0,0.40)" },
        { series: [4, 3], fill: "rgba(207,34,46,0.40)" },
      ],
    };
    new uPlot(opts, [data.t, c1, c2, c3, c4, v.memory, v.stall], box);
  }

  var charts = 0;
  var hostsEl = document.getElementById("host-charts");
  data.hosts.forEach(function (h, i) { hostChart(hostsEl, h, i); charts++; });
  var vmsEl = document.getElementById("vm-charts");
  data.vms.forEach(function (v, i) { vmChart(vmsEl, v, i); charts++; });
  document.body.setAttribute("data-charts", String(charts));
})();
`;
