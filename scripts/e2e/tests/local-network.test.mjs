// The four-validator local testnet as four processes on 127.0.0.1: GRANDPA
// finality advances; with one validator killed it still advances with three;
// the restarted validator catches up; a fifth node registers as a compute
// provider through polkadot.js, bonds more than the others and becomes a
// validator at a session change while finality keeps advancing; each
// validator's node registers the committee (BLS) key it derives from its
// compute key, and the committee drawn for a coming epoch holds all four;
// a `Redundant(3)` task on which one executor (Ferdie, played by this test)
// returns a wrong output is settled by the committee's aggregate signature
// with the right output, and Ferdie is slashed; Alice's node proves batch
// requests, every member's node refuses to sign a batch with a wrong output
// and signs a right one, whose aggregate gathered over the gossip is
// accepted; a wrong batch a colluding committee signs is voided by a
// challenge and its signers slashed.
// Prints block time, time to finality and a validator's peak memory (the
// README's figures).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { bnToU8a, compactToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, decodeAddress, randomAsU8a } from '@polkadot/util-crypto';

import { batchPayload, blake2, committeeSign, leafHash, nodeHash } from '../lib/batch.mjs';
import { computeKeyProof, connect, devKey, signAndFinalize } from '../lib/chain.mjs';
import { DaifiNode, NODE_BINARY, sleep } from '../lib/node.mjs';
import { loadVerifier } from '../lib/verifier.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const fixtures = resolve(root, 'pallets/model-registry/src/fixtures');
const MODEL = `0x${readFileSync(resolve(fixtures, 'mlp_64_32_10.hash')).toString('hex')}`;
const digits = JSON.parse(readFileSync(resolve(root, 'zk-circuits/models/digits_test.json'), 'utf8'));
const IMAGE = digits.inputs[0].map((x) => Math.round(x * 256));

const VALIDATORS = ['alice', 'bob', 'charlie', 'dave'];
const nodes = {};

before(async () => {
  // Alice first, as the bootnode the others dial.
  for (const name of VALIDATORS) {
    nodes[name] = await DaifiNode.create(name, ['--chain', 'local', `--${name}`]);
    // Its compute key (`//Name//compute`, bonded at genesis): the node signs
    // with it and derives its committee key from it.
    const suri = `//${name[0].toUpperCase()}${name.slice(1)}//compute`;
    const inserted = spawnSync(NODE_BINARY, ['key', 'insert', '--chain', 'local', '--base-path', nodes[name].basePath,
      '--key-type', 'dcmp', '--scheme', 'sr25519', '--suri', suri], { encoding: 'utf8' });
    assert.equal(inserted.status, 0, inserted.stderr);
    // Every validator can run the digits model: committee members re-execute
    // a redundant task whose executors disagree.
    const models = resolve(nodes[name].basePath, 'models');
    spawnSync(resolve(root, 'scripts/dev-models.sh'), [models], { stdio: 'ignore' });
    nodes[name].computeArgs = ['--compute-models', models];
  }
  await nodes.alice.start(nodes.alice.computeArgs);
  const bootnode = ['--bootnodes', nodes.alice.multiaddr];
  nodes.bootnode = bootnode;
  await Promise.all(VALIDATORS.slice(1).map((name) => nodes[name].start([...bootnode, ...nodes[name].computeArgs])));
});

after(async () => {
  await Promise.all([...VALIDATORS, 'eve'].map((name) => nodes[name]?.stop()));
});

/** Follows `node` for `ms`, timing new best blocks and newly finalized ones. */
async function observe(node, ms) {
  const seenBest = new Map();
  const finalityDelays = [];
  let lastFinalized = (await node.heights()).finalized;
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const { best, finalized } = await node.heights();
    if (!seenBest.has(best)) seenBest.set(best, Date.now());
    for (let n = lastFinalized + 1; n <= finalized; n += 1) {
      if (seenBest.has(n)) finalityDelays.push(Date.now() - seenBest.get(n));
    }
    lastFinalized = Math.max(lastFinalized, finalized);
    await sleep(100);
  }
  const numbers = [...seenBest.keys()].sort((a, b) => a - b);
  const blockTime = numbers.length > 1
    ? (seenBest.get(numbers.at(-1)) - seenBest.get(numbers[0])) / (numbers.at(-1) - numbers[0])
    : NaN;
  finalityDelays.sort((a, b) => a - b);
  const median = finalityDelays[Math.floor(finalityDelays.length / 2)];
  return { blockTime, finalityMedian: median, blocks: numbers.length };
}

