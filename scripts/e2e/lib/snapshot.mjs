// A snapshot of a chain's whole state at one block, for the runtime's
// try-runtime checks (`runtime/tests/try_runtime.rs`): every storage key and
// value of the block, and its header's state root, which the checks
// recompute from the pairs (so a partial or altered snapshot is caught).

import { writeFileSync } from 'node:fs';

const PAGE = 1000;

/** Writes the state at block `hash` to `path` as JSON: { number, stateRoot, pairs: [[key, value], ...] }. */
export async function writeSnapshot(api, hash, path) {
  const header = await api.rpc.chain.getHeader(hash);
  const pairs = [];
  let start;
  for (;;) {
    const keys = await api.rpc.state.getKeysPaged('0x', PAGE, start, hash);
    if (keys.length === 0) break;
    // Keys without type information: each value comes back as raw bytes.
    const values = await Promise.all(keys.map((key) => api.rpc.state.getStorage(key, hash)));
    keys.forEach((key, i) => pairs.push([key.toHex(), values[i].toHex()]));
    if (keys.length < PAGE) break;
    start = keys[keys.length - 1];
  }
  const snapshot = { number: header.number.toNumber(), stateRoot: header.stateRoot.toHex(), pairs };
  writeFileSync(path, JSON.stringify(snapshot));
  return snapshot;
}
