// A model developer's path from an ONNX file to a whitelisting proposal
// before the three chambers (run through scripts/whitelist-model.sh).
//
//   propose MODEL.onnx --developer //Bob --url http://host/models --price 0.01 --flops N
//           [--contributor //Alice:compute ...] [--phase1 FILE --phase1-hash HASH] [--out DIR] [--ws URL]
//     1. compiles the model with daifi-zk (or names the operators it does not
//        support and the other backends);
//     2. derives the model's initial key from the network's phase 1;
//     3. proposes `modelRegistry.registerModel` to the chambers (with the
//        initial key, to be replaced), naming the transcript the ceremony
//        starts from;
//     4. runs each contribution it is given (`--contributor //Key:chamber`,
//        a chamber member's key: the contribution's secret never leaves
//        daifi-zk) and records it on the proposal, signed by that member;
//     5. closes the ceremony with the hash of a block finalized after the last
//        contribution as beacon, and amends the proposal with the final key and
//        the transcript's hash;
//     6. writes what providers fetch (the ONNX file, the proving key, the
//        transcript: nothing else, all public) to --out, to be published at
//        --url; the chain gets hashes, the verifying key and the URL;
//     7. shows the proposal's state in each chamber.
//     With --wait-for-contributions it stops after step 3 (writing the
//     initial key for the members' own contributions); then
//   finalize INDEX MODEL.onnx --key LAST_PK (and the options of propose)
//     runs steps 1 and 5-7 on that proposal, from the last contribution's key.
//   contribute INDEX --member //Key:chamber --key PK --transcript FILE --key-out PK [--ws URL]
//     a chamber member's own contribution on its own machine: runs
//     `daifi-zk phase2 contribute` (its secret never leaves that process) on
//     the key and transcript the developer published, and records the
//     transcript's hash on the proposal; the member sends back the new key
//     and transcript (`--contributor` above does the same for keys given to
//     the developer's script, as on a development chain).
//   status INDEX [--close] [--wait SECONDS] [--ws URL] [--signer //Key]
//     shows a proposal's state in each chamber; with --close, closes it once
//     every chamber approves (waiting up to --wait seconds).
//
// Every long step shows its progress; daifi-zk's own progress lines are shown
// as they come. Exit status 2: the model cannot be compiled (or a step failed).

import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Keyring } from '@polkadot/keyring';
import { blake2AsHex } from '@polkadot/util-crypto';

import { connect, signAndFinalize } from './lib/chain.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const targetDir = process.env.CARGO_TARGET_DIR ?? resolve(process.env.HOME, '.cache/daifi-target');
const DAIFI_ZK = process.env.DAIFI_ZK ?? resolve(targetDir, 'release', 'daifi-zk');
const CHAMBERS = ['Compute', 'Model', 'User'];
const DAI = 10n ** 12n;

/** `--name value` options (repeatable ones collected), and the positionals. */
function parseArgs(argv) {
  const options = { contributor: [] };
  const positional = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (!arg.startsWith('--')) { positional.push(arg); continue; }
    const name = arg.slice(2);
    if (name === 'close' || name === 'wait-for-contributions') { options[name] = true; continue; }
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    i += 1;
    if (Array.isArray(options[name])) options[name].push(value); else options[name] = value;
  }
  return { options, positional };
}