test('four validators produce blocks and GRANDPA finalizes them', async () => {
  // Every validator connects to the three others (through the bootnode).
  for (const name of VALIDATORS) {
    const deadline = Date.now() + 60_000;
    while ((await nodes[name].rpc('system_health')).peers < VALIDATORS.length - 1) {
      assert.ok(Date.now() < deadline, `${name} has ${VALIDATORS.length - 1} peers within a minute`);
      await sleep(500);
    }
  }
  await nodes.alice.waitFor('block 5 finalized', (h) => h.finalized >= 5, 120_000);
  const figures = await observe(nodes.bob, 30_000);
  console.log(`# four validators: block time ${(figures.blockTime / 1000).toFixed(2)} s, `
    + `time to finality (median) ${(figures.finalityMedian / 1000).toFixed(2)} s`);
  assert.ok(figures.blocks >= 5, 'blocks kept coming');
});

test('each validator registers its committee key unattended, and a committee of all four is drawn', async () => {
  const api = await connect(nodes.bob.wsUrl);
  try {
    const stashes = VALIDATORS.map((name) => devKey(`${name[0].toUpperCase()}${name.slice(1)}`).address);
    // The off-chain workers send attestation.registerKey, signed by the
    // compute keys, with proofs of possession for their providers.
    let deadline = Date.now() + 60_000;
    for (const stash of stashes) {
      while ((await api.call.attestationApi.key(stash)).isNone) {
        assert.ok(Date.now() < deadline, `${stash} has a committee key within a minute`);
        await sleep(1_000);
      }
    }
    const keys = await Promise.all(stashes.map(async (s) => (await api.call.attestationApi.key(s)).unwrap().toHex()));
    assert.equal(new Set(keys).size, 4, 'four different keys');
    // Keys registered in epoch 0 are candidates from epoch 1's start and sit
    // on the committee drawn then for epoch 2 (one-minute epochs).
    deadline = Date.now() + 180_000;
    let committees = await api.call.attestationApi.committees();
    while (committees.next[1].length < 4) {
      assert.ok(Date.now() < deadline, 'a committee of four is drawn within three minutes');
      await sleep(2_000);
      committees = await api.call.attestationApi.committees();
    }
    const members = committees.next[1].map((m) => m.toString());
    assert.deepEqual([...members].sort(), [...stashes].sort(), 'the four validators, each once');
    console.log(`# committee of epoch ${committees.next[0].toNumber()}: ${members.length} members`);
  } finally {
    await api.disconnect();
  }
});

/** SCALE of a `Vec<i64>` (a task's input or output). */
function encodeValues(values) {
  return u8aConcat(compactToU8a(values.length), ...values.map((v) => bnToU8a(BigInt(v), { bitLength: 64, isNegative: true })));
}

/**
 * An executor's commitment to `output` for task `id` (`pallet_tasks::output_commitment`):
 * blake2-256 of ("daifi/redundant-output", id as u64, provider, salt (32 bytes), output).
 */
function outputCommitment(id, provider, salt, output) {
  return blake2AsU8a(u8aConcat(stringToU8a('daifi/redundant-output'), bnToU8a(id, { bitLength: 64 }),
    decodeAddress(provider), salt, encodeValues(output)), 256);
}

