// A --dev node that serves compute (scripts/dev-models.sh, Alice's compute key
// `//Alice//compute` in the keystore, --compute-models): polkadot.js submits 20
// digits test images at once; the node's off-chain worker runs them (tract),
// proves them (Groth16) and sends the results, each with its own nonce, all
// before their deadlines (no miss, no decline); the runtime verifies and
// settles them. Each verified output equals tract's output for that image
// within 0.1 (tract run by `daifi-zk infer`); every balance adds up. Prints the time from submission to the settled result (median and 95th
// percentile over 20 tasks) and the tasks settled per minute. Then the node is
// killed mid-task and the task is completed after the restart. Last, a model
// exported by PyTorch (a 28x28 MNIST MLP ending in Softmax, 784 inputs packed
// into the public inputs) gets its key by a fresh phase-2 ceremony on the
// chain's phase 1 (two contributions, closed with a finalized block hash as
// beacon); a key naming no transcript is refused; the model is whitelisted
// with an http:// URL; once it is in the provider's profile, the node's
// worker prepares it (fetches its ONNX file, proving key and transcript,
// traces the key to the recorded ceremony, keeps the files) and says so over
// `daifi_computeModels`; then a task on a 28x28 image is answered in time.
// Finally a two-step workflow: Charlie's verified digit scores are his Compute
// NFT (its certificate read and checked against the result), which he gives
// to Dave; his own follow-up with it is refused (tasks.NotCnftOwner); Dave's
// feeds it into a second whitelisted model (a calibration head) and gets a
// verified result, and its Compute NFT. Then a model developer's script
// (scripts/whitelist-model.sh) takes another ONNX file through the three
// chambers: compiled, its key from a phase 2 to which Alice (Compute) and
// Charlie (User) contribute on the proposal, proposed and amended with the
// final key; a non-member's vote, a second vote and a close with two
// chambers of three are refused; once every chamber approves, the script
// closes it, the model is whitelisted, Alice's node serves it and a task on
// it is proven, verified and settled.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { hexToU8a } from '@polkadot/util';
import { blake2AsHex } from '@polkadot/util-crypto';

import { connect, devKey, feeSplit as split, signAndFinalize } from '../lib/chain.mjs';
import { provenResult, verifyProven } from '../lib/fastpath.mjs';
import { loadVerifier } from '../lib/verifier.mjs';
import { DaifiNode, NODE_BINARY, sleep, tempDir } from '../lib/node.mjs';
import { writeSnapshot } from '../lib/snapshot.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const fixtures = resolve(root, 'pallets/model-registry/src/fixtures');
const io = readFileSync(resolve(fixtures, 'mlp_64_32_10.io'));
const values = Array.from({ length: io.length / 8 }, (_, i) => io.readBigInt64LE(i * 8));
const INPUT = values.slice(0, 64);
const MODEL = `0x${readFileSync(resolve(fixtures, 'mlp_64_32_10.hash')).toString('hex')}`;
const TASKS = 20;
const TOLERANCE = 0.1;
// The exported MNIST MLP ends in Softmax: its outputs are probabilities,
// within 0.03 of tract's (zk-circuits/daifi-zk/tests/exported_models.rs).
const TOLERANCE_28 = 0.03;
const ONNX = resolve(root, 'zk-circuits/models/mlp_64_32_10.onnx');
const DAIFI_ZK = resolve(dirname(NODE_BINARY), 'daifi-zk');
const digits = JSON.parse(readFileSync(resolve(root, 'zk-circuits/models/digits_test.json'), 'utf8'));
// 20 different test images, fixed-point with 8 fractional bits.
const IMAGES = digits.inputs.slice(0, TASKS).map((image) => image.map((x) => Math.round(x * 256)));

/** tract's float output of model file `onnx` for each fixed-point input. */
function tract(inputs, onnx = ONNX) {
  const result = spawnSync(DAIFI_ZK, ['infer', onnx], {
    input: inputs.map((i) => JSON.stringify(i)).join('\n'), encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim().split('\n').map((line) => JSON.parse(line));
}

let node;
let api;

function run(cmd, args) {
  const result = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(result.status, 0, `${cmd} ${args.join(' ')}: ${result.stderr}`);
}

/** Calls the node's JSON-RPC method `method` over HTTP (as `curl` would). */
async function rpc(method, params = []) {
  const response = await fetch(node.wsUrl.replace(/^ws/, 'http'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: 1, jsonrpc: '2.0', method, params }),
  });
  const { result, error } = await response.json();
  assert.equal(error, undefined, `${method}: ${JSON.stringify(error)}`);
  return result;
}

