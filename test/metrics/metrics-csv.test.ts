import { MetricsSeries } from "../../src/metrics/metrics-series.js";
import { csvField, metricsCsvChunks, metricsToCsv } from "../../src/metrics/metrics-csv.js";

/** A two-tick series: one host, one VM that appears at the second tick. */
function smallSeries(): MetricsSeries {
  const s = new MetricsSeries(1);
  let i = s.begin(1);
  const h = s.host("esx-01");
  const hostValues = { capacity: 1024, free: 512, minFree: 100, clear: 100, soft: 64, hard: 32, low: 16, state: 0 };
  for (const [m, v] of Object.entries(hostValues)) h[m as keyof typeof h][i] = v;
  i = s.begin(2);
  for (const [m, v] of Object.entries({ ...hostValues, free: 60, state: 2 })) h[m as keyof typeof h][i] = v;
  const vm = s.vm("prod/db-1");
  for (const m of Object.keys(vm) as (keyof typeof vm)[]) vm[m][i] = m === "memoryStallPercent" ? 12.5 : 256;
  return s;
}

describe("metrics CSV", () => {
  test("tidy rows: tick,object,metric,value; bytes, state names, stall percent; gaps left out", () => {
    const lines = metricsToCsv(smallSeries()).trimEnd().split("\n");
    expect(lines[0]).toBe("tick,object,metric,value");
    expect(lines.slice(1, 9)).toEqual([
      "1,host/esx-01,capacity_bytes,4194304",
      "1,host/esx-01,free_bytes,2097152",
      "1,host/esx-01,minFree_bytes,409600",
      "1,host/esx-01,clear_bytes,409600",
      "1,host/esx-01,soft_bytes,262144",
      "1,host/esx-01,hard_bytes,131072",
      "1,host/esx-01,low_bytes,65536",
      "1,host/esx-01,state,high",
    ]);
    // the VM did not exist at tick 1: no rows for it there
    expect(lines.filter((l) => l.startsWith("1,vm/"))).toEqual([]);
    expect(lines).toContain("2,host/esx-01,state,soft");
    expect(lines).toContain("2,vm/prod/db-1,consumed_bytes,1048576");
    expect(lines).toContain("2,vm/prod/db-1,memoryStallPercent,12.5");
    expect(lines).toHaveLength(1 + 8 + 8 + 9);
  });

  test("chunks concatenate to the whole text, one chunk per sampled tick after the header", () => {
    const s = smallSeries();
    const chunks = [...metricsCsvChunks(s)];
    expect(chunks).toHaveLength(3);
    expect(chunks.join("")).toBe(metricsToCsv(s));
  });

  test("fields with commas or quotes are quoted (RFC 4180)", () => {
    expect(csvField("host/esx-01")).toBe("host/esx-01");
    expect(csvField('a,"b"')).toBe('"a,""b"""');
  });
});