test('a Redundant(3) task with a lying executor is settled by the committee, and the liar slashed', async () => {
  const api = await connect(nodes.bob.wsUrl);
  try {
    // The committee of four becomes the current one.
    let deadline = Date.now() + 120_000;
    while ((await api.call.attestationApi.committees()).current[1].length < 4) {
      assert.ok(Date.now() < deadline, 'the committee of four takes office within two minutes');
      await sleep(2_000);
    }
    // Bob and Charlie serve the digits model too (Alice does from genesis).
    for (const name of ['Bob', 'Charlie']) {
      const who = devKey(name);
      const { profile } = (await api.query.computeStaking.providers(who.address)).unwrap();
      const updated = { ...profile.toJSON(), models: [MODEL] };
      const { error } = await signAndFinalize(api, api.tx.computeStaking.updateProfile(updated), who);
      assert.equal(error, null, `${name} serves the model`);
    }
    // Ferdie: a provider with no node (this test plays its worker), nine
    // times the others' bond so the draw almost surely picks it, and no
    // session keys (it never validates) nor committee key.
    const ferdie = devKey('Ferdie');
    const ferdieCompute = devKey('Ferdie//compute');
    const profile = {
      hardware: { gpuModel: 'none', vramMib: 0, flops: 1_000_000_000n, cpuCores: 4, memoryMib: 8_192 },
      models: [MODEL],
      region: 'local',
      latency: 'Low',
    };
    const bond = 900_000n * 10n ** 12n;
    const joined = await signAndFinalize(api, api.tx.utility.batchAll([
      api.tx.balances.transferKeepAlive(ferdieCompute.address, 10n ** 15n),
      api.tx.computeStaking.register(profile, ferdieCompute.address, computeKeyProof(ferdieCompute, ferdie.address), bond),
    ]), ferdie);
    assert.equal(joined.error, null, 'Ferdie registers');

    // Dave (a validator serving no model) submits Redundant(3) tasks until
    // one is drawn for Ferdie.
    const user = devKey('Dave');
    const price = (await api.query.modelRegistry.models(MODEL)).unwrap().price.toBigInt();
    let task = null;
    let submittedAt = 0;
    for (let attempt = 0; attempt < 5 && task === null; attempt += 1) {
      submittedAt = Date.now();
      const { events, error } = await signAndFinalize(api,
        api.tx.tasks.submitTask(MODEL, { Values: IMAGE }, { Redundant: 3 }, 3n * price, 'Dai'), user);
      assert.equal(error, null, 'the task is accepted');
      const id = events.map(({ event }) => event).find((e) => api.events.tasks.TaskSubmitted.is(e)).data.task.toNumber();
      const executors = ((await api.query.tasks.executions(id)).unwrapOr([])).map((e) => e.provider.toString());
      assert.equal(new Set(executors).size, 3, 'three distinct executors');
      if (executors.includes(ferdie.address)) task = id;
    }
    assert.notEqual(task, null, 'Ferdie is drawn within five tasks');

    // Ferdie commits to a wrong output, then reveals it.
    const input = api.createType('Vec<i64>', IMAGE);
    const inputHash = blake2AsU8a(input.toU8a(), 256);
    const wrong = Array.from({ length: 10 }, (_, i) => (i === 3 ? 1 << 16 : 0));
    const salt = randomAsU8a(32);
    const commit = await signAndFinalize(api,
      api.tx.tasks.commitOutput(task, inputHash, outputCommitment(task, ferdie.address, salt, wrong)), ferdieCompute);
    assert.equal(commit.error, null, 'Ferdie commits');
    deadline = Date.now() + 60_000;
    while (!(await api.query.tasks.tasks(task)).unwrap().status.toJSON().executing?.phase?.match(/reveal/i)) {
      assert.ok(Date.now() < deadline, 'every executor commits within a minute');
      await sleep(1_000);
    }
    const reveal = await signAndFinalize(api, api.tx.tasks.revealOutput(task, wrong, salt), ferdieCompute);
    assert.equal(reveal.error, null, 'Ferdie reveals what it committed to');

    // The committee compares the outputs, re-executes, signs the right one and settles.
    deadline = Date.now() + 90_000;
    let result = await api.query.tasks.results(task);
    while (result.isNone) {
      assert.ok(Date.now() < deadline, 'the committee attests within 90 s');
      await sleep(1_000);
      result = await api.query.tasks.results(task);
    }
    const settledIn = (Date.now() - submittedAt) / 1000;
    result = result.unwrap();
    assert.notDeepEqual(result.output.map((v) => v.toNumber()), wrong, 'the right output, not the liar\'s');
    assert.notEqual(result.provider.toString(), ferdie.address);
    const standing = (await api.call.computeStakingApi.standing(ferdie.address)).unwrap();
    assert.equal(standing.active.toBigInt(), bond / 2n, 'Ferdie lost half its bond');
    assert.equal(result.executorPaid.toBigInt() > 0n, true, 'the two honest executors were paid');
    console.log(`# Redundant(3) with a liar played by this test: submission to settlement ${settledIn.toFixed(1)} s`);

    // With Ferdie out of the market, a Redundant(3) task on the three honest
    // nodes: the time from submission to settlement (the README's figure).
    const out = await signAndFinalize(api, api.tx.computeStaking.updateProfile({ ...profile, models: [] }), ferdie);
    assert.equal(out.error, null);
    const started = Date.now();
    const id = await new Promise((ok, fail) => {
      api.tx.tasks.submitTask(MODEL, { Values: IMAGE }, { Redundant: 3 }, 3n * price, 'Dai')
        .signAndSend(user, ({ status, events }) => {
          if (!status.isInBlock) return;
          const submitted = events.map(({ event }) => event).find((e) => api.events.tasks.TaskSubmitted.is(e));
          if (submitted) ok(submitted.data.task.toNumber());
        }).catch(fail);
    });
    deadline = Date.now() + 90_000;
    while ((await api.query.tasks.results(id)).isNone) {
      assert.ok(Date.now() < deadline, 'an honest Redundant(3) task settles within 90 s');
      await sleep(250);
    }
    const seconds = (Date.now() - started) / 1000;
    const honest = (await api.query.tasks.results(id)).unwrap();
    assert.deepEqual(honest.output.toJSON(), result.output.toJSON(), 'the same output for the same input');
    console.log(`# Redundant(3), three honest executors: submission to settlement ${seconds.toFixed(1)} s`);
  } finally {
    await api.disconnect();
  }
});

