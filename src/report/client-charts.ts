/**
 * The chart half of the report's browser script (plain ES5-style JS, inside the page script's
 * function, after uPlot's inlined IIFE defines `uPlot`): the cluster overview chart (hosts in
 * each state over time), a host chart (free memory against minFree and the state thresholds,
 * shaded by state, with a marker at each state change) and a VM chart (consumed / balloon /
 * compressed / swapped stacked, MEMSZ, entitlement and active lines, stall % on the right, and
 * markers for its host's state changes and its workload phases). Every axis has a title with
 * its unit; every legend entry is a drawn series. Expects `data` in scope.
 */
export const CLIENT_CHARTS = String.raw`
  var STATE_NAMES = ["high", "clear", "soft", "hard", "low"];
  var STATE_FILL = ["rgba(46,160,67,0.06)", "rgba(46,160,67,0.18)", "rgba(212,167,44,0.24)", "rgba(230,110,30,0.26)", "rgba(207,34,46,0.30)"];
  var STATE_STROKE = ["#2da44e", "#4ac26b", "#bf8700", "#e16f24", "#cf222e"];
  var THRESHOLD_STROKE = { minFree: "#57606a", clear: "#2da44e", soft: "#bf8700", hard: "#e16f24", low: "#cf222e" };
  var GRID = { stroke: "rgba(0,0,0,0.06)" };

  function col(c, n) {
    if (typeof c !== "number") return c;
    var a = new Array(n);
    for (var i = 0; i < n; i++) a[i] = c;
    return a;
  }
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
  function axisMiBWithUnit(u, vals) {
    return vals.map(function (v) {
      if (v == null) return "";
      if (v === 0) return "0";
      return Math.abs(v) >= 1024 ? +(v / 1024).toFixed(2) + " GiB" : +v.toFixed(1) + " MiB";
    });
  }
  // memory ticks on binary steps (…, 256 MiB, 512 MiB, 1 GiB, 2 GiB, …)
  var MIB_INCRS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576];
  // simulated-time ticks on round durations
  var TIME_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];
  function xAxis() {
    return { label: "simulated time", labelSize: 20, values: function (u, vals) { return vals.map(fmtTime); }, incrs: TIME_INCRS, space: 60, grid: GRID };
  }

  // a vertical marker line with an optional label at the top of the plot; a label that would
  // overlap the previous one in its row (lane.end, canvas pixels) is left out, the line is not
  function marker(u, seconds, stroke, dash, label, lane) {
    var min = u.scales.x.min, max = u.scales.x.max;
    if (seconds < min || seconds > max) return;
    var ctx = u.ctx, px = devicePixelRatio, x = Math.round(u.valToPos(seconds, "x", true)) + 0.5, top = u.bbox.top, h = u.bbox.height;
    ctx.save();
    ctx.strokeStyle = stroke;
    ctx.lineWidth = 1.5 * px;
    ctx.setLineDash(dash.map(function (d) { return d * px; }));
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + h);
    ctx.stroke();
    if (label && x > lane.end) {
      ctx.setLineDash([]);
      ctx.font = 11 * px + "px system-ui, sans-serif";
      ctx.textBaseline = "top";
      var w = ctx.measureText(label).width, lx = Math.min(x + 3 * px, u.bbox.left + u.bbox.width - w);
      ctx.fillStyle = "rgba(255,255,255,0.8)";
      ctx.fillRect(lx - px, top + (1 + 14 * lane.row) * px, w + 2 * px, 13 * px);
      ctx.fillStyle = stroke;
      ctx.fillText(label, lx, top + (2 + 14 * lane.row) * px);
      lane.end = lx + w + 6 * px;
    }
    ctx.restore();
  }

  // the samples where a host's state changed: [{ at: seconds, to: rank }]
  function stateChanges(h) {
    var st = col(h.state, data.t.length), out = [];
    for (var i = 1; i < st.length; i++) if (st[i] != null && st[i - 1] != null && st[i] !== st[i - 1]) out.push({ at: data.t[i], to: st[i] });
    return out;
  }
  function drawStateChanges(changes) {
    return function (u) {
      var lane = { row: 0, end: -1 };
      changes.forEach(function (c) { marker(u, c.at, STATE_STROKE[c.to], [3, 3], "→ " + STATE_NAMES[c.to], lane); });
    };
  }

  // shades the plot behind the series with the state the host was in at each point
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

  // a uPlot chart without per-point dots (a VM chart of a big report has few points, and dots on
  // stacked areas read as data that is not there); the cursor still marks the hovered values
  function plot(opts, columns, box) {
    opts.series.forEach(function (s, i) { if (i > 0) s.points = { show: false }; });
    return new uPlot(opts, columns, box);
  }

  function sameColumn(a, b) {
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // the host's state under the cursor, shown next to the legend (a state is not a line, so it has no legend entry)
  function stateReadout(box, states) {
    var p = document.createElement("p");
    p.className = "readout";
    box.appendChild(p);
    return function (u) {
      var i = u.cursor.idx, s = i == null ? null : states[i];
      p.textContent = s == null ? "" : "state: " + STATE_NAMES[s];
    };
  }

  function hostChart(box, h) {
    var n = data.t.length;
    var minFree = col(h.minFree, n), clear = col(h.clear, n), states = col(h.state, n);
    var dashed = function (label, key, dash, w) {
      return { label: label, stroke: THRESHOLD_STROKE[key], width: w, dash: dash, value: function (u, v) { return fmtMiB(v); } };
    };
    var opts = {
      width: width(),
      height: 300,
      // asinh: linear near 0, logarithmic above, so thresholds of a few hundred MiB stay
      // readable next to gigabytes of free memory
      scales: { x: { time: false }, y: { distr: 4, asinh: 16 } },
      axes: [xAxis(), { label: "free memory (MiB, GiB; asinh scale)", labelSize: 20, values: axisMiBWithUnit, splits: powerOfTwoSplits, filter: function (u, splits) { return splits; }, size: 76, grid: GRID }],
      series: [
        { label: "time", value: function (u, v) { return fmtTime(v); } },
        { label: "free", stroke: "#0969da", width: 2, value: function (u, v) { return fmtMiB(v); } },
        dashed("clear <", "clear", [8, 4], 1),
        dashed("soft <", "soft", [8, 4], 1),
        dashed("hard <", "hard", [8, 4], 1),
        dashed("low <", "low", [8, 4], 1),
        // drawn last, dotted and wider, so it shows on top of the clear line it often equals
        dashed(sameColumn(minFree, clear) ? "minFree (= clear)" : "minFree", "minFree", [2, 3], 2),
      ],
      hooks: { drawClear: [stateBands(states)], draw: [drawStateChanges(stateChanges(h))] },
    };
    var readout = stateReadout(box, states);
    opts.hooks.setCursor = [readout];
    plot(opts, [data.t, col(h.free, n), clear, col(h.soft, n), col(h.hard, n), col(h.low, n), minFree], box);
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
  function maxOf(cols) {
    var m = 0;
    cols.forEach(function (c) { c.forEach(function (v) { if (v != null && v > m) m = v; }); });
    return m;
  }

  function vmChart(box, vi) {
    var n = data.vmT.length, c = data.vms[vi].map(function (x) { return col(x, n); });
    var memory = c[0], consumed = c[1], balloon = c[2], compressed = c[3], swapped = c[4], active = c[5], entitlement = c[6], stall = c[7];
    var c2 = sum(consumed, balloon), c3 = sum(c2, compressed), c4 = sum(c3, swapped);
    var raw = [null, consumed, balloon, compressed, swapped];
    var gib = maxOf([memory, c4, entitlement]) >= 2048, div = gib ? 1024 : 1;
    var part = function (label, stroke, fill, si) {
      return { label: label, stroke: stroke, width: 1, fill: fill, value: function (u, val, s, di) { return di == null ? "–" : fmtMiB(raw[si][di]); } };
    };
    var line = function (label, stroke, w, dash) {
      return { label: label, stroke: stroke, width: w, dash: dash, value: function (u, x) { return fmtMiB(x); } };
    };
    var hi = data.vmHost[vi], changes = hi >= 0 ? stateChanges(data.hosts[hi]) : [];
    var phases = data.phases[data.vmKeys[vi]] || [];
    var opts = {
      width: width(),
      height: 280,
      // stacked areas start at 0, so their heights compare
      scales: { x: { time: false }, y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; } }, pct: { range: [0, 100] } },
      axes: [
        xAxis(),
        { label: "memory (" + (gib ? "GiB" : "MiB") + ")", labelSize: 20, values: function (u, vals) { return vals.map(function (v) { return v == null ? "" : +(v / div).toFixed(2); }); }, incrs: MIB_INCRS, size: 56, grid: GRID },
        { label: "memory stall (%)", labelSize: 20, scale: "pct", side: 1, grid: { show: false }, values: function (u, vals) { return vals.map(function (x) { return x + "%"; }); } },
      ],
      series: [
        { label: "time", value: function (u, x) { return fmtTime(x); } },
        part("consumed (CNSM)", "#0969da", "rgba(9,105,218,0.30)", 1),
        part("balloon (MCTLSZ)", "#8250df", null, 2),
        part("compressed (ZIP)", "#bf8700", null, 3),
        part("swapped (SWCUR)", "#cf222e", null, 4),
        line("memory (MEMSZ)", "#57606a", 1, [4, 4]),
        line("entitlement (SZTGT)", "#1a7f37", 2, [10, 3]),
        line("active (ACTV)", "#e16f24", 1.5, null),
        { label: "stall %", scale: "pct", stroke: "#1b1f24", width: 1.5, value: function (u, x) { return x == null ? "–" : x.toFixed(2) + "%"; } },
      ],
      bands: [
        { series: [2, 1], fill: "rgba(130,80,223,0.35)" },
        { series: [3, 2], fill: "rgba(191,135,0,0.40)" },
        { series: [4, 3], fill: "rgba(207,34,46,0.40)" },
      ],
      hooks: {
        draw: [
          drawStateChanges(changes),
          function (u) { var lane = { row: 1, end: -1 }; phases.forEach(function (p) { marker(u, p[0], "#0550ae", [1, 3], p[1], lane); }); },
        ],
      },
    };
    plot(opts, [data.vmT, consumed, c2, c3, c4, memory, entitlement, active, stall], box);
    var note = document.createElement("p");
    note.className = "bands";
    note.textContent = (hi >= 0 ? "Dashed markers: host " + data.hosts[hi].name + " changing state. " : "") + (phases.length ? "Dotted markers: workload phases." : "");
    if (note.textContent) box.appendChild(note);
  }

  // hosts in each state over time, stacked (low at the bottom)
  function overviewChart(box) {
    var s = data.statesOverTime, stacks = [], acc = data.t.map(function () { return 0; });
    for (var r = 4; r >= 0; r--) {
      acc = acc.map(function (v, i) { return v + s[r][i]; });
      stacks.push(acc);
    }
    var series = [{ label: "time", value: function (u, x) { return fmtTime(x); } }];
    var bands = [];
    for (var k = 0; k < 5; k++) {
      (function (rank, si) {
        series.push({ label: STATE_NAMES[rank], stroke: STATE_STROKE[rank], width: 1, fill: si === 1 ? STATE_FILL[rank].replace(/[\d.]+\)$/, "0.55)") : null, value: function (u, v, x, di) { return di == null ? "–" : String(s[rank][di]); } });
        if (si > 1) bands.push({ series: [si, si - 1], fill: STATE_FILL[rank].replace(/[\d.]+\)$/, "0.55)") });
      })(4 - k, k + 1);
    }
    var opts = {
      width: width(),
      height: 220,
      scales: { x: { time: false }, y: { range: function (u, min, max) { return [0, Math.max(1, data.hosts.length)]; } } },
      axes: [xAxis(), { label: "hosts", labelSize: 20, size: 56, grid: GRID, values: function (u, vals) { return vals.map(function (v) { return v === Math.round(v) ? String(v) : ""; }); } }],
      series: series,
      bands: bands,
    };
    plot(opts, [data.t].concat(stacks), box);
  }
`;
