// Load on the batch lane, on a development node (the README's throughput
// figure): users prepay their escrows and sign requests for the digits
// model; Alice's node proves them as they come (`daifi_batchRequest`, at most
// two at once); one batch over all of them goes to the committee's member
// node (on the development chain the committee is Alice alone), which checks
// it as a member does, every proof included (`daifi_batchSign`: Groth16
// batch verification, natively), and signs it; its aggregate
// (`daifi_batchAttestation`) is submitted; the chain accepts the batch in one
// block, with one signature check and work bounded by users and entries, not
// results.
// Prints each stage's rate, the results settled per second end to end, the
// chain's capacity for batches of this size, and which stage limits.
// Usage: node scripts/e2e/bench-batches.mjs [results (1024)] [users (16)]

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { stringToU8a } from '@polkadot/util';

import { blake2, leafHash, merkleRoot } from './lib/batch.mjs';
import { connect, devKey, signAndFinalize } from './lib/chain.mjs';
import { DaifiNode, NODE_BINARY, sleep } from './lib/node.mjs';

const RESULTS = Number(process.argv[2] ?? 1024);
const USERS = Number(process.argv[3] ?? 16);
assert.ok(RESULTS % USERS === 0, 'results must be a multiple of users');
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = resolve(root, 'pallets/model-registry/src/fixtures');
const MODEL = `0x${readFileSync(resolve(fixtures, 'mlp_64_32_10.hash')).toString('hex')}`;
const digits = JSON.parse(readFileSync(resolve(root, 'zk-circuits/models/digits_test.json'), 'utf8'));
const IMAGES = digits.inputs.map((image) => image.map((x) => Math.round(x * 256)));

const seconds = (ms) => (ms / 1000).toFixed(2);

