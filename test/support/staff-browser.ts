// A browser without script for the staff console, over HTTP: cookies per host, redirects followed one hop at
// a time and recorded, and signing in through an OpenID provider's own page (the embedded one, dev/oidc.ts),
// as a person would.
//
//   const b = staffBrowser();
//   await signInAs(b, app.base, 'bu@dev.local', PASSWORD);
//   const page = await b.request(`${app.base}/audits`);
import * as cheerio from 'cheerio';

export function staffBrowser() {
  const jar = new Map<string, Map<string, string>>();
  const hops: { url: string; status: number; setCookie: string[] }[] = [];
  async function request(
    url: string,
    init: {
      method?: string;
      form?: Record<string, string> | [string, string][];
      headers?: Record<string, string>;
    } = {},
  ) {
    const target = new URL(url);
    const cookies = jar.get(target.host) ?? new Map<string, string>();
    const res = await fetch(target, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...init.headers,
      },
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    });
    const setCookie = res.headers.getSetCookie();
    for (const line of setCookie) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value.join('=') === '') cookies.delete(name!.trim());
      else cookies.set(name!.trim(), value.join('='));
    }
    jar.set(target.host, cookies);
    hops.push({ url: target.href, status: res.status, setCookie });
    return { res, url: target.href, text: await res.text() };
  }
  /** GETs, following redirects; returns the last answer. */
  async function follow(url: string) {
    let at = await request(url);
    while ([302, 303].includes(at.res.status))
      at = await request(new URL(at.res.headers.get('location')!, at.url).href);
    return at;
  }
  return { request, follow, hops, cookie: (host: string, name: string) => jar.get(host)?.get(name) };
}

export type StaffBrowser = ReturnType<typeof staffBrowser>;

/** From `from` on the app at `base` through the provider's page and back; the answer of the last hop. */
export async function signInAs(b: StaffBrowser, base: string, email: string, password: string, from = '/sign-in') {
  const form = await b.follow(`${base}${from}`);
  expect(form.res.status).toBe(200);
  const $ = cheerio.load(form.text);
  expect($('label[for=email]').text()).toBe('Email address');
  expect($('label[for=password]').text()).toBe('Password');
  expect($('button[type=submit]').text()).toBe('Sign in');
  const action = new URL($('form').attr('action')!, form.url).href;
  const posted = await b.request(action, { method: 'POST', form: { email, password } });
  if (posted.res.status !== 303) return posted;
  return b.follow(new URL(posted.res.headers.get('location')!, posted.url).href);
}
