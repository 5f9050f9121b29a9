// The embedded database for `npm start` without DATABASE_URL: PGlite (Postgres compiled to WebAssembly)
// in this process, served on a loopback port so Prisma and `prisma migrate deploy` reach it through the
// ordinary Postgres wire protocol.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * The pg pool size every client of the embedded database must use. PGlite is one Postgres backend: all
 * socket connections share its single session, so two open connections interleave their protocol
 * messages (wrong parameters, wrong rows, no error).
 */
export const EMBEDDED_POOL_MAX = 1;

export interface EmbeddedDatabase {
  /** postgresql://postgres:postgres@127.0.0.1:<port>/postgres, with the port actually bound. */
  url: string;
  /** Stops accepting clients, closes PGlite, releases the data dir lock. Idempotent. */
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  /** Where the data lives, created if missing; undefined keeps it in memory (gone on stop). */
  dataDir?: string;
  /** 0 or undefined: a free port. */
  port?: number;
  host?: string;
}

const LOCK_FILE = 'deep-dive.lock';

/** Data dirs this process holds, so a lock carrying our own pid can be told apart from a stale one. */
const heldDataDirs = new Set<string>();

export async function startEmbeddedDatabase(opts: EmbeddedDatabaseOptions = {}): Promise<EmbeddedDatabase> {
  const host = opts.host ?? '127.0.0.1';
  const dataDir = opts.dataDir === undefined ? undefined : path.resolve(opts.dataDir);
  const releaseLock = dataDir === undefined ? () => undefined : acquireLock(dataDir);

  const db = await PGlite.create(dataDir).catch((err: unknown) => {
    releaseLock();
    throw err;
  });
  // Reached only through the front below, which hands it one client at a time.
  const backend = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: EMBEDDED_POOL_MAX });
  let front: Front;
  try {
    await backend.start();
    front = await listenOneClientAtATime(backend, host, opts.port ?? 0);
  } catch (err) {
    await backend.stop();
    await db.close();
    releaseLock();
    throw err;
  }

  const stopAll = async (): Promise<void> => {
    try {
      await front.close();
      await backend.stop();
      await db.close();
    } finally {
      releaseLock();
    }
  };
  let stopping: Promise<void> | undefined;
  return {
    url: `postgresql://postgres:postgres@${host.includes(':') ? `[${host}]` : host}:${front.port}/postgres`,
    stop: () => (stopping ??= stopAll()),
  };
}

interface Front {
  port: number;
  close(): Promise<void>;
}

/**
 * PGLiteSocketServer drops a client that connects while another is connected, and frees its one slot only
 * a few ticks after a client has gone: a pg pool that closes a connection and opens a new one at once was
 * refused a quarter to half of the time, and always after a failed query (pg's pool discards that client, so
 * the query after a Prisma P2002 died with "Connection terminated unexpectedly"). So clients connect here and wait their turn (bounded only by
 * their own connect timeout); each is piped to the socket server once the previous one is fully gone.
 */
async function listenOneClientAtATime(backend: PGLiteSocketServer, host: string, port: number): Promise<Front> {
  const backendConn = backend.getServerConn();
  const backendPort = Number(backendConn.slice(backendConn.lastIndexOf(':') + 1));
  const waiting: net.Socket[] = [];
  const sockets = new Set<net.Socket>();
  let busy = false;
  let closing = false;

  const track = (socket: net.Socket) => {
    sockets.add(socket);
    // A peer vanishing (ECONNRESET) is routine; 'close' follows and does the cleanup.
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  };

  const serveNext = async (): Promise<void> => {
    if (busy || closing) return;
    const client = waiting.shift();
    if (!client) return;
    busy = true;
    while (backend.getStats().activeConnections > 0 && !closing) await delay(1);
    if (client.destroyed || closing) {
      busy = false;
      return serveNext();
    }
    const upstream = net.connect(backendPort, '127.0.0.1');
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => {
      client.end();
      busy = false;
      void serveNext();
    });
  };

  const server = net.createServer((client) => {
    track(client);
    waiting.push(client);
    client.once('close', () => {
      const index = waiting.indexOf(client);
      if (index !== -1) waiting.splice(index, 1);
    });
    void serveNext();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/**
 * PGlite does not lock its data dir, and two processes writing the same one lose rows silently. The lock
 * is a file created atomically (`wx`) holding the owner's pid; a lock whose pid is gone is stale.
 */
function acquireLock(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, LOCK_FILE);

  if (!createLockFile(lockPath)) {
    const pid = readLockPid(lockPath);
    if (pid !== undefined && lockHolderAlive(pid, dataDir)) {
      throw new Error(
        `The embedded database folder ${dataDir} is in use by process ${pid} (lock file ${lockPath}). ` +
          'Stop that process first; if it is not Deep Dive, delete the lock file.',
      );
    }
    console.warn(
      `Taking over the stale lock ${lockPath}: ` +
        (pid === undefined ? 'it holds no pid.' : `process ${pid} that held it is no longer running.`),
    );
    fs.rmSync(lockPath, { force: true });
    // Two processes taking over the same stale lock at once: only one of them creates the new file.
    if (!createLockFile(lockPath)) {
      throw new Error(`The embedded database folder ${dataDir} was locked by another process just now (${lockPath}).`);
    }
  }

  heldDataDirs.add(dataDir);
  return () => {
    heldDataDirs.delete(dataDir);
    if (readLockPid(lockPath) === process.pid) fs.rmSync(lockPath, { force: true });
  };
}

function createLockFile(lockPath: string): boolean {
  try {
    fs.writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

function readLockPid(lockPath: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(lockPath, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function lockHolderAlive(pid: number, dataDir: string): boolean {
  // Our own pid in a lock we do not hold is a leftover of an earlier process that had the same pid
  // (a container restart, where the app is always pid 1).
  if (pid === process.pid) return heldDataDirs.has(dataDir);
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
