/**
 * The synchronous worker channel (src/engine/workers/): calls block until answered, run in
 * parallel across workers, carry transferables, turn handler errors and dying threads into thrown
 * Errors (never a hang), and live workers never keep a process alive. The workers run the built
 * self-test worker (dist/src/engine/workers/echo-worker.js; npm test builds first).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { SyncWorker, callAll } from "../../../../src/engine/workers/sync-worker.js";
import { workerEntryUrl } from "../../../../src/engine/workers/worker-entry.js";
import type { BytesReport, MeetReport, SpinReport } from "../../../../src/engine/workers/echo-worker.js";

const ECHO = workerEntryUrl("../../../../src/engine/workers/echo-worker.js", import.meta.url);

const started: SyncWorker[] = [];
function start(data: unknown = null): SyncWorker {
  const worker = SyncWorker.start(ECHO, data, { name: "echo test" });
  started.push(worker);
  return worker;
}
afterAll(() => started.forEach((w) => w.terminate()));

/** Whether two workers' busy intervals overlap in wall time. */
const overlap = (a: SpinReport, b: SpinReport): boolean => Math.max(a.start, b.start) < Math.min(a.end, b.end);

describe("SyncWorker calls", () => {
  it("callAll runs the calls in parallel and returns the answers in the workers' order", () => {
    const workers = [start(), start()];
    // each worker, in its call, waits for the other to arrive (up to 20 s), then spins 100 ms:
    // they meet only if both handle their calls at the same time
    const meet = (timeoutMs: number) => ({ arrivals: new SharedArrayBuffer(4), workers: 2, timeoutMs, ms: 100 });
    const together = meet(20_000);
    const answers = callAll<MeetReport>(workers, "meet", [together, together]);
    expect(answers.map((a) => a.threadId)).toEqual(workers.map((w) => w.threadId));
    expect(answers.map((a) => a.met)).toEqual([true, true]);
    expect(overlap(answers[0]!, answers[1]!)).toBe(true);
    // the control: one call after the other never meets, so the check above can fail
    expect(workers.map((w) => w.call<MeetReport>("meet", meet(50)).met)).toEqual([false, false]);
  });

  it("200 sequential round trips and 100 rounds of callAll lose no answer and mix none up", () => {
    const [a, b] = [start(), start()];
    for (let i = 0; i < 200; i++) expect(a!.call("echo", { i })).toEqual({ i });
    for (let round = 0; round < 100; round++) {
      expect(callAll([a!, b!], "echo", [`a${round}`, `b${round}`])).toEqual([`a${round}`, `b${round}`]);
    }
  });

  it("post + wait is call; payloads are structured clones", () => {
    const worker = start();
    const payload = { when: new Date(0), tags: new Set(["x"]), nested: [1, { deep: "yes" }] };
    worker.post("echo", payload);
    const echoed = worker.wait<typeof payload>();
    expect(echoed.when.getTime()).toBe(0);
    expect([...echoed.tags]).toEqual(["x"]);
    expect(echoed.nested).toEqual([1, { deep: "yes" }]);
    expect(worker.threadId).toBe(worker.call("threadId", null));
  });

  it("the worker's data reaches its init handler; a failing init answers every call with its error", () => {
    expect(start({ shard: 3 }).call("initData", null)).toEqual({ shard: 3 });
    const broken = start({ failInit: "no hosts in this shard" });
    for (let i = 0; i < 2; i++) {
      expect(() => broken.call("echo", 1)).toThrow(expect.objectContaining({ name: "RangeError", message: "init failed: no hosts in this shard" }));
    }
  });
});

