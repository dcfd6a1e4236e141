// A --dev node: polkadot.js signs a transfer as Alice, sees it included and
// finalized, checks both balances and the fee; a transfer beyond the balance is
// refused with the pallet's named error and changes no balance but the fee.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { connect, devKey, freeBalance, signAndFinalize } from '../lib/chain.mjs';
import { DaifiNode } from '../lib/node.mjs';

const DAI = 10n ** 12n;
let node;
let api;

before(async () => {
  node = await DaifiNode.create('dev', ['--dev']);
  await node.start();
  api = await connect(node.wsUrl);
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

test('the dev chain announces DAi with 12 decimals and produces and finalizes blocks', async () => {
  const props = await api.rpc.system.properties();
  assert.equal(props.tokenSymbol.unwrap()[0].toString(), 'DAi');
  assert.equal(props.tokenDecimals.unwrap()[0].toNumber(), 12);
  assert.equal((await api.rpc.system.chain()).toString(), 'DAiFi Development');
  const heights = await node.waitFor('block 3 finalized', (h) => h.finalized >= 3);
  assert.ok(heights.best >= heights.finalized);
});

test('Alice signs a transfer to Bob: included, finalized, balances and fee add up', async () => {
  const alice = devKey('Alice');
  const bob = devKey('Bob');
  const amount = 42n * DAI;
  const aliceBefore = await freeBalance(api, alice.address);
  const bobBefore = await freeBalance(api, bob.address);
  const issuanceBefore = (await api.query.balances.totalIssuance()).toBigInt();

  const tx = api.tx.balances.transferKeepAlive(bob.address, amount);
  const quoted = (await tx.paymentInfo(alice)).partialFee.toBigInt();
  const result = await signAndFinalize(api, tx, alice);

  assert.equal(result.error, null);
  assert.ok(result.fee > 0n, 'a fee was charged');
  assert.equal(result.fee, quoted, 'the fee charged is the fee quoted by payment_queryInfo');
  const at = result.finalized;
  assert.equal(await freeBalance(api, bob.address, at), bobBefore + amount);
  assert.equal(await freeBalance(api, alice.address, at), aliceBefore - amount - result.fee);
  const issuanceAfter = (await (await api.at(at)).query.balances.totalIssuance()).toBigInt();
  assert.equal(issuanceAfter, issuanceBefore - result.fee, 'the fee is burned, nothing else');
});

test('a transfer larger than the balance is refused with a named error and moves nothing', async () => {
  const charlie = devKey('Charlie');
  const dave = devKey('Dave');
  const charlieBefore = await freeBalance(api, charlie.address);
  const daveBefore = await freeBalance(api, dave.address);

  const tx = api.tx.balances.transferKeepAlive(dave.address, charlieBefore * 2n);
  const result = await signAndFinalize(api, tx, charlie);

  assert.equal(result.error, 'Token.FundsUnavailable');
  assert.ok(
    result.events.some(({ event }) => api.events.system.ExtrinsicFailed.is(event)),
    'ExtrinsicFailed was emitted',
  );
  const at = result.finalized;
  assert.equal(await freeBalance(api, dave.address, at), daveBefore, 'Dave received nothing');
  assert.equal(await freeBalance(api, charlie.address, at), charlieBefore - result.fee,
    'Charlie lost only the fee');
});

test('Prometheus metrics are served', async () => {
  const text = await (await fetch(`http://127.0.0.1:${node.prometheusPort}/metrics`)).text();
  const height = /substrate_block_height\{status="finalized",chain="daifi_dev"\} (\d+)/.exec(text);
  assert.ok(height, 'the finalized block height metric is exported');
  assert.ok(Number(height[1]) >= 1);
});

test('the new JSON-RPC methods (chainHead, transaction) are served', async () => {
  const { methods } = await node.rpc('rpc_methods');
  for (const method of ['chainHead_v1_follow', 'transaction_v1_broadcast', 'chainSpec_v1_genesisHash',
    'payment_queryInfo', 'grandpa_roundState', 'babe_epochAuthorship', 'author_rotateKeys']) {
    assert.ok(methods.includes(method), `${method} is served`);
  }
});