/** Runs `label` with `work`, showing the time it takes (ticking on a terminal). */
async function step(index, total, label, work) {
  const started = Date.now();
  const prefix = `[${index}/${total}] ${label}`;
  const tty = process.stdout.isTTY;
  process.stdout.write(tty ? `${prefix} ...` : `${prefix} ...\n`);
  const ticker = tty ? setInterval(() => {
    process.stdout.write(`\r${prefix} ... ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }, 1000) : null;
  try {
    const result = await work();
    if (ticker) clearInterval(ticker);
    process.stdout.write(`${tty ? '\r' : ''}${prefix}: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return result;
  } catch (error) {
    if (ticker) clearInterval(ticker);
    process.stdout.write(`${tty ? '\r' : ''}${prefix}: FAILED\n`);
    throw error;
  }
}

/** Runs daifi-zk, showing its progress lines; resolves with its standard output. */
function daifiZk(args) {
  return new Promise((ok, fail) => {
    const child = spawn(DAIFI_ZK, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      for (const line of String(chunk).split('\n').filter(Boolean)) process.stdout.write(`\n      ${line}`);
    });
    child.on('error', (error) => fail(new Error(`cannot run ${DAIFI_ZK}: ${error.message} (build it: cargo build --release -p daifi-zk)`)));
    child.on('close', (code) => {
      if (code === 0) ok(stdout);
      else fail(Object.assign(new Error(`daifi-zk ${args[0]} failed: ${stderr.trim() || stdout.trim()}`), { stdout }));
    });
  });
}

/** What `daifi-zk compile` prints, parsed. */
function parseCompiled(stdout) {
  const number = (label) => Number(new RegExp(`${label} (-?\\d+)`).exec(stdout)[1]);
  const shapes = /input shape \[([\d, ]+)\], output shape \[([\d, ]+)\]/.exec(stdout);
  const dims = (text) => text.split(',').map((d) => Number(d.trim()));
  return {
    hash: /model hash \(blake2-256\): (0x[0-9a-f]{64})/.exec(stdout)[1],
    inputShape: dims(shapes[1]),
    outputShape: dims(shapes[2]),
    fields: Object.fromEntries(['inputFracBits', 'outputFracBits', 'outputBits', 'inputMin', 'inputMax']
      .map((label) => [label, number(label)])),
    constraints: number('constraints:'),
  };
}

/** The operators `daifi-zk compile` listed as unsupported. */
function unsupportedOperators(stdout = '') {
  return [...stdout.matchAll(/^\s+(\S+)\s+x\d+\s+UNSUPPORTED$/gm)].map((m) => m[1]);
}

/** `//Key:chamber` → a keyring pair and its chamber. */
function member(spec) {
  const [uri, chamber = 'Compute'] = spec.split(':');
  const name = CHAMBERS.find((c) => c.toLowerCase() === chamber.toLowerCase());
  if (!name) throw new Error(`${spec}: the chamber must be one of ${CHAMBERS.join(', ')}`);
  return { pair: new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(uri), chamber: name };
}

/** Signs `tx` with `signer`; throws with the chain's error name if it failed. */
async function submit(api, tx, signer) {
  const result = await signAndFinalize(api, tx, signer);
  if (result.error) throw new Error(`${tx.method.section}.${tx.method.method} failed: ${result.error}`);
  return result;
}

/** Prints each chamber's votes on proposal `index` (current members only), and its contributions. */
export async function showProposal(api, index) {
  const proposal = await api.query.tricameral.proposals(index);
  if (proposal.isNone) {
    console.log(`proposal ${index}: not open (executed, blocked or expired: see the tricameral events)`);
    return null;
  }
  const p = proposal.unwrap();
  const votes = await api.query.tricameral.votes.entries(index);
  const now = (await api.rpc.chain.getHeader()).number.toNumber();
  console.log(`proposal ${index}: call 0x${p.callHash.toHex().slice(2, 14)}..., open until block ${p.end.toNumber()} (now ${now}), deposit ${p.deposit.toBigInt() / DAI} DAi`);
  const state = {};
  for (const chamber of CHAMBERS) {
    const members = (await api.query.tricameral.members(chamber)).map((m) => m.toString());
    let ayes = 0;
    let nays = 0;
    for (const [key, vote] of votes) {
      const who = key.args[1].toString();
      const [votedIn, aye] = vote.unwrap();
      if (votedIn.type !== chamber || !members.includes(who)) continue;
      if (aye.isTrue) ayes += 1; else nays += 1;
    }
    const needed = Math.floor(members.length / 2) + 1;
    const verdict = ayes >= needed ? 'approves' : nays >= needed ? 'BLOCKS' : `needs ${needed - ayes} more aye(s)`;
    console.log(`  ${chamber.padEnd(8)} ${ayes} aye, ${nays} nay of ${members.length} members: ${verdict}`);
    state[chamber] = { ayes, nays, members: members.length, approves: ayes >= needed, blocks: nays >= needed };
  }
  if (p.phase2Start.isSome) {
    console.log(`  phase 2 from transcript ${p.phase2Start.unwrap().toHex()}`);
    for (const c of p.contributions) {
      console.log(`    contribution by ${c.contributor.toString()} (${c.chamber.type} Chamber): transcript ${c.transcript.toHex()}`);
    }
  }
  return state;
}

/**
 * `propose` (steps 1-7, or 1-4 with --wait-for-contributions) and `finalize`
 * (steps 1 and 5-7 on an open proposal, from the last contribution's key).
 */
async function whitelist({ positional, options }, finalizing) {
  const [, first, second] = positional;
  const onnxArg = finalizing ? second : first;
  if (!onnxArg || (finalizing && (!Number.isInteger(Number(first)) || !options.key))) {
    throw new Error(finalizing
      ? 'usage: whitelist-model.sh finalize INDEX MODEL.onnx --key LAST_PK --developer //Key --url URL --price DAI --flops N'
      : 'usage: whitelist-model.sh propose MODEL.onnx --developer //Key --url URL --price DAI --flops N');
  }
  for (const required of ['developer', 'url', 'price', 'flops']) {
    if (!options[required]) throw new Error(`--${required} is required`);
  }
  const onnx = resolve(onnxArg);
  const name = basename(onnx);
  const out = resolve(options.out ?? `published-${name.replace(/\.onnx$/, '')}`);
  const phase1File = resolve(options.phase1 ?? join(root, 'chain-spec/dev-ceremony/phase1.bin'));
  const developer = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(options.developer);
  const contributors = options.contributor.map(member);
  const total = 7;

  const compiled = await step(1, total, `compiling ${name} with daifi-zk`, async () => {
    try {
      return parseCompiled(await daifiZk(['compile', onnx]));
    } catch (error) {
      const unsupported = unsupportedOperators(error.stdout);
      console.error(`\n${error.message}`);
      if (unsupported.length) {
        console.error(`unsupported operator(s): ${unsupported.join(', ')}`);
      }
      console.error('other backends: redundant execution (tasks with verification Redundant, attested by the'
        + ' BLS committee) serves any whitelisted model; the ezkl backend (halo2/KZG) is not available yet.');
      process.exit(2);
    }
  });
  const bytes = readFileSync(onnx);
  const hash = blake2AsHex(bytes, 256);
  if (hash !== compiled.hash) throw new Error(`daifi-zk's hash ${compiled.hash} is not the file's ${hash}`);
  console.log(`      model ${hash}: ${compiled.constraints} constraints, input ${JSON.stringify(compiled.inputShape)}, output ${JSON.stringify(compiled.outputShape)}`);

  const api = await connect(options.ws ?? 'ws://127.0.0.1:9944');
  try {
    // The sealed phase 1 the key derives from, as the chain names it (the
    // development one by default).
    const recordedPhase1 = options['phase1-hash']
      ?? `0x${readFileSync(join(root, 'pallets/model-registry/src/fixtures/phase1.hash')).toString('hex')}`;
    if ((await api.query.modelRegistry.phase1Results(recordedPhase1)).isNone) {
      throw new Error(`the chain has no sealed phase 1 ${recordedPhase1} (--phase1-hash)`);
    }
    if ((await api.query.modelRegistry.models(hash)).isSome) throw new Error(`model ${hash} is already whitelisted`);

    const work = mkdtempSync(join(tmpdir(), 'daifi-whitelist-'));
    mkdirSync(out, { recursive: true });
    const transcript = resolve(options.transcript ?? join(out, `${name}.transcript`));
    const transcriptHash = () => blake2AsHex(readFileSync(transcript), 256);
    const record = (verifyingKey, transcriptOf) => ({
      size: bytes.length,
      verifyingKey: `0x${readFileSync(verifyingKey).toString('hex')}`,
      phase1: recordedPhase1,
      transcript: transcriptOf,
      inputShape: compiled.inputShape,
      outputShape: compiled.outputShape,
      ...compiled.fields,
      flops: BigInt(options.flops),
      minVramMib: 0,
      developer: developer.address,
      price: BigInt(Math.round(Number(options.price) * 1e6)) * (DAI / 1_000_000n),
      url: `${options.url.replace(/\/$/, '')}/${name}`,
      retired: false,
    });
    const registerCall = (verifyingKey, transcriptOf) =>
      api.tx.modelRegistry.registerModel(hash, record(verifyingKey, transcriptOf));

    try {
      let index = Number(first);
      let key = finalizing ? resolve(options.key) : join(work, 'k0');
      if (!finalizing) {
        await step(2, total, 'deriving the initial key from phase 1 (daifi-zk phase2 start)', () => daifiZk([
          'phase2', 'start', onnx, '--phase1', phase1File, '--key-out', join(work, 'k0'),
          '--transcript', transcript, '--verifying-key', join(work, 'vk0')]));
        const start = transcriptHash();
        index = await step(3, total, 'proposing the whitelisting to the three chambers', async () => {
          const tx = api.tx.tricameral.propose(registerCall(join(work, 'vk0'), start), start);
          const { events } = await submit(api, tx, developer);
          const proposed = events.find(({ event }) => api.events.tricameral.Proposed.is(event));
          return proposed.event.data.index.toNumber();
        });
        console.log(`      proposal ${index}`);
      }

      for (const [i, { pair, chamber }] of (finalizing ? [] : contributors).entries()) {
        await step(4, total, `contribution ${i + 1} of ${contributors.length}, by ${pair.address} (${chamber} Chamber)`, async () => {
          const previous = transcriptHash();
          const next = join(work, `k${i + 1}`);
          await daifiZk(['phase2', 'contribute', '--key', key, '--transcript', transcript, '--key-out', next]);
          key = next;
          await submit(api, api.tx.tricameral.contribute(index, chamber, previous, transcriptHash()), pair);
        });
      }
      if (!finalizing && contributors.length === 0) console.log('[4/7] no contributions run here');
      if (!finalizing && options['wait-for-contributions']) {
        const current = join(out, `${name}.in-progress.pk`);
        copyFileSync(key, current);
        await showProposal(api, index);
        console.log(`members now contribute on ${current} and ${transcript} (scripts/whitelist-model.sh contribute ${index} ...),`
          + ` each passing on the key and transcript; then: scripts/whitelist-model.sh finalize ${index} ${onnxArg} --key LAST_PK (and the options above)`);
        console.log(`proposal index: ${index}`);
        return;
      }

      await step(5, total, 'closing the ceremony with a finalized block hash as beacon', async () => {
        const beacon = (await api.rpc.chain.getFinalizedHead()).toHex().slice(2);
        console.log(`\n      beacon: block ${beacon}`);
        await daifiZk(['phase2', 'beacon', '--key', key, '--transcript', transcript, '--beacon', beacon,
          '--iterations-log2', options['beacon-iterations'] ?? '10',
          '--key-out', join(out, `${name}.pk`), '--verifying-key', join(work, 'verifying.key')]);
      });

      await step(6, total, 'amending the proposal with the final key and transcript', async () => {
        await submit(api, api.tx.tricameral.amend(index, registerCall(join(work, 'verifying.key'), transcriptHash())), developer);
      });
      copyFileSync(onnx, join(out, name));
      console.log(`[7/7] publish ${out}/ at ${options.url} (the ONNX file, ${name}.pk, ${name}.transcript: all public); the chain has the model's hash, verifying key, transcript hash ${transcriptHash()} and URL`);
      await showProposal(api, index);
      console.log(`members vote with tricameral.vote(${index}, chamber, true); then: scripts/whitelist-model.sh status ${index} --close`);
      console.log(`proposal index: ${index}`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  } finally {
    await api.disconnect();
  }
}

async function contribute({ positional: [, indexArg], options }) {
  const index = Number(indexArg);
  if (!Number.isInteger(index) || !options.member || !options.key || !options.transcript || !options['key-out']) {
    throw new Error('usage: whitelist-model.sh contribute INDEX --member //Key:chamber --key PK --transcript FILE --key-out PK');
  }
  const { pair, chamber } = member(options.member);
  const transcript = resolve(options.transcript);
  const api = await connect(options.ws ?? 'ws://127.0.0.1:9944');
  try {
    const previous = blake2AsHex(readFileSync(transcript), 256);
    await step(1, 2, 'contributing (daifi-zk phase2 contribute)', () => daifiZk([
      'phase2', 'contribute', '--key', resolve(options.key), '--transcript', transcript, '--key-out', resolve(options['key-out'])]));
    await step(2, 2, `recording it on proposal ${index} as ${pair.address} (${chamber} Chamber)`, () =>
      submit(api, api.tx.tricameral.contribute(index, chamber, previous, blake2AsHex(readFileSync(transcript), 256)), pair));
    await showProposal(api, index);
  } finally {
    await api.disconnect();
  }
}

async function status({ positional: [, indexArg], options }) {
  const index = Number(indexArg);
  if (!Number.isInteger(index)) throw new Error('usage: whitelist-model.sh status INDEX [--close] [--wait SECONDS]');
  const api = await connect(options.ws ?? 'ws://127.0.0.1:9944');
  try {
    const deadline = Date.now() + Number(options.wait ?? 0) * 1000;
    for (;;) {
      const state = await showProposal(api, index);
      if (!state) return;
      const approved = CHAMBERS.every((c) => state[c].approves);
      const blocked = CHAMBERS.some((c) => state[c].blocks);
      if (options.close && (approved || blocked)) {
        const signer = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(options.signer ?? '//Alice');
        const call = api.createType('Call', (await api.query.tricameral.proposalCalls(index)).unwrap());
        const bound = (await api.tx(call).paymentInfo(signer)).weight;
        const { events } = await submit(api, api.tx.tricameral.close(index, bound), signer);
        for (const { event } of events.filter(({ event }) => event.section === 'tricameral')) {
          console.log(`  ${event.section}.${event.method} ${JSON.stringify(event.data.toHuman())}`);
        }
        return;
      }
      if (Date.now() >= deadline) return;
      await new Promise((ok) => setTimeout(ok, 3000));
    }
  } finally {
    await api.disconnect();
  }
}

const args = parseArgs(process.argv.slice(2));
const command = {
  propose: (a) => whitelist(a, false),
  finalize: (a) => whitelist(a, true),
  contribute,
  status,
}[args.positional[0]];
if (!command) {
  console.error('usage: whitelist-model.sh propose MODEL.onnx --developer //Key --url URL --price DAI --flops N [--contributor //Key:chamber ...]\n'
    + '       whitelist-model.sh finalize INDEX MODEL.onnx --key LAST_PK (and the options of propose)\n'
    + '       whitelist-model.sh contribute INDEX --member //Key:chamber --key PK --transcript FILE --key-out PK\n'
    + '       whitelist-model.sh status INDEX [--close] [--wait SECONDS]');
  process.exit(2);
}
try {
  await command(args);
} catch (error) {
  console.error(`error: ${error.message}`);
  process.exit(2);
}
