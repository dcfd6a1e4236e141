// The out-of-the-box flow on a development chain started by scripts/dev.sh:
// submit one digit image to the whitelisted digits model, wait for the
// verified result, print the output, the fee split and the block.
// Usage: node scripts/e2e/submit-task.mjs [ws://127.0.0.1:9944]

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { connect, devKey } from './lib/chain.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = resolve(root, 'pallets/model-registry/src/fixtures');
const MODEL = `0x${readFileSync(resolve(fixtures, 'mlp_64_32_10.hash')).toString('hex')}`;
const digits = JSON.parse(readFileSync(resolve(root, 'zk-circuits/models/digits_test.json'), 'utf8'));

const api = await connect(process.argv[2] ?? 'ws://127.0.0.1:9944');
const user = devKey('Charlie');
const model = (await api.query.modelRegistry.models(MODEL)).unwrap();
const scale = 2 ** model.inputFracBits.toNumber();
const outScale = 2 ** model.outputFracBits.toNumber();
const pick = Math.floor(Math.random() * digits.inputs.length);
const input = digits.inputs[pick].map((x) => Math.round(x * scale));
console.log(`model ${MODEL}\nsubmitting test image #${pick} (label ${digits.labels[pick]}), price ${model.price.toHuman()}`);

const started = Date.now();
const id = await new Promise((ok, fail) => {
  api.tx.tasks.submitTask(MODEL, { Values: input }, 'Zk', model.price, 'Dai').signAndSend(user, ({ status, events, dispatchError }) => {
    if (dispatchError) fail(new Error(dispatchError.toString()));
    if (status.isInBlock) {
      const e = events.find(({ event }) => api.events.tasks.TaskSubmitted.is(event));
      ok(e.event.data.task.toNumber());
    }
  }).catch(fail);
});
console.log(`task ${id} submitted; waiting for the provider's proof ...`);

const unsub = await api.query.system.events(async (records) => {
  for (const { event } of records) {
    if (!api.events.tasks.TaskCompleted.is(event) || event.data.task.toNumber() !== id) continue;
    const header = await api.rpc.chain.getHeader();
    const result = (await api.query.tasks.results(id)).unwrap();
    const logits = result.output.map((v) => Number(v.toBigInt()) / outScale);
    const best = logits.indexOf(Math.max(...logits));
    console.log(`verified on chain in block #${header.number} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(`output (logits): ${logits.map((l) => l.toFixed(2)).join(' ')} -> digit ${best}`);
    console.log(`paid ${event.data.executorPaid.toHuman()} to the executor ${event.data.provider}, `
      + `${event.data.developerPaid.toHuman()} to the developer, burned ${event.data.burned.toHuman()}, `
      + `refunded ${event.data.refunded.toHuman()}`);
    console.log(`output hash ${event.data.outputHash}, proof hash ${event.data.proofHash}`);
    unsub();
    await api.disconnect();
    process.exit(0);
  }
});
