import { MetricsSeries } from "../../src/metrics/metrics-series.js";
import { chartData, chartIndices, vmChartPoints, VM_CHART_VALUE_BUDGET } from "../../src/report/chart-data.js";
import { vmTableRows, worstVms } from "../../src/report/overview.js";
import { escapeHtml, jsonForScript, renderReport } from "../../src/report/render-report.js";
import { summarize } from "../../src/report/report-summary.js";

/** `n` ticks of one host walking high → clear → soft and one VM ballooning up then down. */
function series(n: number, stride = 1): MetricsSeries {
  const s = new MetricsSeries(2);
  for (let t = stride; t <= n * stride; t += stride) {
    const i = s.begin(t);
    const h = s.host("esx-01");
    h.capacity[i] = 262144;
    h.free[i] = 10_000 - t;
    h.state[i] = t <= 10 ? 0 : t <= 15 ? 1 : 2;
    const v = s.vm("default/web-1");
    v.memory[i] = 65536;
    v.balloon[i] = t === 12 ? 5000 : t;
    v.memoryStallPercent[i] = t === 7 ? 40 : 0;
  }
  return s;
}

describe("report", () => {
  test("summary: simulated time in each state and VM peaks", () => {
    const sum = summarize(series(20));
    expect(sum.hosts[0]!.secondsInState).toEqual({ high: 20, clear: 10, soft: 10, hard: 0, low: 0 }); // 2s ticks
    expect(sum.hosts[0]!.finalState).toBe("soft");
    expect(sum.hosts[0]!.minFreePagesSeen).toBe(9980);
    expect(sum.vms[0]).toMatchObject({ key: "default/web-1", memoryPages: 65536, peakBalloon: 5000, peakStallPercent: 40, peakSwapped: 0 });
    expect(sum).toMatchObject({ firstTick: 1, lastTick: 20 });
  });

  test("chart data: MiB, simulated seconds, null gaps, at most maxPoints points including the last", () => {
    expect(chartIndices(10, 100)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const idx = chartIndices(5000, 100);
    expect(idx.length).toBeLessThanOrEqual(100);
    expect(idx[idx.length - 1]).toBe(4999);
    const d = chartData(series(4));
    expect(d.t).toEqual([2, 4, 6, 8]);
    expect(d.vmT).toEqual([2, 4, 6, 8]);
    expect((d.hosts[0]!.free as number[])[0]).toBe(39.1); // 9999 pages = 39.06 MiB, 3 significant digits
    expect(d.hosts[0]!.soft).toEqual([null, null, null, null]); // not sampled
    expect(d.vmKeys).toEqual(["default/web-1"]);
    expect(d.vms[0]![0]).toBe(256); // MEMSZ: the same at every point, so embedded once
    expect(d.vms[0]![2]).toEqual([0, 0.01, 0.01, 0.02]); // balloon, MiB
    expect(d.statesOverTime.map((c) => c[0])).toEqual([1, 0, 0, 0, 0]); // one host, in high
  });

  test("VM charts share a value budget: a 10 000-VM report thins them, a small one does not", () => {
    expect(vmChartPoints(3)).toBe(2000);
    expect(vmChartPoints(1000)).toBe(500); // 4M values / (1000 VMs × 8 series)
    expect(vmChartPoints(10_000)).toBe(60); // the floor
    expect(vmChartPoints(10_000) * 10_000 * 8).toBeLessThanOrEqual(VM_CHART_VALUE_BUDGET * 1.2);
    const d = chartData(series(500), 2000);
    expect(d.vmT).toHaveLength(500);
  });

  test("overview: the worst VMs by stall, swap and balloon, only those with any, worst first", () => {
    const s = series(20);
    for (const [key, stall, swap] of [["default/a", 5, 0], ["default/b", 50, 100], ["default/c", 0, 300]] as const) {
      const v = s.vm(key);
      for (let i = 0; i < s.length; i++) {
        v.memory[i] = 1000;
        v.memoryStallPercent[i] = i === 3 ? stall : 0;
        v.swapped[i] = swap;
        v.balloon[i] = 0;
      }
    }
    const [stall, swap, balloon] = worstVms(summarize(s));
    const keys = (l: typeof stall) => l!.entries.map((e) => summarize(s).vms[e.vm]!.key);
    expect(keys(stall)).toEqual(["default/b", "default/web-1", "default/a"]); // 50 %, 40 %, 5 %
    expect(keys(swap)).toEqual(["default/c", "default/b"]); // web-1 and a never swapped
    expect(keys(balloon)).toEqual(["default/web-1"]);
    expect(vmTableRows(summarize(s))[1]).toEqual([3.91, 0, 0, 0, 0.39, 0, 50]);
  });

  test("escaping: HTML text and JSON inside <script>", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    const json = jsonForScript({ name: "</script><script>alert(1)</script>\u2028" });
    expect(json).not.toMatch(/[<>\u2028]/);
    expect(JSON.parse(json)).toEqual({ name: "</script><script>alert(1)</script>\u2028" });
  });

  test("the document is self-contained and deterministic", () => {
    const s = series(30, 4);
    s.stride = 4;
    const html = renderReport(s, { title: "t & <t>", source: "state ./x" });
    expect(html).toBe(renderReport(s, { title: "t & <t>", source: "state ./x" }));
    expect(html).toContain("<title>t &amp; &lt;t&gt;</title>");
    expect(html).toContain("one sample every 4 ticks");
    expect(html).toContain("uPlot"); // the chart library is inlined
    expect(html.match(/<\/script>/g)).toHaveLength(3); // data, uPlot, our script — nothing closes early
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).toContain("Cluster overview");
    expect(html).toContain("<p>1 of 1 host was under pressure (soft, hard or low) at some time, at most 1 at once.</p>");
    expect(html).toContain('<a href="#vm-0" data-vm="0">default/web-1</a> 19.5 MiB'); // the worst balloon list, linked to the chart
  });
});
