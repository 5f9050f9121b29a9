// Long-running child processes that can be started, SIGKILLed and restarted, each incarnation's output
// appended to one log file: the cluster harness (dev/cluster.ts) and the fault suite (test/faults/) run
// every part of Deep Dive this way.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/** `n` different loopback ports that were free a moment ago: all held open until each is chosen. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, async () => {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    }),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** One long-running part: started, killed, restarted; every incarnation's output appended to one log file. */
export class Part {
  child?: ChildProcess;
  incarnations = 0;
  kills = 0;
  /** The log file's length when the current incarnation started: its readiness is read after it. */
  startOffset = 0;
  private exited?: Promise<void>;

  constructor(
    readonly name: string,
    readonly logFile: string,
    private readonly command: () => { file: string; args: string[]; env?: NodeJS.ProcessEnv; uid?: number },
    private readonly ready: (part: Part) => Promise<boolean> | boolean,
    private readonly readyTimeoutMs = 60_000,
  ) {}

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is running already`);
    const { file, args, env } = this.command();
    const out = fs.openSync(this.logFile, 'a');
    this.startOffset = fs.fstatSync(out).size;
    this.incarnations++;
    const child = spawn(file, args, { env: env ?? process.env, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const died = this.exited.then(() => {
      throw new Error(`${this.name} exited while starting (code ${child.exitCode}); see ${this.logFile}`);
    });
    await Promise.race([until(`${this.name} to be ready`, () => this.ready(this), this.readyTimeoutMs), died]);
    died.catch(() => undefined);
  }

  /** SIGKILL: no clean-up of any kind, as a crash or the OOM killer would. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.kills++;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM and wait for the process's own shutdown (SIGKILL after `graceMs`). */
  async stop(graceMs = 30_000): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** What a log file holds from `offset` on. */
export function logSince(file: string, offset: number): string {
  if (!fs.existsSync(file)) return '';
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    fs.readSync(fd, buffer, 0, buffer.length, offset);
    return buffer.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
