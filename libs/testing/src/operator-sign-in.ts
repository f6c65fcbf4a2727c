/**
 * Signs in to the dashboard as an operator the way a browser does, over HTTP alone: the dashboard's
 * `/auth/login`, the identity provider's authorization endpoint and its development sign-in form
 * (any name, any password), back to the dashboard's callback. Each redirect is followed by hand and
 * cookies are kept per origin, as a browser keeps them. Returns the `cookie` header that carries the
 * session; throws, naming the step, when the flow goes anywhere unexpected.
 */
export async function signInToDashboard(dashboardUrl: string, operatorName: string): Promise<string> {
  const jar = new Map<string, Map<string, string>>();
  const cookieHeader = (url: URL): string => [...(jar.get(url.origin) ?? new Map<string, string>())].map(([name, value]) => `${name}=${value}`).join('; ');
  const remember = (url: URL, response: Response): void => {
    const cookies = jar.get(url.origin) ?? new Map<string, string>();
    jar.set(url.origin, cookies);
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a));
      if (expired) cookies.delete(name);
      else cookies.set(name, pair.slice(at + 1).trim());
    }
  };
  const step = async (url: URL, init: RequestInit = {}): Promise<Response> => {
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: cookieHeader(url) } });
    remember(url, response);
    return response;
  };

  const dashboard = new URL(dashboardUrl).origin;
  let url = new URL('/auth/login', dashboardUrl);
  let response = await step(url);
  for (let hops = 0; hops < 12; hops++) {
    const session = jar.get(dashboard)?.get('stockflow_dashboard');
    if (session) return `stockflow_dashboard=${session}`;
    if (response.status >= 300 && response.status < 400) {
      url = new URL(response.headers.get('location') ?? '', url);
      response = await step(url);
      continue;
    }
    if (response.status !== 200 || url.origin === dashboard) throw new Error(`signing in: ${url.href} answered ${response.status} without a session: ${(await response.text()).slice(0, 300)}`);
    // The identity provider's sign-in form.
    const form = await response.text();
    const action = /<form[^>]*action="([^"]+)"[^>]*method="post"/i.exec(form)?.[1];
    if (!action || !form.includes('name="login"')) throw new Error(`signing in: expected the sign-in form at ${url.href}, got: ${form.slice(0, 300)}`);
    url = new URL(action.replace(/&amp;/g, '&'), url);
    response = await step(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ prompt: 'login', login: operatorName, password: 'development' }).toString(),
    });
  }
  throw new Error(`signing in: too many redirects, last at ${url.href}`);
}
