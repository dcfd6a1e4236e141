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

/**
 * Resolves with `{ output, proof }` once the node at `url` (the provider's;
 * a URL, or a connection from `fastPathConnection`) has proven task `task`
 * assigned to `provider` (an address): `daifi_subscribeProvenResult`, which
 * answers at once if the proof exists.
 */
export async function provenResult(url, task, provider, timeoutMs = 60_000) {
  const ws = typeof url === 'string' ? await fastPathConnection(url) : url;
  try {
    return await new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no proven result for task ${task} within ${timeoutMs / 1000} s`)), timeoutMs);
      ws.subscribe('daifi_provenResultReady', 'daifi_subscribeProvenResult', [task, provider], (error, result) => {
        clearTimeout(timer);
        if (error) fail(error); else ok(result);
      }).catch((error) => { clearTimeout(timer); fail(error); });
    });
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