const run = (args) => {
  const out = spawnSync(NODE_BINARY, args, { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  return out.stdout;
};

const node = await DaifiNode.create('batches', ['--dev']);
const models = resolve(node.basePath, 'models');
spawnSync(resolve(root, 'scripts/dev-models.sh'), [models], { stdio: 'ignore' });
run(['key', 'insert', '--dev', '--base-path', node.basePath, '--key-type', 'dcmp', '--scheme', 'sr25519', '--suri', '//Alice//compute']);
await node.start(['--compute-models', models]);
const api = await connect(node.wsUrl);
try {
  const [alice, submitter] = ['Alice', 'Ferdie'].map(devKey);
  const model = (await api.query.modelRegistry.models(MODEL)).unwrap();
  const price = model.price.toBigInt();
  // Alice's node has the model ready and her committee key sits on the current committee.
  const deadline = Date.now() + 240_000;
  for (;;) {
    const state = (await node.rpc('daifi_computeModels')).find((m) => m.model === MODEL);
    const [, members] = (await api.call.attestationApi.committees()).current;
    if (state?.state === 'ready' && members.length > 0) break;
    assert.ok(Date.now() < deadline, 'the model is ready and a committee in office within four minutes');
    await sleep(2_000);
  }

  // Users, funded and with escrows for their requests to Alice.
  const perUser = RESULTS / USERS;
  const users = Array.from({ length: USERS }, (_, i) => devKey(`Alice//batch-user-${i}`));
  const funded = await signAndFinalize(api, api.tx.utility.batchAll(users.map((u) =>
    api.tx.balances.transferKeepAlive(u.address, 2n * BigInt(perUser) * price + 10n ** 15n))), alice);
  assert.equal(funded.error, null);
  const deposits = await Promise.all(users.map((u) => signAndFinalize(api, api.tx.batches.deposit(alice.address, BigInt(perUser) * price), u)));
  deposits.forEach((d) => assert.equal(d.error, null));

  // Signed requests, one image each, taken in turn from each user (a node
  // proves a user's requests in order, one after the other).
  const requests = [];
  for (let nonce = 1; nonce <= perUser; nonce += 1) {
    for (const [u, user] of users.entries()) {
      const input = IMAGES[(u * perUser + nonce) % IMAGES.length];
      const request = api.createType('PalletBatchesRequest', {
        user: user.address, executor: alice.address, nonce, model: MODEL, inputHash: blake2(api.createType('Vec<i64>', input).toU8a()),
        fee: price, spent: BigInt(nonce) * price,
      });
      const message = blake2(stringToU8a('daifi/batch-request'), api.genesisHash, request.toU8a());
      requests.push({ request, input, signature: api.createType('MultiSignature', { Sr25519: user.sign(message) }) });
    }
  }

  // The executor: Alice's node proves them, two at a time (its limit).
  const started = Date.now();
  let next = 0;
  const proveAll = async () => {
    while (next < requests.length) {
      const r = requests[next];
      next += 1;
      for (let attempt = 0; !r.proven; attempt += 1) {
        try {
          r.proven = await node.rpc('daifi_batchRequest', [r.request.toHex(), r.signature.toHex(), r.input]);
        } catch (e) {
          // Busy, or the user's previous request not yet reserved: again, shortly.
          if (attempt > 100 || !/busy|nonce/.test(e.message)) throw e;
          await sleep(20);
        }
      }
    }
  };
  await Promise.all([proveAll(), proveAll()]);
  const provenAt = Date.now();

  // The batch: one entry (Alice, the digits model), each user's last request.
  const leaves = requests.map((r, i) => api.createType('PalletBatchesLeaf', {
    request: r.request, signature: r.signature, outputHash: r.proven.outputHash,
    proofHash: r.proven.proofHash, running: BigInt(i + 1) * price,
  }));
  const sequence = (await api.call.batchesApi.nextSequence()).toNumber();
  const header = api.createType('PalletBatchesBatchHeader', {
    sequence,
    root: merkleRoot(leaves.map(leafHash)),
    results: RESULTS,
    users: users.map((_, u) => {
      const last = requests[(perUser - 1) * USERS + u];
      return { firstNonce: 1, last: last.request, signature: last.signature };
    }),
    entries: [{ executor: alice.address, model: MODEL, count: RESULTS, gross: BigInt(RESULTS) * price }],
  });
  const [, members] = (await api.call.attestationApi.committees()).current;
  assert.deepEqual(members.map((m) => m.toString()), [alice.address], 'the development committee is Alice');
  const builtAt = Date.now();

  // The member's node checks the whole batch (root, placement, numbering,
  // every user's signature, every proof, natively and all at once) and
  // signs it; any node then hands out the aggregate.
  const data = requests.map((r, i) => [leaves[i].toHex(), api.createType('Vec<i64>', r.input).toHex(),
    api.createType('Vec<i64>', r.proven.output).toHex(), r.proven.proof]);
  await node.rpc('daifi_batchSign', [header.toHex(), data]);
  const signedAt = Date.now();
  const attestation = await node.rpc('daifi_batchAttestation', [header.toHex()]);
  assert.ok(attestation, 'Alice alone is the development committee\'s quorum');
  const { events, error, fee } = await signAndFinalize(api,
    api.tx.batches.submitBatch(header, attestation), submitter);
  assert.equal(error, null, 'the batch is accepted');
  assert.equal(fee, 0n, 'free to submit');
  const acceptedAt = Date.now();
  const accepted = events.map(({ event }) => event).find((e) => api.events.batches.BatchAccepted.is(e));
  assert.equal(accepted.data.results.toNumber(), RESULTS);
  const success = events.map(({ event }) => event).find((e) => api.events.system.ExtrinsicSuccess.is(e)
    && e.data.dispatchInfo.paysFee.isNo);
  const weight = success.data.dispatchInfo.weight.refTime.toBigInt();
  const normal = api.consts.system.blockWeights.perClass.normal;
  const maxNormal = normal.maxExtrinsic.unwrap().refTime.toBigInt();
  const blockNormal = normal.maxTotal.unwrap().refTime.toBigInt();
  const blockMs = Number(api.consts.babe.expectedBlockTime.toBigInt());

  const proving = (provenAt - started) / RESULTS;
  const checking = (signedAt - builtAt) / RESULTS;
  const total = acceptedAt - started;
  const perBlock = blockNormal / weight;
  console.log(`batch lane, ${RESULTS} results from ${USERS} users on the digits model, one development node (2 cores):`);
  console.log(`  executor (Alice's node, daifi_batchRequest, 2 at once): ${seconds(provenAt - started)} s, ${proving.toFixed(1)} ms a result, ${(1000 / proving).toFixed(0)} results/s`);
  console.log(`  batch built: ${seconds(builtAt - provenAt)} s`);
  console.log(`  member's node checks and signs it (daifi_batchSign: every signature and proof, the proofs at once): ${seconds(signedAt - builtAt)} s, ${checking.toFixed(2)} ms a result, ${(1000 / checking).toFixed(0)} results/s`);
  console.log(`  aggregate gathered, submitted to finalized: ${seconds(acceptedAt - signedAt)} s`);
  console.log(`  submitBatch weight: ${(Number(weight) / 1e9).toFixed(2)} ms of ${(Number(maxNormal) / 1e9).toFixed(0)} ms a transaction may use (${USERS} users, 1 entry)`);
  console.log(`  settled (accepted, challengeable for the window) end to end: ${(RESULTS / (total / 1000)).toFixed(0)} results/s`);
  console.log(`  the chain's capacity for batches like this one: ${(Number(perBlock) * RESULTS / (blockMs / 1000)).toFixed(0)} results/s (${perBlock} batches a ${blockMs / 1000}-s block, each of ${RESULTS} results; a batch may hold up to 2^32)`);
  const limit = proving > checking ? 'the executor\'s proving' : 'the member\'s check';
  console.log(`  limit: ${limit}; the chain is not (its work does not grow with the results in a batch)`);
} finally {
  await api.disconnect();
  await node.stop();
}
