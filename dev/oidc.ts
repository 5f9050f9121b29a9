// Starts the embedded OpenID provider (dev/oidc-provider.mjs) as a process of its own, for `npm start`
// without OIDC_ISSUER and for the tests. Production never runs it: it names a real provider instead.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Role } from '../infra/config';

export interface DevAccount {
  email: string;
  name: string;
}

/** The embedded provider's development accounts (PRODUCT.md, "Staff console"), as `npm start` gives them. */
export const DEV_STAFF: (DevAccount & { role: Role })[] = [
  { email: 'bu@dev.local', name: 'Bea Bailey (business unit)', role: 'business_unit' },
  { email: 'manager@dev.local', name: 'Max Morgan (manager)', role: 'manager' },
  { email: 'lis@dev.local', name: 'Lee Lewis (LIS)', role: 'lis' },
];

export interface EmbeddedOidc {
  issuer: string;
  clientId: string;
  clientSecret: string;
  stop(): Promise<void>;
}

/** The source file, found from here or from dist/dev/ alike: it is not compiled. */
const PROVIDER = path.join(
  __dirname,
  ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? ['..', '..'] : ['..']),
  'dev',
  'oidc-provider.mjs',
);

export async function startEmbeddedOidc(opts: {
  /** 0: a free port. */
  port: number;
  redirectUrl: string;
  postLogoutUrl?: string;
  accounts: DevAccount[];
  password: string;
}): Promise<EmbeddedOidc> {
  const clientId = 'deep-dive';
  const clientSecret = randomBytes(24).toString('base64url');
  const child = spawn(process.execPath, [PROVIDER], {
    env: {
      ...process.env,
      OIDC_PORT: String(opts.port),
      OIDC_CLIENT_ID: clientId,
      OIDC_CLIENT_SECRET: clientSecret,
      OIDC_REDIRECT_URL: opts.redirectUrl,
      OIDC_POST_LOGOUT_URL: opts.postLogoutUrl ?? '',
      DEV_STAFF_ACCOUNTS: JSON.stringify(opts.accounts),
      DEV_STAFF_PASSWORD: opts.password,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const issuer = await ready(child);
  return {
    issuer,
    clientId,
    clientSecret,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Resolves with the issuer the provider prints once it listens; rejects with its output if it dies first. */
function ready(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^ready (\S+)$/m.exec(output);
      if (match) {
        child.stdout!.off('data', onData);
        // Keep draining, so that a full pipe never blocks the provider.
        child.stdout!.resume();
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`the embedded OpenID provider stopped (exit ${code}): ${output}`)));
  });
}
