// Sovereign domains on a --dev node, through polkadot.js, with Alice's node
// proving (its worker, `//Alice//compute`): Dave's domain keeps its data
// inside and runs Charlie's task on Alice, its member; then Alice moves to
// Eve's domain, which serves outsiders for a 10% markup: Ferdie's task from
// the open network crosses into it, while Charlie's is refused (his domain
// has no provider left). The crossing is on the clearing record, the hour (shortened
// by sudo to 10 blocks) clears it in one transfer, and Alice claims exactly
// what crossed. The domains' audit logs show what ran where.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { connect, devKey, feeSplit, signAndFinalize } from '../lib/chain.mjs';
import { DaifiNode, NODE_BINARY, sleep } from '../lib/node.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const fixtures = resolve(root, 'pallets/model-registry/src/fixtures');
const io = readFileSync(resolve(fixtures, 'mlp_64_32_10.io'));
const INPUT = Array.from({ length: 64 }, (_, i) => io.readBigInt64LE(i * 8));
const MODEL = `0x${readFileSync(resolve(fixtures, 'mlp_64_32_10.hash')).toString('hex')}`;

let node;
let api;

function run(cmd, args) {
  const result = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(result.status, 0, `${cmd} ${args.join(' ')}: ${result.stderr}`);
}

before(async () => {
  node = await DaifiNode.create('domains', ['--dev']);
  const models = resolve(node.basePath, 'models');
  run(resolve(root, 'scripts/dev-models.sh'), [models]);
  run(NODE_BINARY, ['key', 'insert', '--dev', '--base-path', node.basePath,
    '--key-type', 'dcmp', '--scheme', 'sr25519', '--suri', '//Alice//compute']);
  node.args.push('--compute-models', models);
  await node.start();
  api = await connect(node.wsUrl);
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

/** Signs `tx` as `signer` and expects it to succeed; returns the result. */
async function ok(tx, signer) {
  const result = await signAndFinalize(api, tx, signer);
  assert.equal(result.error, null, `${tx.method.section}.${tx.method.method}`);
  return result;
}

/** `admin` creates a domain with `policy`; `members` join it. Returns its id. */
async function domain(admin, policy, members) {
  const id = (await api.query.domains.nextDomainId()).toNumber();
  await ok(api.tx.domains.create('Enterprise', policy), admin);
  for (const member of members) {
    await ok(api.tx.domains.invite(id, member.address), admin);
    await ok(api.tx.domains.join(id), member);
  }
  return id;
}

/** Submits the digits input as `user`; returns the task id. */
async function submit(user, maxFee) {
  const { events } = await ok(api.tx.tasks.submitTask(MODEL, { Values: INPUT }, 'Zk', maxFee, 'Dai'), user);
  return events.find(({ event }) => api.events.tasks.TaskSubmitted.is(event)).event.data.task.toNumber();
}

/** Waits until task `id` has a verified result; returns it. */
async function settled(id, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await api.query.tasks.results(id);
    if (result.isSome) return result.unwrap();
    assert.ok(Date.now() < deadline, `task ${id} settled within ${timeoutMs / 1000} s`);
    await sleep(1_000);
  }
}

test('a local domain keeps its task on its member; an outsider\'s task crosses, clears and is claimed', async () => {
  const [alice, charlie, dave, eve, ferdie] = ['Alice', 'Charlie', 'Dave', 'Eve', 'Ferdie'].map(devKey);
  const price = (await api.query.modelRegistry.models(MODEL)).unwrap().price.toBigInt();

  // Dave's domain: data stays inside; Charlie (a user) and Alice (a provider) join.
  const local = await domain(dave, { local: true, outsideMarkup: null, models: null, preference: 'Stake' }, [charlie, alice]);
  assert.equal((await api.call.domainsApi.domainOf(alice.address)).unwrap().toNumber(), local);
  const first = await submit(charlie, price);
  assert.equal((await settled(first)).provider.toString(), alice.address, 'the domain\'s task ran on its member');
  const audit = await api.call.domainsApi.audit(local);
  assert.deepEqual(audit.map((e) => [e.task.toNumber(), e.ranIn.unwrap().toNumber()]), [[first, local]]);

  // Alice moves to Eve's domain, which serves outsiders for 10% of the executor's share.
  await ok(api.tx.domains.leave(), alice);
  const serving = await domain(eve, { local: false, outsideMarkup: 100_000_000, models: null, preference: 'Stake' }, [alice]);
  // Charlie's domain keeps its tasks inside and has no provider left: refused at once.
  const refused = await signAndFinalize(api, api.tx.tasks.submitTask(MODEL, { Values: INPUT }, 'Zk', price, 'Dai'), charlie);
  assert.equal(refused.error, 'tasks.NoProviderInDomain');
  const crossing = await submit(ferdie, 2n * price);
  const result = await settled(crossing);
  assert.equal(result.provider.toString(), alice.address);
  const share = feeSplit(price).executor;
  const crossed = share + share / 10n;

  // The crossing is on the record of this period, from the open network to Eve's domain.
  const era = (await api.call.domainsApi.currentEra()).toNumber();
  const flows = (await api.call.domainsApi.clearing(era)).map(([[from, to], flow]) =>
    [from.isSome ? from.unwrap().toNumber() : null, to.isSome ? to.unwrap().toNumber() : null, flow.volume.toBigInt(), flow.count.toNumber()]);
  assert.deepEqual(flows, [[null, serving, crossed, 1]]);
  // Alice is paid by her domain's gateway once the period clears, not at settlement.
  const pending = await api.call.domainsApi.earnings(alice.address);
  assert.deepEqual(pending.map(([, e]) => [e.pending.toBigInt(), e.claimable.toBigInt()]), [[crossed, 0n]]);

  // Sudo shortens the clearing period to 10 blocks; the next multiple of 10 clears it.
  await ok(api.tx.sudo.sudo(api.tx.parameters.setParameter({ Domains: { ClearingPeriod: [null, 10] } })), alice);
  const deadline = Date.now() + 60_000;
  while ((await api.call.domainsApi.currentEra()).toNumber() === era) {
    assert.ok(Date.now() < deadline, 'the period closed within a minute');
    await sleep(1_000);
  }
  const earnings = await api.call.domainsApi.earnings(alice.address);
  assert.equal(earnings.length, 1);
  assert.equal(earnings[0][1].claimable.toBigInt(), crossed);
  const claim = await ok(api.tx.domains.claim(serving), alice);
  const claimed = claim.events.find(({ event }) => api.events.domains.Claimed.is(event)).event.data;
  assert.equal(claimed.amount.toBigInt(), crossed, 'Alice claims exactly what crossed to her');
  const left = await api.call.domainsApi.earnings(alice.address);
  assert.equal(left.length, 0, 'nothing left to claim');
  // Eve's domain's log shows Ferdie's task that ran in it.
  const log = await api.call.domainsApi.audit(serving);
  assert.deepEqual(log.map((e) => [e.task.toNumber(), e.home.isNone, e.ranIn.unwrap().toNumber()]), [[crossing, true, serving]]);
});

