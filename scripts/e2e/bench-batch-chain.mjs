// The chain's side of the batch lane, measured on a development node: how
// many results per second it accepts in batches the committee signed.
// Users prepay their escrows for Alice and sign, per batch, their last
// request (what authorises the debit); the development committee (Alice)
// signs each header with `daifi-node committee-sign`; Ferdie submits them
// all at once and the script times them to finality.
//
// The chain never reads a result, only the header (users' debits, entries,
// the root): so the leaves here are synthetic hashes, not proven results,
// and these batches would be voided by the first challenge. What is
// measured is the chain's work and the block's room for it; the executors'
// proving and the members' checks are measured by bench-batches.mjs.
// Prints the weight of a batch, the blocks they took, the rate to finality
// and what a block holds.
// Usage: node scripts/e2e/bench-batch-chain.mjs [batches (8)] [users (256)] [requests per user per batch (256)]

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { bnToU8a, stringToU8a } from '@polkadot/util';

import { batchPayload, blake2, committeeSign, merkleRoot } from './lib/batch.mjs';
import { connect, devKey, signAndFinalize } from './lib/chain.mjs';
import { DaifiNode, NODE_BINARY, sleep } from './lib/node.mjs';

const BATCHES = Number(process.argv[2] ?? 8);
const USERS = Number(process.argv[3] ?? 256);
const PER_USER = Number(process.argv[4] ?? 256);
const RESULTS = USERS * PER_USER;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MODEL = `0x${readFileSync(resolve(root, 'pallets/model-registry/src/fixtures/mlp_64_32_10.hash')).toString('hex')}`;
const seconds = (ms) => (ms / 1000).toFixed(2);

// Alice's compute key, from which her node derives and registers her committee key.
const node = await DaifiNode.create('batch-chain', ['--dev']);
const inserted = spawnSync(NODE_BINARY, ['key', 'insert', '--dev', '--base-path', node.basePath, '--key-type', 'dcmp',
  '--scheme', 'sr25519', '--suri', '//Alice//compute'], { encoding: 'utf8' });
