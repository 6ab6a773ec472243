/**
 * Child process of lock-takeover.test.ts, run with plain node against the BUILT lock
 * (dist/src/state). Two roles:
 *
 * - `node lock-race-worker.mjs hold DIR`: takes the writer lock of DIR, prints `held`, and keeps
 *   it until the test SIGKILLs it, leaving the lock of a dead owner behind (a writer killed
 *   mid-save).
 * - `node lock-race-worker.mjs serve`: a long-lived writer driven over IPC. For each message
 *   `{ dir, id, holdMs }` it takes the lock, proves it is alone (creates `inside` with O_EXCL),
 *   appends `id` to `ledger.json` with a read-modify-write that lasts `holdMs`, releases, and
 *   answers `{ id, ok, overlap, error? }` only after the lock is released: an acknowledged write.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { StateLock, writeFileAtomicSync } from "../../dist/src/state/index.js";

const [role, holdDir] = process.argv.slice(2);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One locked read-modify-write of the ledger. */
async function appendUnderLock({ dir, id, holdMs }) {
  const lock = await StateLock.acquire(dir, `worker ${id}`, { timeoutMs: 30_000, pollMs: 5 });
  let overlap = false;
  const inside = path.join(dir, "inside");
  try {
    try {
      fs.closeSync(fs.openSync(inside, "wx"));
    } catch {
      overlap = true; // another process believes it holds the lock right now
    }
    const ledgerFile = path.join(dir, "ledger.json");
    const ledger = fs.existsSync(ledgerFile) ? JSON.parse(fs.readFileSync(ledgerFile, "utf8")) : [];
    await sleep(holdMs);
    ledger.push(id);
    writeFileAtomicSync(ledgerFile, JSON.stringify(ledger));
    if (!overlap) fs.rmSync(inside, { force: true });
  } finally {
    lock.release();
  }
  return { id, ok: true, overlap };
}

if (role === "hold") {
  await StateLock.acquire(holdDir, "memplane step (to be killed)", { timeoutMs: 30_000 });
  process.stdout.write("held\n");
  setInterval(() => {}, 60_000);
} else if (role === "serve") {
  process.on("message", (job) => {
    appendUnderLock(job).then(
      (answer) => process.send(answer),
      (err) => process.send({ id: job.id, ok: false, overlap: false, error: String(err?.message ?? err) }),
    );
  });
  process.on("disconnect", () => process.exit(0));
  process.send({ ready: true });
} else {
  console.error(`usage: lock-race-worker.mjs hold DIR | serve (got ${role})`);
  process.exit(2);
}