/** Calls JSON-RPC `method` on `node` over HTTP: `{ result }` or `{ error }`. */
async function rpc(node, method, params) {
  const response = await fetch(node.wsUrl.replace(/^ws/, 'http'), {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: 1, jsonrpc: '2.0', method, params }),
  });
  return response.json();
}

test('a batch request is proven by an executor\'s node; members\' nodes check and sign a right batch and refuse a wrong one; a wrong batch a colluding committee signs is voided by a challenge and its signers slashed', async () => {
  const api = await connect(nodes.bob.wsUrl);
  try {
    const [user, challenger, alice] = ['Dave', 'Eve', 'Alice'].map(devKey);
    const deadline = Date.now() + 120_000;
    while ((await api.call.attestationApi.committees()).current[1].length < 4) {
      assert.ok(Date.now() < deadline, 'the committee of four takes office within two minutes');
      await sleep(2_000);
    }
    const model = (await api.query.modelRegistry.models(MODEL)).unwrap();
    const price = model.price.toBigInt();
    const deposited = await signAndFinalize(api, api.tx.batches.deposit(alice.address, 10n * price), user);
    assert.equal(deposited.error, null, 'Dave prepays into his escrow for Alice');
    const escrowOf = () => api.call.batchesApi.escrow(user.address, alice.address);

    // Dave signs two requests to Alice and sends them to her node, which proves them at once.
    const escrow = await escrowOf();
    const input = api.createType('Vec<i64>', IMAGE);
    const inputHash = blake2(input.toU8a());
    const requests = [1, 2].map((i) => api.createType('PalletBatchesRequest', {
      user: user.address, executor: alice.address, nonce: escrow.nonce.toNumber() + i, model: MODEL, inputHash, fee: price,
      spent: escrow.spent.toBigInt() + BigInt(i) * price,
    }));
    const signatures = await Promise.all(requests.map(async (request) => api.createType('MultiSignature',
      { Sr25519: user.sign(await api.call.batchesApi.requestMessage(request)) })));
    const send = (request, signature, values) => rpc(nodes.alice, 'daifi_batchRequest', [request.toHex(), signature.toHex(), values]);
    // A request signed by someone else, or with another input, costs the node no proof.
    const forged = api.createType('MultiSignature', { Sr25519: challenger.sign(await api.call.batchesApi.requestMessage(requests[0])) });
    assert.match((await send(requests[0], forged, IMAGE)).error.message, /^signature/);
    assert.match((await send(requests[0], signatures[0], IMAGE.map((x) => x + 1))).error.message, /^input/);
    // A request to another executor is not Alice's to prove (nor paid from her escrow).
    const toBob = api.createType('PalletBatchesRequest', { ...requests[0].toJSON(), executor: devKey('Bob').address });
    const toBobSigned = api.createType('MultiSignature', { Sr25519: user.sign(await api.call.batchesApi.requestMessage(toBob)) });
    assert.match((await send(toBob, toBobSigned, IMAGE)).error.message, /^executor/);
    const started = Date.now();
    const proven = [];
    for (const [i, request] of requests.entries()) {
      const { result, error } = await send(request, signatures[i], IMAGE);
      assert.equal(error, undefined, JSON.stringify(error));
      proven.push(result);
    }
    console.log(`# batch requests: two proven by Alice's node in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const verifier = await loadVerifier();
    for (const [i, result] of proven.entries()) {
      assert.equal(result.executor, alice.address);
      const binding = await api.call.batchesApi.leafBinding(user.address, requests[i].nonce, alice.address);
      assert.equal(result.binding, binding.toHex());
      assert.equal(verifier.verify({
        verifyingKey: model.verifyingKey, binding: result.binding, input: IMAGE, output: result.output, proof: result.proof,
        inputMin: model.inputMin.toBigInt(), inputMax: model.inputMax.toBigInt(), outputBits: model.outputBits.toNumber(),
      }), 'Verified', 'Dave checks each proof himself');
    }

    // The committee (the four validators, played by this test with their
    // compute keys) signs a batch whose first result has a wrong output.
    const [epoch, members] = (await api.call.attestationApi.committees()).current;
    const suris = members.map((m) => {
      const name = VALIDATORS.find((v) => devKey(v[0].toUpperCase() + v.slice(1)).address === m.toString());
      assert.ok(name, `${m} is one of the four validators`);
      return `//${name[0].toUpperCase()}${name.slice(1)}//compute`;
    });
    const wrong = proven[0].output.map((v, i) => (i === 0 ? BigInt(v) + 1n : BigInt(v)));
    const leaves = requests.map((request, i) => api.createType('PalletBatchesLeaf', {
      request, signature: signatures[i],
      outputHash: i === 0 ? blake2(api.createType('Vec<i64>', wrong).toU8a()) : proven[i].outputHash,
      proofHash: proven[i].proofHash, running: BigInt(i + 1) * price,
    }));
    const hashes = leaves.map(leafHash);
    const sequence = (await api.call.batchesApi.nextSequence()).toNumber();
    const header = api.createType('PalletBatchesBatchHeader', {
      sequence, root: nodeHash(hashes[0], hashes[1]), results: 2,
      users: [{ firstNonce: requests[0].nonce, last: requests[1], signature: signatures[1] }],
      entries: [{ executor: alice.address, model: MODEL, count: 2, gross: 2n * price }],
    });
    // Each member's node checks a batch before it signs: this one's first
    // proof does not verify for the output the leaf claims.
    const data = (i, output) => [leaves[i].toHex(), api.createType('Vec<i64>', IMAGE).toHex(),
      api.createType('Vec<i64>', output).toHex(), proven[i].proof];
    for (const name of VALIDATORS) {
      const { error } = await rpc(nodes[name], 'daifi_batchSign', [header.toHex(), [data(0, wrong), data(1, proven[1].output)]]);
      assert.match(error?.message ?? '', /^leaf 0: proof does not verify/, `${name}'s node refuses to sign the wrong batch`);
    }
    const signed = committeeSign(api, epoch.toNumber(), batchPayload(header), suris);
    const bitfield = new Uint8Array(Math.ceil(members.length / 8));
    members.forEach((_, i) => { bitfield[i >> 3] |= 1 << (i & 7); });
    const attestation = { epoch, signers: u8aToHex(bitfield), signature: signed.aggregate };
    const submitted = await signAndFinalize(api, api.tx.batches.submitBatch(header, attestation), challenger);
    assert.equal(submitted.error, null, 'the batch is accepted');
    assert.equal(submitted.fee, 0n, 'a batch the committee signed is free to submit');
    assert.equal((await escrowOf()).committed.toBigInt(), 2n * price);

    // Eve challenges the first result with its real proof, which does not
    // verify for the attested (wrong) output: the batch is void, the four
    // signers slashed, Eve rewarded, Dave's escrow free again.
    const bonds = await Promise.all(members.map(async (m) => (await api.call.computeStakingApi.standing(m)).unwrap().active.toBigInt()));
    const evidence = { Proof: {
      leaf: { leaf: leaves[0], index: 0, path: [hashes[1]] }, input: IMAGE, output: wrong, proof: proven[0].proof,
    } };
    const challenged = await signAndFinalize(api, api.tx.batches.challenge(sequence, evidence), challenger);
    assert.equal(challenged.error, null, 'the challenge is taken');
    const voided = challenged.events.map(({ event }) => event).find((e) => api.events.batches.BatchVoided.is(e));
    assert.ok(voided, 'the batch is void');
    assert.equal(voided.data.challenger.toString(), challenger.address);
    assert.ok(voided.data.reward.toBigInt() > 0n, 'the challenger is rewarded');
    for (const [i, m] of members.entries()) {
      const after = (await api.call.computeStakingApi.standing(m)).unwrap().active.toBigInt();
      assert.ok(after < bonds[i], `signer ${m} is slashed`);
    }
    assert.equal((await escrowOf()).committed.toBigInt(), 0n, 'nothing of Dave\'s is debited');
    console.log(`# wrong batch voided by a proof challenge: ${members.length} signers slashed ${voided.data.slashed.toBigInt()} in all`);

    // Two more requests, proven by Alice's node, in a right batch: the
    // members' own nodes check it (every proof, natively) and sign it, their
    // signatures travel over the committee gossip, and Bob's node hands out
    // the aggregate once it is a quorum.
    const settled = await escrowOf();
    const more = [1, 2].map((i) => api.createType('PalletBatchesRequest', {
      user: user.address, executor: alice.address, nonce: settled.nonce.toNumber() + i, model: MODEL, inputHash, fee: price,
      spent: settled.spent.toBigInt() + BigInt(i) * price,
    }));
    const moreSignatures = await Promise.all(more.map(async (request) => api.createType('MultiSignature',
      { Sr25519: user.sign(await api.call.batchesApi.requestMessage(request)) })));
    const answers = [];
    for (const [i, request] of more.entries()) {
      const { result, error } = await send(request, moreSignatures[i], IMAGE);
      assert.equal(error, undefined, JSON.stringify(error));
      answers.push(result);
    }
    const rightLeaves = more.map((request, i) => api.createType('PalletBatchesLeaf', {
      request, signature: moreSignatures[i], outputHash: answers[i].outputHash,
      proofHash: answers[i].proofHash, running: BigInt(i + 1) * price,
    }));
    const rightHashes = rightLeaves.map(leafHash);
    const right = api.createType('PalletBatchesBatchHeader', {
      sequence: (await api.call.batchesApi.nextSequence()).toNumber(), root: nodeHash(rightHashes[0], rightHashes[1]), results: 2,
      users: [{ firstNonce: more[0].nonce, last: more[1], signature: moreSignatures[1] }],
      entries: [{ executor: alice.address, model: MODEL, count: 2, gross: 2n * price }],
    });
    const rightData = rightLeaves.map((leaf, i) => [leaf.toHex(), api.createType('Vec<i64>', IMAGE).toHex(),
      api.createType('Vec<i64>', answers[i].output).toHex(), answers[i].proof]);
    const signStarted = Date.now();
    const signatures4 = await Promise.all(VALIDATORS.map((name) => rpc(nodes[name], 'daifi_batchSign', [right.toHex(), rightData])));
    for (const [i, { error, result }] of signatures4.entries()) {
      assert.equal(error, undefined, `${VALIDATORS[i]}'s node signs the right batch: ${JSON.stringify(error)}`);
      assert.equal(result.signatures.length, 1, 'one committee key per node');
    }
    const again = await rpc(nodes.alice, 'daifi_batchSign', [right.toHex(), rightData]);
    assert.equal(again.error, undefined, 'asked again for the same header, a member signs it again');
    if (again.result.epoch === signatures4[0].result.epoch) {
      assert.deepEqual(again.result, signatures4[0].result, 'with the same signature');
    }
    // Another right header under the same number (the same results in two
    // entries) would be an equivocation: refused, naming the header signed.
    const splitLeaves = rightLeaves.map((leaf) => api.createType('PalletBatchesLeaf', { ...leaf.toJSON(), running: price }));
    const splitHashes = splitLeaves.map(leafHash);
    const split = api.createType('PalletBatchesBatchHeader', {
      ...right.toJSON(), root: nodeHash(splitHashes[0], splitHashes[1]),
      entries: [0, 1].map(() => ({ executor: alice.address, model: MODEL, count: 1, gross: price })),
    });
    const splitData = splitLeaves.map((leaf, i) => [leaf.toHex(), ...rightData[i].slice(1)]);
    const refusedSplit = await rpc(nodes.alice, 'daifi_batchSign', [split.toHex(), splitData]);
    if (refusedSplit.result) {
      assert.notEqual(refusedSplit.result.epoch, signatures4[0].result.epoch, 'another header only in another epoch');
    } else {
      assert.ok(refusedSplit.error.message.includes('equivocation'), JSON.stringify(refusedSplit));
      assert.ok(refusedSplit.error.message.endsWith(right.toHex()), 'the refusal names the header signed');
    }
    let gathered = null;
    while (!gathered) {
      assert.ok(Date.now() - signStarted < 30_000, 'the members\' signatures reach Bob\'s node within 30 s');
      gathered = (await rpc(nodes.bob, 'daifi_batchAttestation', [right.toHex()])).result;
      if (!gathered) await sleep(250);
    }
    console.log(`# right batch checked and signed by the members' nodes, aggregate gathered in ${((Date.now() - signStarted) / 1000).toFixed(1)} s`);
    const accepted = await signAndFinalize(api, api.tx.batches.submitBatch(right, gathered), challenger);
    assert.equal(accepted.error, null, 'the batch the members signed is accepted');
    assert.equal((await escrowOf()).committed.toBigInt(), 2n * price, 'Dave\'s two requests are debited');

    // Eve asks for one result's data: a member's node posts it from what it
    // kept when it signed, with its compute key, and earns Eve's deposit.
    let answered = null;
    const unsubscribe = await api.query.system.events((records) => {
      const found = records.map(({ event }) => event).find((e) => api.events.batches.DataAnswered.is(e));
      if (found) answered = found;
    });
    const askedAt = Date.now();
    const asked = await signAndFinalize(api, api.tx.batches.requestData(right.sequence, user.address, alice.address, more[0].nonce), challenger);
    assert.equal(asked.error, null, 'the data request is taken');
    while (!answered) {
      assert.ok(Date.now() - askedAt < 60_000, 'a member\'s node posts the data within a minute');
      await sleep(250);
    }
    unsubscribe();
    const computeKeys = VALIDATORS.map((v) => devKey(`${v[0].toUpperCase()}${v.slice(1)}//compute`).address);
    assert.ok(computeKeys.includes(answered.data.answerer.toString()), 'a member\'s compute key answered');
    assert.equal(answered.data.nonce.toNumber(), more[0].nonce.toNumber());
    console.log(`# a data request answered by a member's node from the data it kept in ${((Date.now() - askedAt) / 1000).toFixed(1)} s`);
  } finally {
    await api.disconnect();
  }
});

