// polkadot.js helpers: connect, sign and follow a transaction to finality.

import '@polkadot/api-augment';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';

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
