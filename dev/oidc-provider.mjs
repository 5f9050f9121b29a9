// Plain JavaScript (an ES module, outside tsc): oidc-provider ships no types.
// The embedded OpenID provider for `npm start` and the tests (never production): a real OpenID Connect
// provider (the `oidc-provider` package: discovery, authorization code flow with PKCE, signed ID tokens)
// with a plain sign-in page of its own and the development accounts it is given. Run by dev/oidc.ts as a
// process of its own (the package is an ES module; the rest of the product is CommonJS).
//
// Environment: OIDC_PORT, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URL, OIDC_POST_LOGOUT_URL,
// DEV_STAFF_ACCOUNTS (JSON [{email, name}]), DEV_STAFF_PASSWORD. Prints `ready <issuer>` once listening.
import { generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import express from 'express';
import Provider from 'oidc-provider';

const env = process.env;
const port = Number(env.OIDC_PORT ?? 0);
/** @type {{ email: string; name: string }[]} */
const accounts = JSON.parse(env.DEV_STAFF_ACCOUNTS ?? '[]');
const password = env.DEV_STAFF_PASSWORD ?? '';
const clientId = env.OIDC_CLIENT_ID ?? 'deep-dive';
const SCOPES = 'openid email profile';

const app = express();
app.disable('x-powered-by');
const server = http.createServer(app);
await new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(undefined)));
const address = /** @type {import('node:net').AddressInfo} */ (server.address());
const issuer = `http://localhost:${address.port}`;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: env.OIDC_CLIENT_SECRET,
      redirect_uris: [env.OIDC_REDIRECT_URL ?? ''],
      post_logout_redirect_uris: env.OIDC_POST_LOGOUT_URL ? [env.OIDC_POST_LOGOUT_URL] : [],
      response_types: ['code'],
      grant_types: ['authorization_code'],
    },
  ],
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'dev', use: 'sig', alg: 'RS256' }] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  // The ID token carries the email and the name itself, as Entra ID's and Google's do.
  conformIdTokenClaims: false,
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  scopes: ['openid', 'email', 'profile'],
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, id) {
    const account = accounts.find((a) => a.email === id);
    if (!account) return undefined;
    return {
      accountId: id,
      claims: () => ({ sub: id, email: account.email, email_verified: true, name: account.name }),
    };
  },
  // Our own client only, so no consent screen: the grant is made at sign-in.
  async loadExistingGrant(ctx) {
    const session = ctx.oidc.session;
    if (!session?.accountId || !ctx.oidc.client) return undefined;
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: session.accountId });
    grant.addOIDCScope(SCOPES);
    grant.addOIDCClaims(['email', 'email_verified', 'name']);
    await grant.save();
    return grant;
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page(
      'Sign-in problem',
      `<h1>There is a problem signing in</h1><p>${escape(out.error_description ?? out.error)}</p>`,
    );
  },
});

const escape = (/** @type {unknown} */ s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A plain, accessible page (one landmark, a heading, labelled fields); no script. */
function page(/** @type {string} */ title, /** @type {string} */ body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<title>${escape(title)} – Development sign-in</title>
<style>body{font-family:Arial,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#0b0c0c}
label{display:block;font-weight:bold;margin-top:1rem}input{display:block;font-size:1.1rem;padding:.3rem;width:100%;border:2px solid #0b0c0c}
button{margin-top:1.5rem;font-size:1.1rem;padding:.5rem 1rem;background:#00703c;color:#fff;border:0;box-shadow:0 2px 0 #002d18}
:focus{outline:3px solid #ffdd00;outline-offset:0}.error{color:#d4351c;font-weight:bold}</style></head>
<body><header><p>Development identity provider (not for production)</p></header><main id="main">${body}</main></body></html>`;
}

function loginForm(/** @type {string} */ uid, /** @type {string} */ email, /** @type {string | undefined} */ error) {
  return page(
    error ? `Error: Sign in` : 'Sign in',
    `<h1>Sign in</h1>
${error ? `<div role="alert"><p class="error" id="error">${escape(error)}</p></div>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login" novalidate>
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="username" spellcheck="false" value="${escape(email)}"${error ? ' aria-describedby="error"' : ''}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password"${error ? ' aria-describedby="error"' : ''}>
<button type="submit">Sign in</button>
</form>`,
  );
}

const samePassword = (/** @type {string} */ given) => {
  const a = Buffer.from(given);
  const b = Buffer.from(password);
  return password.length > 0 && a.length === b.length && timingSafeEqual(a, b);
};

app.get('/interaction/:uid', async (req, res, next) => {
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      res
        .set('cache-control', 'no-store')
        .type('html')
        .send(loginForm(details.uid, '', undefined));
      return;
    }
    // Consent: granted for our own client (see loadExistingGrant).
    const grant = new provider.Grant({
      clientId: String(details.params.client_id),
      accountId: details.session?.accountId,
    });
    grant.addOIDCScope(SCOPES);
    grant.addOIDCClaims(['email', 'email_verified', 'name']);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  } catch (err) {
    next(err);
  }
});

app.post('/interaction/:uid/login', express.urlencoded({ extended: false }), async (req, res, next) => {
  try {
    const details = await provider.interactionDetails(req, res);
    const email = String(req.body?.email ?? '')
      .trim()
      .toLowerCase();
    const account = accounts.find((a) => a.email === email);
    if (!account || !samePassword(String(req.body?.password ?? ''))) {
      res
        .status(401)
        .set('cache-control', 'no-store')
        .type('html')
        .send(loginForm(details.uid, email, 'The email address or password is not right'));
      return;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: account.email } },
      { mergeWithLastSubmission: false },
    );
  } catch (err) {
    next(err);
  }
});

app.use(provider.callback());
process.stdout.write(`ready ${issuer}\n`);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