test('finality advances with three validators, and the fourth catches up after a restart', async () => {
  await nodes.dave.kill();
  const { finalized: before } = await nodes.alice.heights();
  const withThree = await nodes.alice.waitFor(
    'finality advancing with Dave down', (h) => h.finalized >= before + 5, 120_000);
  assert.ok(withThree.finalized >= before + 5);

  await nodes.dave.start([...nodes.bootnode, ...nodes.dave.computeArgs]);
  const target = (await nodes.alice.heights()).finalized;
  const dave = await nodes.dave.waitFor(
    `Dave finalizing past #${target}`, (h) => h.finalized >= target, 120_000);
  assert.ok(dave.best >= target);

  // All four agree on the finalized chain.
  const hashes = await Promise.all(VALIDATORS.map((name) => nodes[name].rpc('chain_getBlockHash', [target])));
  assert.equal(new Set(hashes).size, 1, `one block #${target} on every validator`);

  const peak = Math.max(...VALIDATORS.map((name) => nodes[name].peakMemoryMiB()));
  console.log(`# validator peak memory: ${peak.toFixed(0)} MiB`);
});

test('a fifth provider registers and bonds through polkadot.js and becomes a validator', async () => {
  nodes.eve = await DaifiNode.create('eve', ['--chain', 'local', '--validator']);
  await nodes.eve.start(nodes.bootnode);
  // Eve's node must know the chain before it signs. While it syncs, it
  // gives Eve's old nonce (Eve challenged a batch earlier) and its
  // transaction pool still validates at an early block (a transaction
  // whose era starts later is "ancient"): wait until it has caught up, no
  // longer syncs, and has imported two blocks as a node in step.
  const { finalized: head } = await nodes.alice.heights();
  await nodes.eve.waitFor('Eve\'s node caught up', (h) => h.finalized >= head, 120_000);
  const syncDeadline = Date.now() + 60_000;
  while ((await nodes.eve.rpc('system_health')).isSyncing) {
    assert.ok(Date.now() < syncDeadline, 'Eve\'s node stops syncing within a minute');
    await sleep(500);
  }
  const { best } = await nodes.eve.heights();
  await nodes.eve.waitFor('two blocks imported in step', (h) => h.best >= best + 2, 60_000);
  const api = await connect(nodes.eve.wsUrl);
  try {
    const eve = devKey('Eve');
    // Eve's node signs results with a hot key of its own, proven to be hers.
    const compute = devKey('Eve//compute');
    // Session keys made in Eve's node keystore, with a proof that Eve owns them.
    const owner = api.createType('AccountId', eve.address).toHex();
    const { keys, proof } = await nodes.eve.rpc('author_rotateKeysWithOwner', [owner]);
    const bond = 200_000n * 10n ** 12n; // twice the genesis validators' bond
    const profile = {
      hardware: { gpuModel: 'RTX 4090', vramMib: 24_576, flops: 82_000_000_000_000n, cpuCores: 16, memoryMib: 65_536 },
      models: [],
      region: 'eu-west',
      latency: 'Low',
    };
    const register = api.tx.utility.batchAll([
      api.tx.session.setKeys(keys, proof),
      api.tx.computeStaking.register(profile, compute.address, computeKeyProof(compute, eve.address), bond),
    ]);
    const { error } = await signAndFinalize(api, register, eve);
    assert.equal(error, null, 'registration succeeds');
    const standing = (await api.call.computeStakingApi.standing(eve.address)).unwrap();
    assert.equal(standing.active.toBigInt(), bond);
    assert.equal(standing.reputation.toNumber(), 1_000_000_000, 'a new provider starts at 100%');

    // Within three session changes Eve is selected, and validates.
    const deadline = Date.now() + 240_000;
    let validators = [];
    while (!validators.includes(eve.address)) {
      assert.ok(Date.now() < deadline, 'Eve becomes a validator within four minutes');
      await sleep(3_000);
      validators = (await api.query.session.validators()).map((v) => v.toString());
    }
    assert.equal(validators.length, 4, 'the set keeps its size: Eve displaced one');
    const { finalized } = await nodes.eve.heights();
    await nodes.eve.waitFor('finality advancing with Eve validating',
      (h) => h.finalized >= finalized + 5, 120_000);
    assert.equal((await api.query.babe.authorities()).length, 4, 'four BABE authorities');
  } finally {
    await api.disconnect();
  }
});
