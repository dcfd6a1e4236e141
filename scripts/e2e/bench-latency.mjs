// Measures how soon a user holds a verified result, on the four-validator
// local testnet (the README's figure): Alice, Bob, Charlie and Dave as four
// processes on 127.0.0.1; Alice serves the digits model (scripts/dev-models.sh,
// her compute key inserted). Users (Charlie, Dave, Eve, Ferdie) submit digits
// tasks through Bob's node, one about every 0.9 s at random moments; for each
// task: when the block including it arrives, the fast path (Alice's node,
// `daifi_subscribeProvenResult`) verified here with the wasm verifier
// against the registered key, and the block that settles it on chain.
// Prints median and 95th percentile of submission to a locally verified
// result and to inclusion, and how many blocks after inclusion each task
// settled; fails if any fast-path result does not verify or differs from the
// settled one.
// Usage: node scripts/e2e/bench-latency.mjs [tasks (100)]

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { connect, devKey } from './lib/chain.mjs';
import { fastPathConnection, provenResult, verifyProven } from './lib/fastpath.mjs';
import { DaifiNode, NODE_BINARY, sleep } from './lib/node.mjs';
import { loadVerifier } from './lib/verifier.mjs';

const TASKS = Number(process.argv[2] ?? 100);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = resolve(root, 'pallets/model-registry/src/fixtures');
const MODEL = `0x${readFileSync(resolve(fixtures, 'mlp_64_32_10.hash')).toString('hex')}`;
const digits = JSON.parse(readFileSync(resolve(root, 'zk-circuits/models/digits_test.json'), 'utf8'));
const IMAGES = digits.inputs.map((image) => image.map((x) => Math.round(x * 256)));

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

const names = ['alice', 'bob', 'charlie', 'dave'];
const nodes = {};
for (const name of names) nodes[name] = await DaifiNode.create(name, ['--chain', 'local', `--${name}`]);
const models = resolve(nodes.alice.basePath, 'models');
spawnSync(resolve(root, 'scripts/dev-models.sh'), [models], { stdio: 'ignore' });
const inserted = spawnSync(NODE_BINARY, ['key', 'insert', '--chain', 'local', '--base-path', nodes.alice.basePath,
  '--key-type', 'dcmp', '--scheme', 'sr25519', '--suri', '//Alice//compute'], { encoding: 'utf8' });
assert.equal(inserted.status, 0, inserted.stderr);
await nodes.alice.start(['--compute-models', models]);
await Promise.all(names.slice(1).map((name) => nodes[name].start(['--bootnodes', nodes.alice.multiaddr])));

