// The fast path: a task's result straight from its provider's node, checked
// in JavaScript against the model's registered verifying key before the chain
// settles it (which it then does as always; the fast path pays nobody).

import { WsProvider } from '@polkadot/api';

import { taskBinding } from './chain.mjs';

/** A connection to a provider's node for `provenResult` (`disconnect()` when done). */
export async function fastPathConnection(url) {
  const ws = new WsProvider(url, false);
  await ws.connect();
  await ws.isReady;
  return ws;
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/**
 * Resolves with `{ task, provider, input, output, proof, otherForks }` (input
 * and output as BigInts) once
 * the node at `url` (the provider's; a URL, or a connection from
 * `fastPathConnection`) has proven task `task` assigned to `provider` (an
 * address) on `input`: `daifi_subscribeProvenResult`, which answers at once
 * if the proof exists. A result proven on another input (the provider's node
 * followed a fork on which the task id named another submission) is not the
 * user's: it asks again (`daifi_provenResult`) until the node has proven the
 * task as the user submitted it (`otherForks` counts the times it asked).
 * If the user's transaction moved to another block meanwhile (a re-org: the
 * same submission under another id or provider), `follow()` returns the
 * latest `{ task, provider }` (or a promise of it) and is asked before each
 * retry.
 */
export async function provenResult(url, task, provider, { input, timeoutMs = 60_000, follow } = {}) {
  const ws = typeof url === 'string' ? await fastPathConnection(url) : url;
  const deadline = Date.now() + timeoutMs;
  const mine = (result) => !input
    || (result.input.length === input.length && result.input.every((v, k) => BigInt(v) === BigInt(input[k])));
  try {
    let result = await new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no proven result for task ${task} within ${timeoutMs / 1000} s`)), timeoutMs);
      ws.subscribe('daifi_provenResultReady', 'daifi_subscribeProvenResult', [task, provider], (error, proven) => {
        clearTimeout(timer);
        if (error) fail(error); else ok(proven);
      }).catch((error) => { clearTimeout(timer); fail(error); });
    });
    let otherForks = 0;
    while (!result || !mine(result)) {
      if (Date.now() > deadline) throw new Error(`task ${task}: the provider proved another input`);
      otherForks += 1;
      await sleep(100);
      if (follow) ({ task, provider } = await follow());
      result = await ws.send('daifi_provenResult', [task, provider]);
    }
    // Values come as decimal strings (exact beyond 2^53): BigInts here.
    return {
      ...result, input: result.input.map(BigInt), output: result.output.map(BigInt), task, provider, otherForks,
    };
  } finally {
    if (ws !== url) await ws.disconnect();
  }
}

/**
 * Checks a fast-path `result` of task `task` by `provider` on `input` with
 * `verifier` (lib/verifier.mjs) against `model` (`modelRegistry.models(hash)`,
 * unwrapped): 'Verified', or the verifier's reason.
 */
export function verifyProven(verifier, model, task, provider, input, result) {
  return verifier.verify({
    verifyingKey: model.verifyingKey,
    binding: taskBinding(task, provider),
    input,
    output: result.output,
    proof: result.proof,
    inputMin: model.inputMin.toBigInt(),
    inputMax: model.inputMax.toBigInt(),
    outputBits: model.outputBits.toNumber(),
  });
}