describe("transferables", () => {
  it("a transferred ArrayBuffer moves to the worker (detached here) and can come back", () => {
    const worker = start();
    const buffer = new ArrayBuffer(1024);
    new Uint8Array(buffer).set([7], 0);
    new Uint8Array(buffer).set([9], 1023);
    const report = worker.call<BytesReport>("bytes", { buffer, giveBack: true }, [buffer]);
    expect(buffer.byteLength).toBe(0);
    expect({ byteLength: report.byteLength, first: report.first, last: report.last }).toEqual({ byteLength: 1024, first: 7, last: 9 });
    expect(new Uint8Array(report.buffer!)[1023]).toBe(9);
  });

  it("without a transfer list the buffer is copied and stays usable here", () => {
    const worker = start();
    const buffer = new ArrayBuffer(64);
    new Uint8Array(buffer)[63] = 5;
    expect(worker.call<BytesReport>("bytes", { buffer })).toEqual({ byteLength: 64, first: 0, last: 5 });
    expect(buffer.byteLength).toBe(64);
  });

  it("callAll takes a transfer list per worker", () => {
    const workers = [start(), start()];
    const buffers = [new ArrayBuffer(8), new ArrayBuffer(16)];
    const reports = callAll<BytesReport>(workers, "bytes", buffers.map((buffer) => ({ buffer })), buffers.map((b) => [b]));
    expect(reports.map((r) => r.byteLength)).toEqual([8, 16]);
    expect(buffers.map((b) => b.byteLength)).toEqual([0, 0]);
  });
});

