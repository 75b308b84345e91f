// BullMQ, unchanged, against a pyengine server: a Queue and a Worker over
// 100 jobs, one of them delayed and one failing on its first attempt and
// retried. Every job must complete exactly once.
//
// Run by tests/integration/test_node_bullmq.py, which starts the server
// and passes its port in PYENGINE_PORT (npm ci in this folder first).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Queue, Worker, QueueEvents } from "bullmq";

const port = Number(process.env.PYENGINE_PORT || 6379);
const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null };

test("100 jobs with a delayed one and a retried one complete exactly once", { timeout: 90000 }, async () => {
  const name = "pyengine-test-" + Date.now();
  const queue = new Queue(name, { connection });
  await queue.waitUntilReady();

  const done = new Map();          // job id -> times completed
  const attempts = new Map();      // job id -> times processed
  let failedOnce = 0;

  const allDone = new Promise((resolve, reject) => {
    const worker = new Worker(name, async (job) => {
      attempts.set(job.id, (attempts.get(job.id) || 0) + 1);
      if (job.data.failFirst && job.attemptsMade === 0) {
        failedOnce++;
        throw new Error("first attempt fails");
      }
      return job.data.n * 2;
    }, { connection, concurrency: 4 });
    worker.on("completed", (job, result) => {
      assert.equal(result, job.data.n * 2);
      done.set(job.id, (done.get(job.id) || 0) + 1);
      if (done.size === 100) resolve(worker);
    });
    worker.on("error", reject);
  });

  const jobs = [];
  for (let n = 0; n < 100; n++) {
    const opts = { jobId: "job-" + n, removeOnComplete: false };
    const data = { n };
    if (n === 7) opts.delay = 500;
    if (n === 13) {
      data.failFirst = true;
      opts.attempts = 3;
      opts.backoff = { type: "fixed", delay: 50 };
    }
    jobs.push({ name: "work", data, opts });
  }
  // half one by one, half in bulk
  for (const j of jobs.slice(0, 50)) await queue.add(j.name, j.data, j.opts);
  await queue.addBulk(jobs.slice(50));

  const worker = await allDone;
  await new Promise((r) => setTimeout(r, 300));   // late duplicates would show up here
  for (const [id, times] of done) assert.equal(times, 1, `job ${id} completed ${times} times`);
  assert.equal(done.size, 100);
  assert.equal(failedOnce, 1);
  assert.equal(attempts.get("job-13"), 2);
  const delayed = await queue.getJob("job-7");
  assert.ok(delayed.processedOn - delayed.timestamp >= 450, "the delayed job waited");
  const counts = await queue.getJobCounts("completed", "failed", "waiting", "delayed", "active");
  // BullMQ counts "waiting" as the wait and paused lists, and reports both
  assert.deepEqual(counts, { completed: 100, failed: 0, waiting: 0, paused: 0, delayed: 0, active: 0 });

  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
});