async function startApi() {
  api = await connect(node.wsUrl);
}

before(async () => {
  node = await DaifiNode.create('compute', ['--dev']);
  const models = resolve(node.basePath, 'models');
  run(resolve(root, 'scripts/dev-models.sh'), [models]);
  run(NODE_BINARY, ['key', 'insert', '--dev', '--base-path', node.basePath,
    '--key-type', 'dcmp', '--scheme', 'sr25519', '--suri', '//Alice//compute']);
  node.args.push('--compute-models', models);
  await node.start();
  await startApi();
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

/**
 * Submits `input` from `signer` with nonce `nonce`; resolves with its id, the
 * submission time, the including block's number and whom the block assigned
 * the task to (at its end), if anyone.
 */
function submit(signer, nonce, maxFee, input = INPUT, model = MODEL) {
  return new Promise((ok, fail) => {
    const submittedAt = Date.now();
    api.tx.tasks.submitTask(model, { Values: input }, 'Zk', maxFee, 'Dai')
      .signAndSend(signer, { nonce }, ({ status, events, dispatchError }) => {
        if (dispatchError) {
          fail(new Error(`submit failed: ${dispatchError.toString()}`));
          return;
        }
        if (!status.isInBlock) return;
        const id = events.find(({ event }) => api.events.tasks.TaskSubmitted.is(event)).event.data.task.toNumber();
        (async () => {
          const at = await api.at(status.asInBlock);
          const block = (await api.rpc.chain.getHeader(status.asInBlock)).number.toNumber();
          const assignment = (await at.query.system.events())
            .find(({ event }) => api.events.tasks.TaskAssigned.is(event) && event.data.task.toNumber() === id);
          ok({ id, submittedAt, block, assigned: assignment?.event.data.provider.toString() });
        })().catch(fail);
      }).catch(fail);
  });
}

/**
 * Follows new blocks until every id in `ids` has a TaskCompleted; returns id ->
 * {at, block, event}. Fails if any of them misses a deadline or is declined.
 */
async function completions(ids, timeoutMs) {
  const done = new Map();
  const troubles = [];
  // A task settles one block after the block that includes it: it may have
  // settled before this is called (then `at` is now, an upper bound).
  for (const id of ids) {
    const result = await api.query.tasks.results(id);
    if (result.isNone) continue;
    const block = result.unwrap().settledAt.toNumber();
    const events = await (await api.at(await api.rpc.chain.getBlockHash(block))).query.system.events();
    const { event } = events.find(({ event: e }) => api.events.tasks.TaskCompleted.is(e) && e.data.task.toNumber() === id);
    done.set(id, { at: Date.now(), block, event });
  }
  const unsub = await api.rpc.chain.subscribeNewHeads(async (header) => {
    const at = await api.at(header.hash);
    for (const { event } of await at.query.system.events()) {
      const { DeadlineMissed, TaskCompleted, TaskDeclined } = api.events.tasks;
      if (!event.data.task || !ids.includes(event.data.task.toNumber())) continue;
      const id = event.data.task.toNumber();
      if (TaskCompleted.is(event) && !done.has(id)) done.set(id, { at: Date.now(), block: header.number.toNumber(), event });
      if (DeadlineMissed.is(event) || TaskDeclined.is(event)) troubles.push(`${event.method} for task ${id}`);
    }
  });
  const deadline = Date.now() + timeoutMs;
  while (done.size < ids.length && Date.now() < deadline) await sleep(250);
  unsub();
  assert.deepEqual(troubles, [], 'every task answered before its deadline');
  assert.equal(done.size, ids.length, `${ids.length} tasks completed within ${timeoutMs / 1000} s`);
  return done;
}

test('the worker answers 20 tasks at once before their deadlines; each verified output is tract\'s', async () => {
  // Two users, ten tasks each (an account may have 16 open at once).
  const [ferdie, dave, alice, bob] = ['Ferdie', 'Dave', 'Alice', 'Bob'].map(devKey);
  const users = [ferdie, dave];
  const price = (await api.query.modelRegistry.models(MODEL)).unwrap().price.toBigInt();
  const start = (await api.rpc.chain.getHeader()).hash;
  const total = async (who, at) => {
    const { data } = await (await api.at(at)).query.system.account(who.address);
    return data.free.toBigInt() + data.reserved.toBigInt();
  };
  const before = { users: [await total(ferdie, start), await total(dave, start)], bob: await total(bob, start) };

  const nonces = await Promise.all(users.map(async (u) => (await api.rpc.system.accountNextIndex(u.address)).toNumber()));
  const firstAt = Date.now();
  const submitted = await Promise.all(IMAGES.map((image, n) => {
    const u = n % 2;
    return submit(users[u], nonces[u]++, price, image);
  }));
  const ids = submitted.map((s) => s.id);
  const done = await completions(ids, 240_000);
  const minutes = (Math.max(...[...done.values()].map((d) => d.at)) - firstAt) / 60_000;

  const latencies = submitted.map((s) => (done.get(s.id).at - s.submittedAt) / 1000).sort((a, b) => a - b);
  const median = latencies[Math.floor(latencies.length / 2)];
  const p95 = latencies[Math.ceil(latencies.length * 0.95) - 1];
  console.log(`# submission to verified result: median ${median.toFixed(1)} s, 95th percentile ${p95.toFixed(1)} s `
    + `(${TASKS} tasks); ${(TASKS / minutes).toFixed(1)} tasks settled per minute by one node`);

  const expected = tract(IMAGES);
  const model = (await api.query.modelRegistry.models(MODEL)).unwrap();
  const outScale = 2 ** model.outputFracBits.toNumber();
  for (const [n, id] of ids.entries()) {
    const result = (await api.query.tasks.results(id)).unwrap();
    const output = result.output.map((v) => Number(v.toBigInt()) / outScale);
    assert.equal(output.length, expected[n].length);
    output.forEach((y, k) => assert.ok(Math.abs(y - expected[n][k]) <= TOLERANCE,
      `task ${id}, logit ${k}: chain ${y}, tract ${expected[n][k]}`));
    assert.equal(result.provider.toString(), alice.address);
    assert.equal(result.executorPaid.toBigInt(), split(price).executor);
  }
  // The users paid exactly the price and the submission fees; Bob got the developer's share of each.
  const last = (await api.rpc.chain.getHeader()).hash;
  const lastBlock = Math.max(...[...done.values()].map((d) => d.block));

  // The worker proved the tasks of each run together and sent their results
  // together: their proofs were verified together on chain (submitResults).
  const together = [];
  let alone = 0;
  for (let n = Math.min(...submitted.map((s) => s.block)); n <= lastBlock; n += 1) {
    const block = await api.rpc.chain.getBlock(await api.rpc.chain.getBlockHash(n));
    for (const { method } of block.block.extrinsics) {
      if (method.section !== 'tasks') continue;
      if (method.method === 'submitResults') together.push(method.args[1].length);
      if (method.method === 'submitResult') alone += 1;
    }
  }
  console.log(`# results sent: ${together.join(' + ') || 'none'} together (submitResults), ${alone} alone`);
  assert.ok(together.some((count) => count >= 2), 'results of one run were sent and verified together');
  assert.ok(together.reduce((a, b) => a + b, 0) + alone >= TASKS, 'every result sent');
  const settledAt = await api.rpc.chain.getBlockHash(lastBlock);
  assert.equal(await total(bob, settledAt), before.bob + BigInt(TASKS) * split(price).developer);
  for (const [u, who] of users.entries()) {
    const now = await total(who, last);
    const paid = BigInt(TASKS / 2) * price;
    assert.ok(now <= before.users[u] - paid, 'each user paid the price of each of its tasks');
    const fees = before.users[u] - paid - now;
    assert.ok(fees > 0n && fees < BigInt(TASKS) * 10n ** 12n, 'besides the price only transaction fees');
  }
});

test('killed mid-task, the worker answers the task after a restart', async () => {
  const user = devKey('Eve');
  const price = (await api.query.modelRegistry.models(MODEL)).unwrap().price.toBigInt();
  const nonce = (await api.rpc.system.accountNextIndex(user.address)).toNumber();
  const { id } = await submit(user, nonce, price);
  await node.kill();
  await api.disconnect();
  await node.start();
  await startApi();
  const done = await completions([id], 120_000);
  const event = done.get(id).event;
  assert.equal(event.data.executorPaid.toBigInt(), split(price).executor);
});

test('the fast path: the provider\'s result, verified in JavaScript before the chain settles it, is the settled one', async () => {
  const [alice, charlie] = ['Alice', 'Charlie'].map(devKey);
  const verifier = await loadVerifier();
  const model = (await api.query.modelRegistry.models(MODEL)).unwrap();
  const input = IMAGES[5];
  const nonce = (await api.rpc.system.accountNextIndex(charlie.address)).toNumber();
  const { id, submittedAt, block: included, assigned } = await submit(charlie, nonce, model.price.toBigInt(), input);
  // Assigned at the end of the block that included it.
  assert.equal(assigned, alice.address, 'assigned in the including block');
  const fast = await provenResult(node.wsUrl, id, alice.address, { input });
  assert.deepEqual(fast.input, input.map(BigInt), 'proven on the submitted input');
  assert.equal(verifyProven(verifier, model, id, alice.address, input, fast), 'Verified');
  const verifiedIn = Date.now() - submittedAt;

  // What the wasm verifier refuses: an altered output, an altered proof,
  // the proof presented for another task, or as another provider's.
  const altered = { ...fast, output: fast.output.map((v, k) => (k === 0 ? v + 1n : v)) };
  assert.equal(verifyProven(verifier, model, id, alice.address, input, altered), 'InvalidProof');
  const proof = hexToU8a(fast.proof);
  proof[40] ^= 1;
  assert.ok(['InvalidProof', 'MalformedProof'].includes(verifyProven(verifier, model, id, alice.address, input, { ...fast, proof })));
  assert.equal(verifyProven(verifier, model, id + 1, alice.address, input, fast), 'InvalidProof');
  assert.equal(verifyProven(verifier, model, id, charlie.address, input, fast), 'InvalidProof');

  const done = await completions([id], 60_000);
  const settled = (await api.query.tasks.results(id)).unwrap();
  assert.deepEqual(settled.output.map((v) => v.toBigInt()), fast.output, 'the settled output is the fast one');
  assert.ok(done.get(id).block - included <= 2, `settled ${done.get(id).block - included} blocks after inclusion`);
  console.log(`# fast path: included in block ${included}, verified locally ${verifiedIn} ms after submission, settled in block ${done.get(id).block} (${done.get(id).at - submittedAt} ms)`);
});

test('a provider that serves a fast-path result but never settles it misses its deadline, is slashed and loses the task', async () => {
  const [alice, charlie, ferdie, compute] = ['Alice', 'Charlie', 'Ferdie', 'Alice//compute'].map(devKey);
  const model = (await api.query.modelRegistry.models(MODEL)).unwrap();
  const verifier = await loadVerifier();
  // Alice's compute key cannot pay for its result transaction any more (all
  // but the existential deposit moved away; the account stays, with its
  // nonce): her node proves and serves the result, the chain never gets it.
  const drained = await signAndFinalize(api, api.tx.balances.transferAll(ferdie.address, true), compute);
  assert.equal(drained.error, null);
  const input = IMAGES[7];
  const nonce = (await api.rpc.system.accountNextIndex(charlie.address)).toNumber();
  const { id, assigned } = await submit(charlie, nonce, model.price.toBigInt(), input);
  assert.equal(assigned, alice.address);
  const fast = await provenResult(node.wsUrl, id, alice.address, { input });
  assert.equal(verifyProven(verifier, model, id, alice.address, input, fast), 'Verified', 'served and valid');
  // The deadline (15 blocks) passes: DeadlineMissed, with a slash.
  const missed = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no DeadlineMissed for task ${id} within 90 s`)), 90_000);
    api.query.system.events((events) => {
      const found = events.find(({ event }) => api.events.tasks.DeadlineMissed.is(event) && event.data.task.toNumber() === id);
      if (found) { clearTimeout(timer); ok(found.event); }
    }).catch(fail);
  });
  assert.equal(missed.data.provider.toString(), alice.address);
  assert.ok(missed.data.slashed.toBigInt() > 0n, 'the provider is slashed');
  assert.ok((await api.query.tasks.results(id)).isNone, 'nothing settled');
  // The task waits in the queue for a provider that has not failed it
  // (refunded in full after five minutes if none comes): Alice is not given
  // it again.
  const task = (await api.query.tasks.tasks(id)).unwrap();
  assert.ok(task.status.isQueued, `task ${id} queued again, not ${task.status.type}`);
  assert.deepEqual(task.failed.map((p) => p.toString()), [alice.address], 'Alice recorded as having failed it');
  // Funded again for the tests that follow.
  const funded = await signAndFinalize(api, api.tx.balances.transferKeepAlive(compute.address, 1_000n * 10n ** 12n), ferdie);
  assert.equal(funded.error, null);
});

/**
 * Whitelists `zk-circuits/models/<name>` as a model developer (Bob) would and
 * has Alice serve it: phase 2 on the chain's phase 1 (derived, two
 * contributions, then the hash of the latest finalized block as beacon),
 * the files published over http, the model registered (sudo) with what
 * `daifi-zk compile` prints, added to Alice's profile. Resolves once her
 * node's worker has prepared it (fetched its ONNX file, proving key and
 * transcript, traced the key), with the model's hash, the registered values,
 * the paths the node fetched and the seconds preparing took. The node
 * checks the ceremony itself (it traces the key), so `daifi-zk phase2 verify`
 * is not run here. With `refuseUnnamed`, first shows that a key naming no
 * transcript is refused.
 */
async function whitelist(name, { inputShape, outputShape, flops, price, refuseUnnamed = false }) {
  const alice = devKey('Alice');
  const published = tempDir('daifi-published-');
  const onnx = resolve(root, 'zk-circuits/models', name);
  const phase1File = resolve(root, 'chain-spec/dev-ceremony/phase1.bin');
  const at = (file) => resolve(published, file);
  const transcriptFile = at(`${name}.transcript`);
  run(DAIFI_ZK, ['phase2', 'start', onnx, '--phase1', phase1File, '--key-out', at('k0'), '--transcript', transcriptFile]);
  for (const i of [1, 2]) {
    run(DAIFI_ZK, ['phase2', 'contribute', '--key', at(`k${i - 1}`), '--transcript', transcriptFile, '--key-out', at(`k${i}`)]);
  }
  const beacon = (await api.rpc.chain.getFinalizedHead()).toHex().slice(2);
  run(DAIFI_ZK, ['phase2', 'beacon', '--key', at('k2'), '--transcript', transcriptFile, '--beacon', beacon,
    '--iterations-log2', '10', '--key-out', at(`${name}.pk`), '--verifying-key', at('verifying.key')]);
  copyFileSync(onnx, at(name));
  const phase1 = `0x${readFileSync(resolve(fixtures, 'phase1.hash')).toString('hex')}`;
  assert.ok((await api.query.modelRegistry.phase1Results(phase1)).isSome, 'the chain recorded the phase 1');
  const transcript = blake2AsHex(readFileSync(transcriptFile), 256);
  // What to register, as `daifi-zk compile` prints it.
  const compiled = spawnSync(DAIFI_ZK, ['compile', onnx], { encoding: 'utf8' });
  assert.equal(compiled.status, 0, compiled.stderr);
  const field = (label) => Number(new RegExp(`${label} (-?\\d+)`).exec(compiled.stdout)[1]);
  const { server, requests, url } = await publish(published);
  try {
    const bytes = readFileSync(onnx);
    const model = blake2AsHex(bytes, 256);
    const fields = Object.fromEntries(['inputFracBits', 'outputFracBits', 'outputBits', 'inputMin', 'inputMax']
      .map((label) => [label, field(label)]));
    const record = (transcriptHash) => ({
      size: bytes.length,
      verifyingKey: `0x${readFileSync(at('verifying.key')).toString('hex')}`,
      phase1,
      transcript: transcriptHash,
      inputShape,
      outputShape,
      ...fields,
      flops,
      minVramMib: 0,
      developer: devKey('Bob').address,
      price,
      url: `${url}/${name}`,
      retired: false,
    });
    if (refuseUnnamed) {
      const unnamed = await signAndFinalize(api,
        api.tx.sudo.sudo(api.tx.modelRegistry.registerModel(model, record(`0x${'00'.repeat(32)}`))), alice);
      const sudid = unnamed.events.find(({ event }) => api.events.sudo.Sudid.is(event));
      const error = api.registry.findMetaError(sudid.event.data.sudoResult.asErr.asModule);
      assert.equal(`${error.section}.${error.name}`, 'modelRegistry.MissingTranscript');
      assert.ok((await api.query.modelRegistry.models(model)).isNone);
    }

    const register = api.tx.sudo.sudo(api.tx.modelRegistry.registerModel(model, record(transcript)));
    const registered = await signAndFinalize(api, register, alice);
    assert.ok(registered.events.some(({ event }) => api.events.modelRegistry.ModelRegistered.is(event)),
      `${name} is whitelisted`);

    const preparedIn = await serve(model, name);
    return { model, fields, requests, preparedIn };
  } finally {
    server.close();
  }
}

/**
 * Alice adds whitelisted `model` to her profile; her model directory does not
 * have it, so her worker prepares it (fetch, compile, trace the key) before
 * any task. Resolves with the seconds preparing took.
 */
async function serve(model, name) {
  const alice = devKey('Alice');
  const models = resolve(node.basePath, 'models');
  assert.ok(!existsSync(resolve(models, `${model.slice(2)}.onnx`)));
  const profile = (await api.query.computeStaking.providers(alice.address)).unwrap().profile.toJSON();
  profile.models.push(model);
  const updated = await signAndFinalize(api, api.tx.computeStaking.updateProfile(profile), alice);
  assert.equal(updated.error, null);
  const preparedAt = Date.now();
  let state;
  while (Date.now() - preparedAt < 300_000) {
    state = (await rpc('daifi_computeModels')).find((m) => m.model === model);
    if (state?.state === 'ready' || state?.state === 'failed') break;
    await sleep(1000);
  }
  assert.equal(state?.state, 'ready', `the node prepared ${name}: ${JSON.stringify(state)}`);
  return (Date.now() - preparedAt) / 1000;
}

/** Serves the files of `dir` over http on a free local port; resolves with the server and the paths asked for. */
async function publish(dir) {
  const requests = [];
  const server = createServer((req, res) => {
    requests.push(req.url);
    const file = resolve(dir, req.url.slice(1));
    if (!existsSync(file)) { res.writeHead(404).end(); return; }
    res.writeHead(200).end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, requests, url: `http://127.0.0.1:${server.address().port}` };
}

/** Runs scripts/whitelist-model.sh with `args` (without blocking the event loop); resolves with its output. */
function whitelistScript(args) {
  return new Promise((ok, fail) => {
    const child = spawn(resolve(root, 'scripts/whitelist-model.sh'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', fail);
    child.on('close', (status) => ok({ status, stdout, stderr }));
  });
}

test('an exported 28x28 model whose key comes from a fresh ceremony is whitelisted by URL, prepared and served', async () => {
  const user = devKey('Charlie');
  const name = 'torch_mlp_784.onnx';
  const onnx = resolve(root, 'zk-circuits/models', name);
  const price = 10_000_000_000n;
  const { model, fields, requests, preparedIn } = await whitelist(name, {
    inputShape: [1, 1, 28, 28], outputShape: [1, 10], flops: 2 * (784 * 32 + 32 * 10), price, refuseUnnamed: true,
  });
  console.log(`# the 28x28 model was fetched, compiled and its key traced ${preparedIn.toFixed(0)} s after the profile update`);
  assert.deepEqual(requests.sort(), [`/${name}`, `/${name}.pk`, `/${name}.transcript`]);
  const models = resolve(node.basePath, 'models');
  const hex = model.slice(2);
  for (const kept of [`${hex}.onnx`, `${hex}.pk`, `${hex}.transcript`, `${hex}.traced`]) {
    assert.ok(existsSync(resolve(models, kept)), `${kept} is kept in the model directory`);
  }

  // A 28x28 image (the first of the exported models' test set), 8 fractional bits.
  const mnist = JSON.parse(readFileSync(resolve(root, 'zk-circuits/models/mnist_like_test.json'), 'utf8'));
  const image = Array.from(Buffer.from(mnist.images[0], 'hex'), (b) => Math.round((b / 255) * 2 ** fields.inputFracBits));
  const nonce = (await api.rpc.system.accountNextIndex(user.address)).toNumber();
  const { id } = await submit(user, nonce, price, image, model);
  await completions([id], 60_000);
  const [expected] = tract([image], onnx);
  const result = (await api.query.tasks.results(id)).unwrap();
  const output = result.output.map((v) => Number(v.toBigInt()) / 2 ** fields.outputFracBits);
  output.forEach((y, k) => assert.ok(Math.abs(y - expected[k]) <= TOLERANCE_28,
    `probability ${k}: chain ${y}, tract ${expected[k]}`));
  assert.equal(result.developerPaid.toBigInt(), split(price).developer);
});

test('a verified result is a Compute NFT its owner reads, transfers and feeds into a second model', async () => {
  const [alice, charlie, dave] = ['Alice', 'Charlie', 'Dave'].map(devKey);
  // Charlie classifies a digit; the settled task mints him its Compute NFT.
  const price = (await api.query.modelRegistry.models(MODEL)).unwrap().price.toBigInt();
  const nonce = (await api.rpc.system.accountNextIndex(charlie.address)).toNumber();
  const { id } = await submit(charlie, nonce, price, IMAGES[3]);
  const done = await completions([id], 60_000);
  const result = (await api.query.tasks.results(id)).unwrap();
  const collection = (await api.query.cnft.collectionId()).unwrap();
  assert.equal((await api.query.nfts.item(collection, id)).unwrap().owner.toString(), charlie.address);
  const certificate = (await api.query.cnft.certificates(id)).unwrap();
  assert.equal(certificate.task.toNumber(), id);
  assert.equal(certificate.model.toHex(), MODEL);
  assert.equal(certificate.inputHash.toHex(), blake2AsHex(api.createType('Vec<i64>', IMAGES[3]).toU8a(), 256));
  assert.equal(certificate.outputHash.toHex(), result.outputHash.toHex());
  assert.deepEqual(certificate.output.toJSON(), result.output.toJSON());
  assert.equal(certificate.flops.toBigInt(), result.flops.toBigInt());
  assert.equal(certificate.block.toNumber(), done.get(id).block);
  assert.equal(certificate.verification.toString(), 'Zk');
  assert.equal(certificate.evidence.asProofHash.toHex(), result.proofHash.toHex());
  assert.equal(certificate.executor.toString(), alice.address);

  // The second step: a calibration head (softmax of the ten scores / 1.5).
  const name = 'calibration_head.onnx';
  const headPrice = 5_000_000_000n;
  const { model: head, fields } = await whitelist(name, {
    inputShape: [1, 10], outputShape: [1, 10], flops: 2 * 10 * 10 + 4 * 10, price: headPrice,
  });

  // Charlie gives the token to Dave: only Dave may use it now.
  const moved = await signAndFinalize(api, api.tx.nfts.transfer(collection, id, dave.address), charlie);
  assert.equal(moved.error, null);
  assert.equal((await api.query.nfts.item(collection, id)).unwrap().owner.toString(), dave.address);
  const charlies = await signAndFinalize(api,
    api.tx.tasks.submitTask(head, { Cnft: id }, 'Zk', headPrice, 'Dai'), charlie);
  assert.equal(charlies.error, 'tasks.NotCnftOwner');

  const followUp = await signAndFinalize(api, api.tx.tasks.submitTask(head, { Cnft: id }, 'Zk', headPrice, 'Dai'), dave);
  assert.equal(followUp.error, null);
  const second = followUp.events.find(({ event }) => api.events.tasks.TaskSubmitted.is(event)).event.data.task.toNumber();
  // Its input is the first result's output in the head's fixed point (16 to 8 fractional bits, to nearest).
  const input = (await api.query.tasks.tasks(second)).unwrap().input.map((v) => v.toBigInt());
  const shift = 2n ** BigInt(16 - fields.inputFracBits);
  const floorDiv = (a, b) => (a >= 0n ? a / b : -((-a + b - 1n) / b));
  assert.deepEqual(input, result.output.map((v) => floorDiv(v.toBigInt() + shift / 2n, shift)));
  await completions([second], 60_000);
  const [expected] = tract([input.map(Number)], resolve(root, 'zk-circuits/models', name));
  const probabilities = (await api.query.tasks.results(second)).unwrap().output
    .map((v) => Number(v.toBigInt()) / 2 ** fields.outputFracBits);
  probabilities.forEach((p, k) => assert.ok(Math.abs(p - expected[k]) <= TOLERANCE_28,
    `probability ${k}: chain ${p}, tract ${expected[k]}`));
  // Dave owns the second step's Compute NFT, which names the first as its source.
  assert.equal((await api.query.nfts.item(collection, second)).unwrap().owner.toString(), dave.address);
  assert.equal((await api.query.cnft.certificates(second)).unwrap().source.unwrap().toNumber(), id);
  assert.ok(certificate.source.isNone, 'the first step had values as input');
  console.log(`# two-step workflow: digit scores of task ${id} (a Compute NFT given to Dave) calibrated by task ${second}; top probability ${Math.max(...probabilities).toFixed(3)}`);
});

// Last: the state after all of the above, for the runtime's try-runtime
// checks (scripts/test.sh runs `runtime/tests/try_runtime.rs` on it).
test('a model developer\'s script whitelists a model through the three chambers, and a task on it settles', async () => {
  const [alice, bob, charlie, dave, ferdie] = ['Alice', 'Bob', 'Charlie', 'Dave', 'Ferdie'].map(devKey);
  const name = 'mlp_64_128_10.onnx';
  const onnx = resolve(root, 'zk-circuits/models', name);
  const published = tempDir('daifi-published-');
  const { server, requests, url } = await publish(published);
  try {
    // The developer (Bob) runs the script; Alice (Compute Chamber) and
    // Charlie (User Chamber) contribute to the model's phase 2.
    const proposed = await whitelistScript(['propose', onnx, '--developer', '//Bob', '--url', url,
      '--price', '0.01', '--flops', String(2 * (64 * 128 + 128 * 10)), '--out', published, '--ws', node.wsUrl,
      '--contributor', '//Alice:compute', '--contributor', '//Charlie:user']);
    assert.equal(proposed.status, 0, `${proposed.stdout}\n${proposed.stderr}`);
    console.log(proposed.stdout.split('\n').filter((l) => /^\[\d\/7\]|Chamber|aye/.test(l)).map((l) => `# ${l}`).join('\n'));
    const index = Number(/proposal index: (\d+)/.exec(proposed.stdout)[1]);
    const model = blake2AsHex(readFileSync(onnx), 256);
    const proposal = (await api.query.tricameral.proposals(index)).unwrap();
    assert.deepEqual(proposal.contributions.map((c) => [c.contributor.toString(), c.chamber.type]),
      [[alice.address, 'Compute'], [charlie.address, 'User']], 'the proposal shows who contributed');
    // The amended call registers the final key with the final transcript's hash.
    const call = api.createType('Call', (await api.query.tricameral.proposalCalls(index)).unwrap());
    const { hash, model: record } = api.tx(call).method.toJSON().args;
    assert.equal(hash, model);
    assert.equal(record.transcript, blake2AsHex(readFileSync(resolve(published, `${name}.transcript`)), 256));
    assert.equal(record.verifyingKey.length > 2, true);
    for (const file of [name, `${name}.pk`, `${name}.transcript`]) assert.ok(existsSync(resolve(published, file)), file);

    // A non-member cannot vote; a member cannot vote twice; two chambers of
    // three are not enough.
    const outsider = await signAndFinalize(api, api.tx.tricameral.vote(index, 'User', true), ferdie);
    assert.equal(outsider.error, 'tricameral.NotMember');
    assert.equal((await signAndFinalize(api, api.tx.tricameral.vote(index, 'Compute', true), alice)).error, null);
    assert.equal((await signAndFinalize(api, api.tx.tricameral.vote(index, 'Compute', true), alice)).error, 'tricameral.AlreadyVoted');
    assert.equal((await signAndFinalize(api, api.tx.tricameral.vote(index, 'Model', true), bob)).error, null);
    const early = await signAndFinalize(api, api.tx.tricameral.close(index, { refTime: 10n ** 11n, proofSize: 10n ** 6n }), alice);
    assert.equal(early.error, 'tricameral.Undecided');
    assert.ok((await api.query.modelRegistry.models(model)).isNone);
    for (const who of [charlie, dave]) {
      assert.equal((await signAndFinalize(api, api.tx.tricameral.vote(index, 'User', true), who)).error, null);
    }
    // The script shows every chamber approving and closes the proposal.
    const closed = await whitelistScript(['status', String(index), '--close', '--ws', node.wsUrl]);
    assert.equal(closed.status, 0, `${closed.stdout}\n${closed.stderr}`);
    assert.match(closed.stdout, /Compute .* approves/);
    assert.match(closed.stdout, /tricameral.Executed/);
    assert.ok((await api.query.tricameral.proposals(index)).isNone);
    const registered = (await api.query.modelRegistry.models(model)).unwrap();
    assert.equal(registered.developer.toString(), bob.address);

    // The model is usable: Alice serves it, and a task on it is answered,
    // verified and settled.
    const preparedIn = await serve(model, name);
    console.log(`# whitelisted by the chambers; prepared by Alice's node in ${preparedIn.toFixed(0)} s`);
    assert.deepEqual([...requests].sort(), [`/${name}`, `/${name}.pk`, `/${name}.transcript`]);
    const scale = 2 ** registered.inputFracBits.toNumber();
    const input = digits.inputs[5].map((x) => Math.round(x * scale));
    const price = registered.price.toBigInt();
    const nonce = (await api.rpc.system.accountNextIndex(ferdie.address)).toNumber();
    const { id } = await submit(ferdie, nonce, price, input, model);
    await completions([id], 60_000);
    const result = (await api.query.tasks.results(id)).unwrap();
    assert.equal(result.verification.toString(), 'Zk');
    assert.equal(result.model.toHex(), model);
    const [expected] = tract([input], onnx);
    const outScale = 2 ** registered.outputFracBits.toNumber();
    result.output.forEach((v, k) => assert.ok(Math.abs(Number(v.toBigInt()) / outScale - expected[k]) <= TOLERANCE,
      `output ${k}: chain ${Number(v.toBigInt()) / outScale}, tract ${expected[k]}`));
  } finally {
    server.close();
  }
});

test('the state after these tasks is written for the try-runtime checks', { skip: !process.env.DAIFI_SNAPSHOT }, async () => {
  const finalized = await api.rpc.chain.getFinalizedHead();
  const { number, pairs } = await writeSnapshot(api, finalized, process.env.DAIFI_SNAPSHOT);
  const completed = (await (await api.at(finalized)).query.tasks.nextTaskId()).toNumber();
  console.log(`# snapshot of block ${number}: ${pairs.length} storage items, ${completed} tasks submitted`);
  assert.ok(completed >= TASKS, 'the snapshot holds the tasks run above');
});
