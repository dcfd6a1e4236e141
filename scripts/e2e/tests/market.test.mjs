// The inference market on a --dev node, through polkadot.js: the digits model
// is whitelisted at genesis and served by Alice; Charlie submits a task and
// pays; the scheduler assigns it to Alice; Alice's answer (the committed proof
// of that input, `pallets/model-registry/src/fixtures`) is verified by the
// runtime and the fee is split 80/20 with Bob, the developer; a wrong output
// slashes half of Alice's bond. Every balance is checked.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { connect, devKey, signAndFinalize } from '../lib/chain.mjs';
import { DaifiNode, sleep } from '../lib/node.mjs';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '../../../pallets/model-registry/src/fixtures');
const io = readFileSync(resolve(fixtures, 'mlp_64_32_10.io'));
const values = Array.from({ length: io.length / 8 }, (_, i) => io.readBigInt64LE(i * 8));
const INPUT = values.slice(0, 64);
const OUTPUT = values.slice(64);
const PROOF = `0x${readFileSync(resolve(fixtures, 'mlp_64_32_10.proof')).toString('hex')}`;
const MODEL = `0x${readFileSync(resolve(fixtures, 'mlp_64_32_10.hash')).toString('hex')}`;

let node;
let api;

before(async () => {
  node = await DaifiNode.create('market', ['--dev']);
  await node.start();
  api = await connect(node.wsUrl);
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

/** Total (free + reserved/held) balance of `address` at block `at`. */
async function total(address, at) {
  const { data } = await (await api.at(at)).query.system.account(address);
  return data.free.toBigInt() + data.reserved.toBigInt();
}

/** Waits until task `id` is assigned; returns the provider. */
async function assignee(id) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const task = (await api.query.tasks.tasks(id)).unwrap();
    if (task.status.isAssigned) return task.status.asAssigned.provider.toString();
    assert.ok(Date.now() < deadline, `task ${id} assigned within 30 s`);
    await sleep(1_000);
  }
}

test('a task paid in DAi is assigned, verified on chain and settled 80/20', async () => {
  const [charlie, alice, bob] = ['Charlie', 'Alice', 'Bob'].map(devKey);
  const model = (await api.query.modelRegistry.models(MODEL)).unwrap();
  const price = model.price.toBigInt();
  const head = (await api.rpc.chain.getFinalizedHead()).toHex();
  const before = {
    charlie: await total(charlie.address, head),
    alice: await total(alice.address, head),
    bob: await total(bob.address, head),
  };

  const id = (await api.query.tasks.nextTaskId()).toNumber();
  const submitted = await signAndFinalize(api, api.tx.tasks.submitTask(MODEL, INPUT, 'Zk', 2n * price, 'Dai'), charlie);
  assert.equal(submitted.error, null);
  assert.equal(await assignee(id), alice.address);

  const answered = await signAndFinalize(api, api.tx.tasks.submitResult(id, OUTPUT, PROOF), alice);
  assert.equal(answered.error, null);
  const completed = answered.events.find(({ event }) => api.events.tasks.TaskCompleted.is(event));
  assert.ok(completed, 'TaskCompleted emitted');
  const { executorPaid, developerPaid, refunded } = completed.event.data;
  assert.equal(executorPaid.toBigInt(), price * 8n / 10n);
  assert.equal(developerPaid.toBigInt(), price - price * 8n / 10n);
  assert.equal(refunded.toBigInt(), price);

  const result = (await api.call.tasksApi.result(id)).unwrap();
  assert.deepEqual(result.output.map((v) => v.toBigInt()), OUTPUT);

  const at = answered.finalized;
  assert.equal(await total(charlie.address, at), before.charlie - submitted.fee - price);
  assert.equal(await total(alice.address, at), before.alice - answered.fee + price * 8n / 10n);
  assert.equal(await total(bob.address, at), before.bob + price - price * 8n / 10n);
});

test('a wrong output is rejected and slashes half the bond; a second answer is refused', async () => {
  const [charlie, alice] = ['Charlie', 'Alice'].map(devKey);
  const model = (await api.query.modelRegistry.models(MODEL)).unwrap();
  const id = (await api.query.tasks.nextTaskId()).toNumber();
  await signAndFinalize(api, api.tx.tasks.submitTask(MODEL, INPUT, 'Zk', model.price, 'Dai'), charlie);
  await assignee(id);
  const bond = (await api.call.computeStakingApi.standing(alice.address)).unwrap().active.toBigInt();

  const wrong = [...OUTPUT];
  wrong[0] += 1n;
  const rejected = await signAndFinalize(api, api.tx.tasks.submitResult(id, wrong, PROOF), alice);
  assert.equal(rejected.error, null, 'the rejection is a successful call (it slashes)');
  assert.ok(rejected.events.some(({ event }) => api.events.tasks.ResultRejected.is(event)));
  const standing = (await api.call.computeStakingApi.standing(alice.address)).unwrap();
  assert.equal(standing.active.toBigInt(), bond - bond / 2n);
  assert.equal(standing.record.failed.toNumber(), 1);

  const again = await signAndFinalize(api, api.tx.tasks.submitResult(id, OUTPUT, PROOF), alice);
  assert.equal(again.error, 'tasks.NotAssignedProvider');
});
