// Verifies a DAiFi inference proof in JavaScript (Node.js or a browser) with
// daifi-zk-verifier compiled to WebAssembly (zk-circuits/daifi-zk-verifier-wasm):
// the same check the runtime makes, against the verifying key the chain
// registered, without a node of one's own.
//
//   cargo build --release -p daifi-zk-verifier-wasm --target wasm32v1-none --no-default-features
//
// const verifier = await loadVerifier();
// verifier.verify({ verifyingKey, binding, input, output, proof, inputMin, inputMax, outputBits })
//   -> 'Verified' | 'MalformedVerifyingKey' | 'MalformedProof' | 'WrongPublicInputCount' | 'InvalidProof' | 'ValueOutOfRange'

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { hexToU8a, isHex } from '@polkadot/util';

const targetDir = process.env.CARGO_TARGET_DIR ?? join(process.env.HOME ?? '', '.cache', 'daifi-target');
/** Where cargo writes the module. */
export const VERIFIER_WASM = resolve(targetDir, 'wasm32v1-none', 'release', 'daifi_zk_verifier_wasm.wasm');

const OUTCOMES = ['Verified', 'MalformedVerifyingKey', 'MalformedProof', 'WrongPublicInputCount', 'InvalidProof', 'ValueOutOfRange'];

/** Bytes from a Uint8Array, a hex string or a polkadot.js codec. */
function toBytes(value) {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string' && isHex(value)) return hexToU8a(value);
  if (value?.toU8a) return value.toU8a(true);
  throw new Error(`not bytes: ${value}`);
}

/** Loads the module (bytes, or the file cargo built). */
export async function loadVerifier(wasm = readFileSync(VERIFIER_WASM)) {
  const { instance } = await WebAssembly.instantiate(wasm, {});
  const { memory, daifi_reset: reset, daifi_alloc: alloc, daifi_verify: verifyRaw } = instance.exports;

  /** Copies `bytes` into the module's memory; returns [pointer, length]. */
  const put = (bytes) => {
    const ptr = alloc(bytes.length) >>> 0;
    if (ptr === 0) throw new Error('the verifier is out of memory');
    new Uint8Array(memory.buffer, ptr, bytes.length).set(bytes);
    return [ptr, bytes.length];
  };
  /** Values as little-endian i64s; returns [pointer, count]. */
  const putValues = (values) => {
    const buffer = new DataView(new ArrayBuffer(values.length * 8));
    values.forEach((v, i) => buffer.setBigInt64(i * 8, BigInt(v), true));
    const [ptr] = put(new Uint8Array(buffer.buffer));
    return [ptr, values.length];
  };

  return {
    /**
     * Whether `proof` shows that the model with `verifyingKey` maps `input`
     * to `output`, bound to `binding` (32 bytes: `taskBinding(task, provider)`),
     * laid out by the model's `inputMin`, `inputMax` and `outputBits`.
     */
    verify({ verifyingKey, binding, input, output, proof, inputMin, inputMax, outputBits }) {
      reset();
      const bound = toBytes(binding);
      if (bound.length !== 32) throw new Error('a binding has 32 bytes');
      const [vk, vkLen] = put(toBytes(verifyingKey));
      const [at] = put(bound);
      const [inputs, inputLen] = putValues(input);
      const [outputs, outputLen] = putValues(output);
      const [proofAt, proofLen] = put(toBytes(proof));
      const code = verifyRaw(vk, vkLen, at, inputs, inputLen, outputs, outputLen, proofAt, proofLen,
        BigInt(inputMin), BigInt(inputMax), Number(outputBits));
      return OUTCOMES[code] ?? `Unknown(${code})`;
    },
  };
}
