// The inference market on a --dev node, through polkadot.js: the digits model
// is whitelisted at genesis and served by Alice; Charlie submits a task and
// pays; the scheduler assigns it to Alice; Alice's answer, signed by her
// compute key `//Alice//compute` and proven for this task and provider
// (`daifi-zk prove --binding`), is verified by the runtime; 10% of the fee is
// burned and the rest split 80/20 with Bob, the developer. A proof made for
// another task is rejected and slashes half of Alice's bond. Every balance
// is checked.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { compactToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsHex } from '@polkadot/util-crypto';

import { connect, devKey, feeSplit as split, signAndFinalize, taskBinding } from '../lib/chain.mjs';
import { DaifiNode, NODE_BINARY, sleep, tempDir } from '../lib/node.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const fixtures = resolve(root, 'pallets/model-registry/src/fixtures');
const DAIFI_ZK = resolve(dirname(NODE_BINARY), 'daifi-zk');
const io = readFileSync(resolve(fixtures, 'mlp_64_32_10.io'));
const values = Array.from({ length: io.length / 8 }, (_, i) => io.readBigInt64LE(i * 8));
const INPUT = values.slice(0, 64);
const OUTPUT = values.slice(64);
// What a result names: blake2-256 of the SCALE-encoded input it was proven on.
// (the fixture stores the input as 64 little-endian i64s: a compact length makes it SCALE).
const INPUT_HASH = blake2AsHex(u8aConcat(compactToU8a(INPUT.length), io.subarray(0, INPUT.length * 8)), 256);
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

/**
 * Alice's proof for task `id`: the digits model on INPUT with the development
 * ceremony's proving key, bound to (id, Alice). Returns the proof's hex.
 */
function prove(id, provider) {
  const dir = tempDir('daifi-prove-');
  const input = resolve(dir, 'input.json');
  writeFileSync(input, JSON.stringify({ input: INPUT.map((x) => Number(x) / 256) }));
  const out = resolve(dir, 'proof.json');
  const result = spawnSync(DAIFI_ZK, ['prove', resolve(root, 'zk-circuits/models/mlp_64_32_10.onnx'),
    '--key', resolve(root, 'chain-spec/dev-ceremony/mlp_64_32_10.pk'), '--input', input, '--out', out,
    '--binding', u8aToHex(taskBinding(id, provider))], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const proof = JSON.parse(readFileSync(out, 'utf8'));
  assert.deepEqual(proof.output.map(BigInt), OUTPUT, 'the committed output of that input');
  return `0x${proof.proof}`;
}

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

test('a task paid in DAi is assigned, verified on chain, 10% burned and the rest settled 80/20', async () => {
  const [charlie, alice, bob, compute] = ['Charlie', 'Alice', 'Bob', 'Alice//compute'].map(devKey);
  const model = (await api.query.modelRegistry.models(MODEL)).unwrap();
  const price = model.price.toBigInt();
  const head = (await api.rpc.chain.getFinalizedHead()).toHex();
  const before = {
    charlie: await total(charlie.address, head),
    alice: await total(alice.address, head),
    bob: await total(bob.address, head),
    compute: await total(compute.address, head),
    issuance: (await (await api.at(head)).query.balances.totalIssuance()).toBigInt(),
  };

  const id = (await api.query.tasks.nextTaskId()).toNumber();
  const submitted = await signAndFinalize(api, api.tx.tasks.submitTask(MODEL, { Values: INPUT }, 'Zk', 2n * price, 'Dai'), charlie);
  assert.equal(submitted.error, null);
  assert.equal(await assignee(id), alice.address);

  const proof = prove(id, alice.address);
  // Only the compute key answers for Alice, not her bonded account.
  const byStash = await signAndFinalize(api, api.tx.tasks.submitResult(id, INPUT_HASH, OUTPUT, proof), alice);
  assert.equal(byStash.error, 'tasks.NotAComputeKey');
  const answered = await signAndFinalize(api, api.tx.tasks.submitResult(id, INPUT_HASH, OUTPUT, proof), compute);
  assert.equal(answered.error, null);
  const completed = answered.events.find(({ event }) => api.events.tasks.TaskCompleted.is(event));
  assert.ok(completed, 'TaskCompleted emitted');
  const { executorPaid, developerPaid, burned, refunded } = completed.event.data;
  const parts = split(price);
  assert.equal(executorPaid.toBigInt(), parts.executor);
  assert.equal(developerPaid.toBigInt(), parts.developer);
  assert.equal(burned.toBigInt(), parts.burned);
  assert.equal(refunded.toBigInt(), price);

  const result = (await api.call.tasksApi.result(id)).unwrap();
  assert.deepEqual(result.output.map((v) => v.toBigInt()), OUTPUT);
  // The task counts toward Alice's Proof-of-Compute reward for the era in
  // progress (the first: an era is an hour); the curve is read from the runtime API.
  assert.equal(result.counted.toBigInt(), parts.burned);
  const emission = await api.call.pocRewardsApi.emission();
  assert.equal(emission.era.toNumber(), 0);
  assert.equal(emission.current.toBigInt(), 1000n * 10n ** 12n, 'E0 = 1,000 DAi');
  assert.ok(emission.next.toBigInt() < emission.current.toBigInt(), 'the curve decays');
  const work = (await (await api.at(answered.finalized)).query.pocRewards.work(0, alice.address)).unwrap();
  assert.ok(work.tasks.toNumber() >= 1 && work.counted.toBigInt() >= parts.burned, 'the work is recorded');

  const at = answered.finalized;
  assert.equal(await total(charlie.address, at), before.charlie - submitted.fee - price);
  assert.equal(await total(alice.address, at), before.alice - byStash.fee + parts.executor);
  assert.equal(await total(bob.address, at), before.bob + parts.developer);
  assert.equal(await total(compute.address, at), before.compute - answered.fee);
  // Issuance fell by the burn and the transaction fees (burned too: no treasury yet).
  const issuance = (await (await api.at(at)).query.balances.totalIssuance()).toBigInt();
  assert.equal(issuance, before.issuance - parts.burned - submitted.fee - byStash.fee - answered.fee);
});

test('a proof replayed from another task is rejected and slashes half the bond; a second answer is refused', async () => {
  const [charlie, alice, compute] = ['Charlie', 'Alice', 'Alice//compute'].map(devKey);
  const model = (await api.query.modelRegistry.models(MODEL)).unwrap();
  const id = (await api.query.tasks.nextTaskId()).toNumber();
  await signAndFinalize(api, api.tx.tasks.submitTask(MODEL, { Values: INPUT }, 'Zk', model.price, 'Dai'), charlie);
  await assignee(id);
  const bond = (await api.call.computeStakingApi.standing(alice.address)).unwrap().active.toBigInt();

  // A valid proof of the same input and output, but made for the previous task.
  const replayed = prove(id - 1, alice.address);
  const rejected = await signAndFinalize(api, api.tx.tasks.submitResult(id, INPUT_HASH, OUTPUT, replayed), compute);
  assert.equal(rejected.error, null, 'the rejection is a successful call (it slashes)');
  assert.ok(rejected.events.some(({ event }) => api.events.tasks.ResultRejected.is(event)));
  const standing = (await api.call.computeStakingApi.standing(alice.address)).unwrap();
  assert.equal(standing.active.toBigInt(), bond - bond / 2n);
  assert.equal(standing.record.failed.toNumber(), 1);

  const again = await signAndFinalize(api, api.tx.tasks.submitResult(id, INPUT_HASH, OUTPUT, prove(id, alice.address)), compute);
  assert.equal(again.error, 'tasks.NotAssignedProvider');
});