describe("errors", () => {
  it("a handler that throws makes the call throw the worker's error name, message and details; the worker keeps answering", () => {
    const worker = start();
    expect(() => worker.call("fail", { name: "RangeError", message: "shard 2 has no host esx-07", code: "ENOHOST" })).toThrow(
      expect.objectContaining({ name: "RangeError", message: "shard 2 has no host esx-07", code: "ENOHOST" }),
    );
    expect(worker.call("echo", "still here")).toBe("still here");
  });

  it("an unknown method, a promise and an answer that cannot be cloned are errors of the call", () => {
    const worker = start();
    expect(() => worker.call("snapshot", null)).toThrow(/unknown method "snapshot" \(this worker answers: init, initData, echo/);
    expect(() => worker.call("async", null)).toThrow('the handler of "async" returned a promise; serveSync handlers must be synchronous');
    expect(() => worker.call("uncloneable", null)).toThrow(/the answer of "uncloneable" cannot be sent to the main thread/);
    expect(worker.call("echo", 1)).toBe(1);
  });

  it("a payload that cannot be cloned throws at once and leaves no request outstanding", () => {
    const worker = start();
    expect(() => worker.post("echo", { f: () => 1 })).toThrow(/could not be cloned/);
    expect(worker.call("echo", 2)).toBe(2);
  });

  it("a worker that exits while answering makes the waiting call throw, and later calls throw at once", () => {
    const worker = start();
    expect(() => worker.call("exit", { code: 3 })).toThrow(`worker thread ${worker.threadId} exited (code 3) while answering "exit"`);
    expect(() => worker.call("echo", 1)).toThrow(`worker thread ${worker.threadId} has exited (code 3); cannot call "echo"`);
  });

  it("a worker that dies in callAll fails the call after the others answered; the first failure in worker order wins", () => {
    const [alive, dying] = [start(), start()];
    expect(() => callAll([alive!, dying!], "exit", [{ code: null }, { code: 4 }])).toThrow(`worker thread ${dying!.threadId} exited (code 4) while answering "exit"`);
    expect(alive!.call("echo", "next")).toBe("next"); // its answer to "exit" was taken, none is left behind
    const [first, second] = [start(), start()];
    expect(() => callAll([first!, second!], "fail", [{ name: "Error", message: "first" }, { name: "Error", message: "second" }])).toThrow(
      expect.objectContaining({ message: "first" }),
    );
    expect(callAll([first!, second!], "echo", [1, 2])).toEqual([1, 2]);
  });

  it("an uncaught error outside a handler kills the thread: the next call throws with the error, not a hang", () => {
    const worker = start();
    expect(worker.call("crashSoon", { message: "boom outside a handler" })).toBe("crashing");
    expect(() => worker.call("echo", 1)).toThrow(new RegExp(`worker thread ${worker.threadId} exited \\(code 1\\) .*: Error: boom outside a handler`));
  });

  it("an entry module that cannot load fails the first call with the reason", () => {
    const worker = SyncWorker.start(new URL("./no-such-worker.js", ECHO), null);
    started.push(worker);
    expect(() => worker.call("echo", 1)).toThrow(
      /exited \(code 1\) while answering "echo": Error: cannot load the worker entry file:.*no-such-worker\.js: Cannot find module '.*no-such-worker\.js'$/,
    );
  });

  it("an entry module that does not call serveSync fails the first call, saying so", () => {
    const worker = SyncWorker.start(new URL("./worker-entry.js", ECHO), null);
    started.push(worker);
    expect(() => worker.call("echo", 1)).toThrow(/exited \(code 1\) while answering "echo": Error: the worker entry file:.*worker-entry\.js did not call serveSync\(\)$/);
  });

  it("a terminated worker throws at once, also with a request posted but not waited for", () => {
    const worker = start();
    worker.post("spin", { ms: 10 });
    worker.terminate();
    expect(() => worker.wait()).toThrow(`worker thread ${worker.threadId} was terminated; cannot call "wait"`);
    expect(() => worker.call("echo", 1)).toThrow(`worker thread ${worker.threadId} was terminated; cannot call "echo"`);
    worker.terminate(); // twice is fine
  });

  it("misuse is an Error: two requests outstanding, a wait with none, payloads that do not match the workers", () => {
    const worker = start();
    worker.post("echo", 1);
    expect(() => worker.post("echo", 2)).toThrow(`worker thread ${worker.threadId} already has a request outstanding ("echo"): wait() for it before posting "echo"`);
    expect(worker.wait()).toBe(1);
    expect(() => worker.wait()).toThrow("wait() without a request outstanding");
    expect(() => callAll([worker], "echo", [1, 2])).toThrow('callAll("echo"): 2 payload(s) for 1 worker(s)');
  });
});

describe("process lifetime", () => {
  const dist = path.resolve("dist/src/engine/workers");
  const script = `
    import { SyncWorker, callAll } from ${JSON.stringify(pathToFileURL(path.join(dist, "sync-worker.js")).href)};
    import { workerEntryUrl } from ${JSON.stringify(pathToFileURL(path.join(dist, "worker-entry.js")).href)};
    const url = workerEntryUrl("./echo-worker.js", ${JSON.stringify(pathToFileURL(path.join(dist, "sync-worker.js")).href)});
    const workers = [SyncWorker.start(url, null), SyncWorker.start(url, null)];
    console.log(JSON.stringify(callAll(workers, "echo", ["a", "b"])));
    SyncWorker.start(url, null).post("spin", { ms: 60000 });
  `;
  const expected = { status: 0, signal: null, stdout: '["a","b"]', stderr: "" };

  it("a script with live workers (idle, and one with a request still running) exits by itself", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "memplane-sync-worker-")), "script.mjs");
    fs.writeFileSync(file, script);
    const child = spawnSync(process.execPath, [file], { encoding: "utf8", timeout: 30_000 });
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    expect({ status: child.status, signal: child.signal, stdout: child.stdout.trim(), stderr: child.stderr }).toEqual(expected);
  });

  (fs.existsSync("/proc/self/task") ? it : it.skip)("a SyncWorker dropped without terminate() has its thread ended when it is collected (Linux: threads in /proc)", () => {
    const gcScript = `
      import { readdirSync } from "node:fs";
      import { SyncWorker } from ${JSON.stringify(pathToFileURL(path.join(dist, "sync-worker.js")).href)};
      import { workerEntryUrl } from ${JSON.stringify(pathToFileURL(path.join(dist, "worker-entry.js")).href)};
      const threads = () => readdirSync("/proc/self/task").length;
      const url = workerEntryUrl("./echo-worker.js", ${JSON.stringify(pathToFileURL(path.join(dist, "sync-worker.js")).href)});
      const kept = SyncWorker.start(url, null);
      kept.call("echo", 1);
      const withKept = threads();
      (() => SyncWorker.start(url, null).call("echo", 1))();
      const withDropped = threads();
      for (let i = 0; i < 100 && threads() > withKept; i++) {
        globalThis.gc();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      console.log(JSON.stringify({ added: withDropped - withKept, left: threads() - withKept, kept: kept.call("echo", "alive") }));
    `;
    const child = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", gcScript], { encoding: "utf8", timeout: 30_000 });
    expect(child.stderr).toBe("");
    expect(JSON.parse(child.stdout)).toEqual({ added: 1, left: 0, kept: "alive" });
  });

  it("the same from node --input-type=module -e (workers inherit the flag; the bootstrap is an ES module either way)", () => {
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000 });
    expect({ status: child.status, signal: child.signal, stdout: child.stdout.trim(), stderr: child.stderr }).toEqual(expected);
  });
});
