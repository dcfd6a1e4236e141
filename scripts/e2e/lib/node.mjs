// Starts and stops daifi-node processes for the end-to-end tests.
//
// Every process started here is remembered and killed when the test process
// exits, also when a step fails or the test is interrupted.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const targetDir = process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache', 'daifi-target');
/** The node binary under test (`DAIFI_NODE` overrides). */
export const NODE_BINARY = process.env.DAIFI_NODE ?? resolve(targetDir, 'release', 'daifi-node');

const running = new Set();
const tempDirs = new Set();

function killAll() {
  for (const child of running) {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  running.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => { killAll(); process.exit(130); });
}

/** A TCP port nothing listens on right now. */
export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/** A fresh temporary directory, removed when the tests end. */
export function tempDir(prefix = 'daifi-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/**
 * A running daifi-node. `start` launches it; `stop` kills it (SIGTERM, then
 * SIGKILL); `restart` starts it again on the same ports and base path.
 */
export class DaifiNode {
  constructor({ name, args, basePath, rpcPort, p2pPort, prometheusPort }) {
    Object.assign(this, { name, args, basePath, rpcPort, p2pPort, prometheusPort });
    this.log = [];
  }

  /** Creates a node on free ports; `args` are extra flags (`--dev`, `--chain local --alice`, ...). */
  static async create(name, args) {
    return new DaifiNode({
      name,
      args,
      basePath: tempDir(`daifi-${name}-`),
      rpcPort: await freePort(),
      p2pPort: await freePort(),
      prometheusPort: await freePort(),
    });
  }

  get wsUrl() { return `ws://127.0.0.1:${this.rpcPort}`; }

  get multiaddr() { return `/ip4/127.0.0.1/tcp/${this.p2pPort}/p2p/${this.peerId}`; }

  /**
   * A validator on a non-dev chain needs a network key on disk before it
   * starts (as a real validator does): make one once, like an operator would
   * with `daifi-node key generate-node-key`.
   */
  ensureNodeKey() {
    const chainAt = this.args.indexOf('--chain');
    if (chainAt < 0) return;
    const chain = this.args[chainAt + 1];
    const result = spawnSync(NODE_BINARY,
      ['key', 'generate-node-key', '--base-path', this.basePath, '--chain', chain], { encoding: 'utf8' });
    if (result.status !== 0 && !/already exists/i.test(result.stderr)) {
      throw new Error(`${this.name}: generate-node-key failed: ${result.stderr}`);
    }
  }

  async start(extraArgs = []) {
    this.ensureNodeKey();
    const args = [
      ...this.args,
      '--base-path', this.basePath,
      '--rpc-port', String(this.rpcPort),
      '--port', String(this.p2pPort),
      '--prometheus-port', String(this.prometheusPort),
      '--no-telemetry', '--no-mdns',
      '--name', this.name,
      ...extraArgs,
    ];
    const child = spawn(NODE_BINARY, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    this.child = child;
    const keep = (chunk) => {
      this.log.push(...chunk.toString().split('\n').filter(Boolean));
      if (this.log.length > 400) this.log.splice(0, this.log.length - 400);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    this.exited = new Promise((ok) => child.on('exit', (code, signal) => {
      running.delete(child);
      ok({ code, signal });
    }));
    await this.waitForRpc();
    this.peerId = await this.rpc('system_localPeerId');
    return this;
  }

  /** Calls a JSON-RPC method over HTTP (the RPC port serves both HTTP and WS). */
  async rpc(method, params = []) {
    const response = await fetch(`http://127.0.0.1:${this.rpcPort}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const body = await response.json();
    if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
    return body.result;
  }

  async waitForRpc(timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) {
        throw new Error(`${this.name} exited early:\n${this.log.slice(-30).join('\n')}`);
      }
      try { await this.rpc('system_health'); return; } catch { await sleep(250); }
    }
    throw new Error(`${this.name}: RPC not up after ${timeoutMs} ms:\n${this.log.slice(-30).join('\n')}`);
  }

  /** Best and finalized block numbers. */
  async heights() {
    const best = parseInt((await this.rpc('chain_getHeader')).number, 16);
    const finalizedHash = await this.rpc('chain_getFinalizedHead');
    const finalized = parseInt((await this.rpc('chain_getHeader', [finalizedHash])).number, 16);
    return { best, finalized };
  }

  /** Waits until `check(heights)` holds, polling; fails with the node's log tail. */
  async waitFor(what, check, timeoutMs = 90_000) {
    const deadline = Date.now() + timeoutMs;
    let last;
    while (Date.now() < deadline) {
      last = await this.heights();
      if (check(last)) return last;
      await sleep(500);
    }
    throw new Error(`${this.name}: ${what} not reached in ${timeoutMs} ms (last ${JSON.stringify(last)}):\n`
      + this.log.slice(-20).join('\n'));
  }

  /** Peak resident memory of the process, in MiB (Linux VmHWM). */
  peakMemoryMiB() {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]);
    return kib / 1024;
  }

  async stop() {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    try { process.kill(-this.child.pid, 'SIGTERM'); } catch { /* gone */ }
    const timeout = sleep(15_000).then(() => 'timeout');
    if ((await Promise.race([this.exited, timeout])) === 'timeout') {
      try { process.kill(-this.child.pid, 'SIGKILL'); } catch { /* gone */ }
      await this.exited;
    }
  }

  /** Kills the process at once, as a crash or power loss would. */
  async kill() {
    try { process.kill(-this.child.pid, 'SIGKILL'); } catch { /* gone */ }
    await this.exited;
  }
}