const api = await connect(nodes.bob.wsUrl);
const fastPath = await fastPathConnection(nodes.alice.wsUrl);
const verifier = await loadVerifier();
try {
  await nodes.alice.waitFor('block 3 finalized', (h) => h.finalized >= 3, 120_000);
  const model = (await api.query.modelRegistry.models(MODEL)).unwrap();
  // Wait until Alice's worker has the model ready (loaded and traced).
  for (let i = 0; i < 120; i += 1) {
    const state = (await nodes.alice.rpc('daifi_computeModels')).find((m) => m.model === MODEL);
    if (state?.state === 'ready') break;
    await sleep(1000);
  }

  const users = ['Charlie', 'Dave', 'Eve', 'Ferdie'].map(devKey);
  // Nonces counted here: a node asked between a block's import and its
  // pool's update may hand out one still in use.
  const nonces = await Promise.all(users.map(async (u) => (await api.rpc.system.accountNextIndex(u.address)).toNumber()));
  const runs = [];
  for (let k = 0; k < TASKS; k += 1) {
    const user = users[k % users.length];
    const nonce = nonces[k % users.length]++;
    const input = IMAGES[k % IMAGES.length];
    runs.push((async () => {
      const submittedAt = Date.now();
      // The latest block that includes the submission, as the user's
      // transaction subscription reports it (a re-org moves it to another
      // block, where the task may have another id and provider).
      let latest = null;
      const first = await new Promise((ok, fail) => {
        api.tx.tasks.submitTask(MODEL, { Values: input }, 'Zk', model.price, 'Dai')
          .signAndSend(user, { nonce }, ({ status, events, dispatchError }) => {
            if (dispatchError) {
              const meta = dispatchError.isModule ? api.registry.findMetaError(dispatchError.asModule) : null;
              fail(new Error(`task ${k}: ${meta ? `${meta.section}.${meta.name}` : dispatchError.toString()}\n`
                + nodes.alice.log.filter((line) => /task|daifi/.test(line)).slice(-15).join('\n')));
              return;
            }
            if (!status.isInBlock) return;
            const at = Date.now();
            const task = events.find(({ event }) => api.events.tasks.TaskSubmitted.is(event)).event.data.task.toNumber();
            (async () => {
              const assigned = (await (await api.at(status.asInBlock)).query.system.events())
                .find(({ event }) => api.events.tasks.TaskAssigned.is(event) && event.data.task.toNumber() === task);
              latest = { task, provider: assigned?.event.data.provider.toString() };
              ok({ id: task, includedAt: at, provider: latest.provider });
            })().catch(fail);
          }).catch(fail);
      });
      const { includedAt } = first;
      first.task = { task: first.id, provider: first.provider };
      assert.ok(first.provider, `task ${first.id} assigned in the block that included it`);
      const fast = await provenResult(fastPath, first.id, first.provider, {
        input,
        // The task where the submission now is, and its provider (assigned
        // in that block, or read from the chain if it was assigned later).
        follow: async () => {
          if (latest.provider) return latest;
          const task = await api.query.tasks.tasks(latest.task);
          const status = task.isSome ? task.unwrap().status : null;
          return status?.isAssigned ? { task: latest.task, provider: status.asAssigned.provider.toString() } : first.task;
        },
      });
      const { task: id, provider } = fast;
      const received = Date.now();
      assert.equal(verifyProven(verifier, model, id, provider, input, fast), 'Verified', `task ${id}`);
      const verified = Date.now();
      return {
        id, fast,
        inclusion: includedAt - submittedAt,
        proven: received - includedAt,
        check: verified - received,
        verified: verified - submittedAt,
      };
    })());
    await sleep(500 + Math.random() * 800);
  }
  const done = await Promise.all(runs);
  // Settlement as the canonical chain records it (a block seen by a
  // subscription may have lost a fork): blocks from the task's submission
  // block to its settlement block.
  const blocksAfter = [];
  for (const { id, fast } of done) {
    let result = await api.query.tasks.results(id);
    for (let waited = 0; result.isNone && waited < 60_000; waited += 500) {
      await sleep(500);
      result = await api.query.tasks.results(id);
    }
    if (result.isNone) {
      const task = await api.query.tasks.tasks(id);
      console.log(`task ${id} not settled: ${JSON.stringify(task.toHuman())}`);
      console.log(nodes.alice.log.filter((line) => line.includes(`task ${id}`)).join('\n'));
    }
    assert.ok(result.isSome, `task ${id} settled`);
    const { output, submittedAt, settledAt } = result.unwrap();
    assert.deepEqual(output.map((v) => v.toBigInt()), fast.output, `task ${id}: the settled output is the fast one`);
    const after = settledAt.toNumber() - submittedAt.toNumber();
    blocksAfter.push(after);
    if (after > 2) {
      console.log(`task ${id}: submitted in block ${submittedAt}, settled in ${settledAt}; Alice's node:`);
      console.log(nodes.alice.log.filter((line) => line.includes(`task ${id}:`) || line.includes('nonces')).join('\n'));
    }
  }
  const verified = done.map((d) => d.verified);
  const inclusion = done.map((d) => d.inclusion);
  const histogram = blocksAfter.reduce((h, b) => ({ ...h, [b]: (h[b] ?? 0) + 1 }), {});
  console.log(`${TASKS} tasks on four validators (submitted through Bob, served by Alice)`);
  console.log(`submission to a locally verified result: median ${percentile(verified, 50)} ms, 95th percentile ${percentile(verified, 95)} ms`);
  console.log(`submission to the including block at the user's node: median ${percentile(inclusion, 50)} ms, 95th percentile ${percentile(inclusion, 95)} ms`);
  const proven = done.map((d) => d.proven);
  const check = done.map((d) => d.check);
  const forked = done.filter((d) => d.fast.otherForks > 0).length;
  console.log(`  of which: including block seen to the proven result received from Alice's node (import at Alice, worker, proof): median ${percentile(proven, 50)} ms; the wasm verification: median ${percentile(check, 50)} ms`);
  console.log(`fast-path results first proven for another fork's task with the same id, or re-included elsewhere (then waited for): ${forked}`);
  console.log(`settled on chain, blocks after inclusion: ${JSON.stringify(histogram)} (95th percentile ${percentile(blocksAfter, 95)})`);
} finally {
  await fastPath.disconnect();
  await api.disconnect();
  await Promise.all(names.map((name) => nodes[name].stop()));
}
process.exit(0);
