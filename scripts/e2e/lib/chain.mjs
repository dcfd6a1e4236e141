// polkadot.js helpers: connect, sign and follow a transaction to finality.

import '@polkadot/api-augment';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { bnToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady, decodeAddress } from '@polkadot/util-crypto';

/** Connects polkadot.js to a node. */
export async function connect(wsUrl) {
  await cryptoWaitReady();
  return ApiPromise.create({ provider: new WsProvider(wsUrl), noInitWarn: true, throwOnConnect: true });
}

/** The well-known development key `//Name` (sr25519). */
export function devKey(name) {
  return new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(`//${name}`);
}

/** Free balance of an address, as a BigInt. */
export async function freeBalance(api, address, at) {
  const query = at ? await api.at(at) : api;
  return (await query.query.system.account(address)).data.free.toBigInt();
}

/**
 * Signs and submits `tx`, resolving once its block is finalized with the
 * block hash, the events of the extrinsic, the fee paid and the dispatch error
 * (decoded to `pallet.Name`), if any.
 */
export function signAndFinalize(api, tx, signer) {
  return new Promise((ok, fail) => {
    let inBlock;
    tx.signAndSend(signer, (result) => {
      const { status, events, dispatchError } = result;
      if (status.isInBlock) inBlock = status.asInBlock.toHex();
      if (status.isInvalid || status.isDropped || status.isUsurped) {
        fail(new Error(`transaction ${status.type}`));
      }
      if (!status.isFinalized) return;
      const fee = events
        .filter(({ event }) => api.events.transactionPayment.TransactionFeePaid.is(event))
        .map(({ event }) => event.data.actualFee.toBigInt())[0] ?? 0n;
      let error = null;
      if (dispatchError) {
        if (dispatchError.isModule) {
          const meta = api.registry.findMetaError(dispatchError.asModule);
          error = `${meta.section}.${meta.name}`;
        } else if (dispatchError.isToken) {
          error = `Token.${dispatchError.asToken.type}`;
        } else {
          error = dispatchError.type;
        }
      }
      ok({ inBlock, finalized: status.asFinalized.toHex(), events, fee, error });
    }).catch(fail);
  });
}

/**
 * The 32 bytes a proof of task `id` by provider `provider` (an address) is
 * bound to, as the runtime computes it (`pallet_tasks::task_binding`):
 * blake2-256 of the SCALE encoding of ("daifi/task-binding", id as u64, provider).
 */
export function taskBinding(id, provider) {
  const encoded = u8aConcat(stringToU8a('daifi/task-binding'), bnToU8a(id, { bitLength: 64 }), decodeAddress(provider));
  return blake2AsU8a(encoded, 256);
}

/**
 * A compute key's proof of possession for `provider` (an address): the key's
 * sr25519 signature over the SCALE encoding of ("daifi/compute-key",
 * provider), as a MultiSignature.
 */
export function computeKeyProof(computeKey, provider) {
  const message = u8aConcat(stringToU8a('daifi/compute-key'), decodeAddress(provider));
  return { Sr25519: u8aToHex(computeKey.sign(message)) };
}

/**
 * How the runtime splits a task's fee: 10% burned (`BurnedShare`), then 80%
 * of the rest to the executor and the remainder to the model developer.
 */
export function feeSplit(fee) {
  const burned = fee / 10n;
  const executor = (fee - burned) * 8n / 10n;
  return { burned, executor, developer: fee - burned - executor };
}
