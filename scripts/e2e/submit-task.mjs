// The out-of-the-box flow on a development chain started by scripts/dev.sh:
// submit one digit image to the whitelisted digits model; as soon as the
// block that includes it names the provider, take the result from the
// provider's node (the fast path) and verify its proof here with the wasm
// verifier against the registered key ("verified locally after X ms"); then
// wait for the chain to settle it ("settled on chain in block N after Y ms"),
// and print the output, the fee split and the block.
// Usage: node scripts/e2e/submit-task.mjs [ws://127.0.0.1:9944]
// (the wasm verifier: cargo build --release -p daifi-zk-verifier-wasm --target wasm32v1-none --no-default-features)

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { connect, devKey } from './lib/chain.mjs';
import { provenResult, verifyProven } from './lib/fastpath.mjs';
import { loadVerifier } from './lib/verifier.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = resolve(root, 'pallets/model-registry/src/fixtures');
const MODEL = `0x${readFileSync(resolve(fixtures, 'mlp_64_32_10.hash')).toString('hex')}`;
const digits = JSON.parse(readFileSync(resolve(root, 'zk-circuits/models/digits_test.json'), 'utf8'));

const url = process.argv[2] ?? 'ws://127.0.0.1:9944';
const api = await connect(url);
const verifier = await loadVerifier();
const user = devKey('Charlie');
const model = (await api.query.modelRegistry.models(MODEL)).unwrap();
const scale = 2 ** model.inputFracBits.toNumber();
const outScale = 2 ** model.outputFracBits.toNumber();
const pick = Math.floor(Math.random() * digits.inputs.length);
const input = digits.inputs[pick].map((x) => Math.round(x * scale));
console.log(`model ${MODEL}\nsubmitting test image #${pick} (label ${digits.labels[pick]}), price ${model.price.toHuman()}`);

const started = Date.now();
const { id, provider, included } = await new Promise((ok, fail) => {
  api.tx.tasks.submitTask(MODEL, { Values: input }, 'Zk', model.price, 'Dai').signAndSend(user, async ({ status, events, dispatchError }) => {
    if (dispatchError) fail(new Error(dispatchError.toString()));
    if (status.isInBlock) {
      const task = events.find(({ event }) => api.events.tasks.TaskSubmitted.is(event)).event.data.task.toNumber();
      // The scheduler assigns it at the end of the same block.
      const header = await api.rpc.chain.getHeader(status.asInBlock);
      const all = await (await api.at(status.asInBlock)).query.system.events();
      const assigned = all.find(({ event }) => api.events.tasks.TaskAssigned.is(event) && event.data.task.toNumber() === task);
      ok({ id: task, provider: assigned?.event.data.provider.toString(), included: header.number.toNumber() });
    }
  }).catch(fail);
});
console.log(`task ${id} included in block #${included} after ${Date.now() - started} ms, assigned to ${provider ?? '(nobody yet)'}`);

const settled = new Promise((ok) => {
  const unsub = api.query.system.events(async (records) => {
    for (const { event } of records) {
      if (!api.events.tasks.TaskCompleted.is(event) || event.data.task.toNumber() !== id) continue;
      ok({ event, at: Date.now(), block: (await api.rpc.chain.getHeader()).number.toNumber() });
      (await unsub)();
    }
  });
});

if (provider) {
  const fast = await provenResult(url, id, provider, { input });
  const verdict = verifyProven(verifier, model, id, provider, input, fast);
  const logits = fast.output.map((v) => Number(v) / outScale);
  console.log(`verified locally after ${Date.now() - started} ms: ${verdict}, digit ${logits.indexOf(Math.max(...logits))}`);
}

const { event, at, block } = await settled;
const result = (await api.query.tasks.results(id)).unwrap();
const logits = result.output.map((v) => Number(v.toBigInt()) / outScale);
const best = logits.indexOf(Math.max(...logits));
console.log(`settled on chain in block #${block} after ${at - started} ms (${block - included} block(s) after inclusion)`);
console.log(`output (logits): ${logits.map((l) => l.toFixed(2)).join(' ')} -> digit ${best}`);
console.log(`paid ${event.data.executorPaid.toHuman()} to the executor ${event.data.provider}, `
  + `${event.data.developerPaid.toHuman()} to the developer, burned ${event.data.burned.toHuman()}, `
  + `refunded ${event.data.refunded.toHuman()}`);
console.log(`output hash ${event.data.outputHash}, proof hash ${event.data.proofHash}`);
await api.disconnect();
process.exit(0);