assert.equal(inserted.status, 0, inserted.stderr);
await node.start();
const api = await connect(node.wsUrl);
try {
  const [alice, submitter] = ['Alice', 'Ferdie'].map(devKey);
  const price = (await api.query.modelRegistry.models(MODEL)).unwrap().price.toBigInt();
  const deadline = Date.now() + 240_000;
  while ((await api.call.attestationApi.committees()).current[1].length === 0) {
    assert.ok(Date.now() < deadline, 'a committee in office within four minutes');
    await sleep(1_000);
  }

  // Users with escrow for Alice covering all their requests.
  const users = Array.from({ length: USERS }, (_, i) => devKey(`Alice//chain-user-${i}`));
  const escrow = BigInt(BATCHES * PER_USER) * price;
  const funded = await signAndFinalize(api, api.tx.utility.batchAll(users.map((u) =>
    api.tx.balances.transferKeepAlive(u.address, escrow + 10n ** 15n))), alice);
  assert.equal(funded.error, null);
  const deposits = await Promise.all(users.map((u) => signAndFinalize(api, api.tx.batches.deposit(alice.address, escrow), u)));
  deposits.forEach((d) => assert.equal(d.error, null));

  // The headers, each signed by the committee.
  const [epoch, members] = (await api.call.attestationApi.committees()).current;
  assert.deepEqual(members.map((m) => m.toString()), [alice.address], 'the development committee is Alice');
  const first = (await api.call.batchesApi.nextSequence()).toNumber();
  const builtFrom = Date.now();
  const batches = [];
  for (let b = 0; b < BATCHES; b += 1) {
    const debits = users.map((user) => {
      const last = api.createType('PalletBatchesRequest', {
        user: user.address, executor: alice.address, nonce: (b + 1) * PER_USER, model: MODEL,
        inputHash: new Uint8Array(32), fee: price, spent: BigInt((b + 1) * PER_USER) * price,
      });
      const message = blake2(stringToU8a('daifi/batch-request'), api.genesisHash, last.toU8a());
      return { firstNonce: b * PER_USER + 1, last, signature: { Sr25519: user.sign(message) } };
    });
    const leaves = Array.from({ length: RESULTS }, (_, k) =>
      blake2(stringToU8a('daifi/synthetic-leaf'), bnToU8a(b, { bitLength: 32 }), bnToU8a(k, { bitLength: 32 })));
    const header = api.createType('PalletBatchesBatchHeader', {
      sequence: first + b, root: merkleRoot(leaves), results: RESULTS, users: debits,
      entries: [{ executor: alice.address, model: MODEL, count: RESULTS, gross: BigInt(RESULTS) * price }],
    });
    const signed = committeeSign(api, epoch.toNumber(), batchPayload(header), ['//Alice//compute']);
    batches.push({ header, attestation: { epoch, signers: '0x01', signature: signed.aggregate } });
  }
  const builtAt = Date.now();

  // All at once, in order; each timed to its finalized block.
  let nonce = (await api.rpc.system.accountNextIndex(submitter.address)).toNumber();
  const started = Date.now();
  const landed = await Promise.all(batches.map(({ header, attestation }) => new Promise((ok, fail) => {
    api.tx.batches.submitBatch(header, attestation).signAndSend(submitter, { nonce: nonce++ }, ({ status, events, dispatchError }) => {
      if (dispatchError) fail(new Error(`batch ${header.sequence}: ${dispatchError.toString()}`));
      if (!status.isFinalized) return;
      const accepted = events.map(({ event }) => event).find((e) => api.events.batches.BatchAccepted.is(e));
      if (!accepted) fail(new Error(`batch ${header.sequence} not accepted`));
      const success = events.map(({ event }) => event).find((e) => api.events.system.ExtrinsicSuccess.is(e));
      ok({ block: status.asFinalized, at: Date.now(), weight: success.data.dispatchInfo.weight.refTime.toBigInt() });
    }).catch(fail);
  })));
  const finalizedAt = Math.max(...landed.map((l) => l.at));
  const blocks = await Promise.all(landed.map(async (l) => (await api.rpc.chain.getHeader(l.block)).number.toNumber()));
  const span = Math.max(...blocks) - Math.min(...blocks) + 1;
  const blockMs = Number(api.consts.babe.expectedBlockTime.toBigInt());
  const total = BATCHES * RESULTS;
  const weight = Number(landed[0].weight) / 1e9;

  console.log(`batch lane, the chain's side: ${BATCHES} batches of ${RESULTS} results (${USERS} users x ${PER_USER}), one development node (2 cores):`);
  console.log(`  users' last requests signed and headers built and signed by the committee: ${seconds(builtAt - builtFrom)} s`);
  console.log(`  submitBatch weight: ${weight.toFixed(2)} ms each (${USERS} users, 1 entry)`);
  console.log(`  accepted in ${span} block(s) (#${Math.min(...blocks)} to #${Math.max(...blocks)}): ${(total / span).toFixed(0)} results a block, ${(total / (span * blockMs / 1000)).toFixed(0)} results/s at ${blockMs / 1000}-s blocks`);
  console.log(`  from submission to the last one finalized: ${seconds(finalizedAt - started)} s, ${(total / ((finalizedAt - started) / 1000)).toFixed(0)} results/s`);
  const blockNormal = Number(api.consts.system.blockWeights.perClass.normal.maxTotal.unwrap().refTime.toBigInt()) / 1e9;
  const perBlock = Math.floor(blockNormal / weight);
  console.log(`  a block's normal weight (${blockNormal.toFixed(0)} ms) holds ${perBlock} such batches: ${perBlock * RESULTS} results a block, ${(perBlock * RESULTS / (blockMs / 1000)).toFixed(0)} results/s sustained`);
} finally {
  await api.disconnect();
  await node.stop();
}
