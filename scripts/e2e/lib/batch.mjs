// The batch lane's hashes and the committee's signature, as the runtime
// computes them (`pallet_batches::merkle`, `pallet_batches::batch_payload`),
// for the end-to-end tests and the load scripts.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import { bnToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';

import { NODE_BINARY } from './node.mjs';

/** blake2-256 of `parts` concatenated. */
export const blake2 = (...parts) => blake2AsU8a(u8aConcat(...parts), 256);

/** A leaf's hash (`merkle::leaf_hash`): `leaf` is a `PalletBatchesLeaf`. */
export const leafHash = (leaf) => blake2(stringToU8a('daifi/batch-leaf'), leaf.toU8a());

/** An inner node's hash (`merkle::node_hash`). */
export const nodeHash = (left, right) => blake2(stringToU8a('daifi/batch-node'), left, right);

/** The Merkle root over leaf hashes, a missing right child zero (`merkle::root`). */
export function merkleRoot(hashes) {
  let level = hashes;
  while (level.length > 1) {
    const above = [];
    for (let i = 0; i < level.length; i += 2) above.push(nodeHash(level[i], level[i + 1] ?? new Uint8Array(32)));
    level = above;
  }
  return level[0];
}

/** What the committee signs for `header` (`batch_payload`). */
export const batchPayload = (header) => u8aConcat(stringToU8a('daifi/batch'),
  bnToU8a(header.sequence.toNumber(), { bitLength: 64 }), blake2(header.toU8a()));

/**
 * Signs `payload` for the committee of `epoch` with the committee keys of
 * `suris`' compute keys (`daifi-node committee-sign`, as members' nodes
 * derive them): `{ aggregate, ... }`.
 */
export function committeeSign(api, epoch, payload, suris) {
  const args = ['committee-sign', '--genesis', api.genesisHash.toHex(), '--epoch', String(epoch), '--payload', u8aToHex(payload)];
  const signed = spawnSync(NODE_BINARY, [...args, ...suris.flatMap((s) => ['--suri', s])], { encoding: 'utf8' });
  assert.equal(signed.status, 0, signed.stderr);
  return JSON.parse(signed.stdout);
}
