// A Cognito-shaped OpenID provider for authgate's end-to-end tests, built on
// panva's oidc-provider (OpenID Certified). Loopback only; never deploy.
//
// Layout (ISSUER = http://127.0.0.1:PORT/POOL_ID, like a Cognito pool issuer):
//   ISSUER/.well-known/openid-configuration   discovery
//   ISSUER/.well-known/jwks.json               keys
//   ISSUER/oauth2/authorize|token|userInfo|revoke, ISSUER/logout
// Tokens carry Cognito claims: ID tokens token_use=id, cognito:username,
// cognito:groups, email_verified; client_credentials access tokens are JWTs
// with token_use=access, client_id, scope. userInfo returns email_verified as
// the string "true", as Cognito does. Refresh responses of non-rotating
// clients carry no refresh_token (Cognito without rotation).
//
// Test controls (outside the issuer path):
//   POST /admin/rotate            new signing key first, old keys kept
//   POST /admin/remove?kid=K      drop a key from the set (and from signing)
//   GET  /admin/keys              current kids, signing kid first
//   GET  /admin/stats             request counters (jwks, discovery, token, ...)
//   POST /admin/outage?on=1|0     drop every non-admin connection while on
//   GET  /faults/{slow,malformed,big,mismatch,status500}/...  misbehaving
//        discovery / JWKS documents for fault tests
//   POST /admin/client            JSON {client_id, client_secret,
//        token_endpoint_auth_method, redirect_uris, post_logout_redirect_uris,
//        access_token_ttl}: adds or replaces an authorization_code +
//        refresh_token client (scopes openid email profile offline_access)
//        whose user access tokens live access_token_ttl seconds
//   POST /admin/user?username=U[&padding=N]  registers U (the login form
//        takes the returned sub); N > 0 gives its tokens a custom:padding
//        claim of N characters (0 removes it), for oversized sessions
//   POST /admin/revoke_grants?sub=S[&client_id=C]  ends every grant of the
//        account (its refresh and access tokens), as an admin revoking a
//        user's sessions at the provider would
// Registered clients, grants, sessions, interactions and tokens survive the
// provider rebuilds that /admin/* do (one memory store for every instance).
//
// Usage: node server.js --port 0 [--pool us-east-1_e2ePool]
// Prints one JSON line {"port":..., "issuer":...} on stdout when listening.
import crypto from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';

const args = process.argv.slice(2);
function arg(name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}
const requestedPort = Number(arg('port', '0'));
const poolId = arg('pool', 'us-east-1_e2ePool');
const mount = `/${poolId}`;

export const CLIENTS = {
  basic: { id: 'e2e-basic', secret: 'b4sic:s3cret%+&= /x' },
  post: { id: 'e2e-post', secret: 'p0st-secret' },
  public: { id: 'e2e-public' },
  m2m: { id: 'e2e-m2m', secret: 'm2m:secret%2B' },
};
const REDIRECT_URI = 'http://127.0.0.1/callback';
const LOGOUT_URI = 'http://127.0.0.1/signed-out';
const RESOURCE = 'https://api.e2e.authgate.test';
const M2M_SCOPES = 'orders/read orders/write';
// Refresh tokens rotate only for these clients (Cognito's RefreshTokenRotation).
const ROTATING = new Set([CLIENTS.public.id]);

const stats = {
  jwks: 0, discovery: 0, token: 0, userinfo: 0, revocation: 0, authorization: 0,
  // Token requests with grant_type=refresh_token (any outcome), of `token`.
  refresh: 0,
};
let outage = false;

function newKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: `e2e-${crypto.randomBytes(6).toString('hex')}`, alg: 'RS256', use: 'sig' };
}
let keys = [newKey()];

// Deterministic user ids so tests can predict `sub`.
function subjectFor(username) {
  const h = crypto.createHash('sha256').update(username).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
const usernames = new Map();
// Length of the `custom:padding` claim per sub (POST /admin/user?padding=N),
// so a test can make ID tokens, and the sessions sealing them, big.
const paddings = new Map();

// Clients added with POST /admin/client (client_id → metadata) and their
// user access-token lifetimes in seconds.
const extraClients = new Map();
const accessTokenTtls = new Map();
// Grants seen per account (accountId → {grantId → clientId}), so
// /admin/revoke_grants can end them.
const grantsByAccount = new Map();

function configuration() {
  return {
    clients: [
      {
        client_id: CLIENTS.basic.id,
        client_secret: CLIENTS.basic.secret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [REDIRECT_URI],
        post_logout_redirect_uris: [LOGOUT_URI],
      },
      {
        client_id: CLIENTS.post.id,
        client_secret: CLIENTS.post.secret,
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [REDIRECT_URI],
      },
      {
        client_id: CLIENTS.public.id,
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [REDIRECT_URI],
      },
      {
        client_id: CLIENTS.m2m.id,
        client_secret: CLIENTS.m2m.secret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
      ...extraClients.values(),
    ],
    jwks: { keys },
    cookies: { keys: ['authgate-e2e-cookie-key-not-secret'] },
    routes: {
      authorization: '/oauth2/authorize',
      token: '/oauth2/token',
      userinfo: '/oauth2/userInfo',
      revocation: '/oauth2/revoke',
      end_session: '/logout',
      jwks: '/.well-known/jwks.json',
    },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'phone',
      'aws.cognito.signin.user.admin'],
    claims: {
      openid: ['sub', 'token_use', 'cognito:username', 'cognito:groups',
        'preferred_username', 'groups', 'custom:padding'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    // Cognito puts the scope's claims into the ID token too.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Only client_credentials gets a resource (a JWT access token); user
        // access tokens stay opaque so userInfo accepts them.
        defaultResource(ctx) {
          return ctx.oidc.params?.grant_type === 'client_credentials' ? RESOURCE : undefined;
        },
        useGrantedResource: () => false,
        getResourceServerInfo(ctx, resource, client) {
          return {
            scope: M2M_SCOPES,
            audience: client.clientId,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 3600,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    formats: {
      customizers: {
        jwt(ctx, token, jwt) {
          jwt.payload.token_use = 'access';
          jwt.payload.version = 2;
        },
      },
    },
    ttl: {
      AccessToken: (ctx, token, client) => accessTokenTtls.get(client?.clientId) ?? 3600,
      AuthorizationCode: 300,
      ClientCredentials: 3600,
      IdToken: 3600,
      RefreshToken: 30 * 24 * 3600,
      Grant: 30 * 24 * 3600,
      Interaction: 600,
      Session: 3600,
    },
    issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: (ctx) => ROTATING.has(ctx.oidc.client.clientId),
    async findAccount(ctx, sub) {
      const username = usernames.get(sub) ?? sub;
      return {
        accountId: sub,
        async claims(use) {
          const claims = {
            sub,
            'cognito:username': username,
            'cognito:groups': ['e2e-admins'],
            // What an OIDC provider says for the same: authgate reads these
            // for kind "oidc", Cognito's for kind "cognito".
            preferred_username: username,
            groups: ['e2e-admins'],
            email: `${username}@example.com`,
            // Cognito's userInfo quirk: booleans as strings.
            email_verified: use === 'userinfo' ? 'true' : true,
            name: username,
          };
          if (use === 'id_token') claims.token_use = 'id';
          const padding = paddings.get(sub) ?? 0;
          if (padding > 0) claims['custom:padding'] = 'p'.repeat(padding);
          return claims;
        },
      };
    },
  };
}

// One store for every provider instance: the default adapter gives each
// instance its own, so a rebuild (/admin/rotate, /admin/client) would forget
// every session, grant and token.
const store = new LRU({ maxSize: 100000 });
const adapter = (model) => new MemoryAdapter(model, store);

let provider;
function buildProvider(issuer) {
  const p = new Provider(issuer, { ...configuration(), adapter });
  p.proxy = false;
  // The dev login form takes the account id (a UUID-like sub registered with
  // POST /admin/user), as Cognito's sub is a UUID and cognito:username the
  // name.
  p.use(async (ctx, next) => {
    await next();
    const route = ctx.oidc?.route;
    if (['token', 'userinfo', 'revocation', 'authorization'].includes(route)) {
      stats[route] += 1;
    }
    if (route === 'token' && ctx.oidc.params?.grant_type === 'refresh_token') {
      stats.refresh += 1;
    }
    if (route === 'token' && ctx.oidc.params?.grant_type === 'refresh_token'
        && ctx.body && typeof ctx.body === 'object'
        && !ROTATING.has(ctx.oidc.client?.clientId)) {
      delete ctx.body.refresh_token;
    }
  });
  p.on('authorization_code.saved', (code) => {
    if (!code.accountId || !code.grantId) return;
    const grants = grantsByAccount.get(code.accountId) ?? new Map();
    grants.set(code.grantId, code.clientId);
    grantsByAccount.set(code.accountId, grants);
  });
  return p;
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString() || '{}'));
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });
}

const CLIENT_FIELDS = new Set(['client_id', 'client_secret', 'token_endpoint_auth_method',
  'redirect_uris', 'post_logout_redirect_uris', 'access_token_ttl']);

function clientMetadata(body) {
  const unknown = Object.keys(body).filter((k) => !CLIENT_FIELDS.has(k));
  if (unknown.length) throw new Error(`unknown fields: ${unknown.join(', ')}`);
  if (typeof body.client_id !== 'string' || !body.client_id) throw new Error('client_id required');
  const method = body.token_endpoint_auth_method ?? 'client_secret_basic';
  const metadata = {
    client_id: body.client_id,
    token_endpoint_auth_method: method,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: 'openid email profile offline_access',
    redirect_uris: body.redirect_uris ?? [],
    post_logout_redirect_uris: body.post_logout_redirect_uris ?? [],
  };
  if (method === 'none') {
    metadata.application_type = 'native';
  } else {
    if (typeof body.client_secret !== 'string' || !body.client_secret) {
      throw new Error('client_secret required unless token_endpoint_auth_method is none');
    }
    metadata.client_secret = body.client_secret;
  }
  return metadata;
}


const DISCOVERY = '/.well-known/openid-configuration';
const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

async function fault(kind, rest, req, res, issuer) {
  if (kind === 'slow') {
    await sleep(Number(new URL(req.url, issuer).searchParams.get('ms') ?? 3000));
  }
  if (kind === 'status500') {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end('{"error":"server_error"}');
    return;
  }
  if (kind === 'malformed') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"issuer": "truncated');
    return;
  }
  if (kind === 'big') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [], padding: 'x'.repeat(2 * 1024 * 1024) }));
    return;
  }
  const selfIssuer = `${issuer.replace(mount, '')}/faults/${kind}`;
  if (rest.endsWith(DISCOVERY)) {
    const doc = {
      issuer: kind === 'mismatch' ? issuer : selfIssuer,
      jwks_uri: `${selfIssuer}/.well-known/jwks.json`,
      authorization_endpoint: `${selfIssuer}/oauth2/authorize`,
      token_endpoint: `${selfIssuer}/oauth2/token`,
    };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(doc));
    return;
  }
  if (rest.endsWith('/.well-known/jwks.json')) {
    const publicKeys = keys.map(({ kty, n, e, kid, alg, use }) => ({ kty, n, e, kid, alg, use }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: publicKeys }));
    return;
  }
  res.writeHead(404);
  res.end();
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function admin(req, res, url, issuer) {
  const path = url.pathname;
  if (path === '/admin/rotate' && req.method === 'POST') {
    keys = [newKey(), ...keys];
    provider = buildProvider(issuer);
    return json(res, 200, { kid: keys[0].kid, kids: keys.map((k) => k.kid) });
  }
  if (path === '/admin/remove' && req.method === 'POST') {
    const kid = url.searchParams.get('kid');
    if (!keys.some((k) => k.kid === kid) || keys.length === 1) {
      return json(res, 400, { error: 'unknown kid or last key' });
    }
    keys = keys.filter((k) => k.kid !== kid);
    provider = buildProvider(issuer);
    return json(res, 200, { kids: keys.map((k) => k.kid) });
  }
  if (path === '/admin/keys') return json(res, 200, { kids: keys.map((k) => k.kid) });
  if (path === '/admin/stats') return json(res, 200, stats);
  if (path === '/admin/outage' && req.method === 'POST') {
    outage = url.searchParams.get('on') === '1';
    return json(res, 200, { outage });
  }
  if (path === '/admin/client' && req.method === 'POST') {
    let metadata;
    let body;
    try {
      body = await readJson(req);
      metadata = clientMetadata(body);
    } catch (e) {
      return json(res, 400, { error: String(e.message ?? e) });
    }
    const previous = extraClients.get(metadata.client_id);
    const previousTtl = accessTokenTtls.get(metadata.client_id);
    extraClients.set(metadata.client_id, metadata);
    if (body.access_token_ttl) accessTokenTtls.set(metadata.client_id, Number(body.access_token_ttl));
    else accessTokenTtls.delete(metadata.client_id);
    try {
      const next = buildProvider(issuer);
      // oidc-provider checks static client metadata on first use: check now.
      if (!await next.Client.find(metadata.client_id)) throw new Error('client not accepted');
      provider = next;
    } catch (e) {
      // Invalid metadata: keep the provider as it was.
      if (previous) extraClients.set(metadata.client_id, previous);
      else extraClients.delete(metadata.client_id);
      if (previousTtl) accessTokenTtls.set(metadata.client_id, previousTtl);
      else accessTokenTtls.delete(metadata.client_id);
      provider = buildProvider(issuer);
      return json(res, 400, { error: String(e.message ?? e) });
    }
    return json(res, 200, { client_id: metadata.client_id });
  }
  if (path === '/admin/revoke_grants' && req.method === 'POST') {
    const sub = url.searchParams.get('sub');
    const clientId = url.searchParams.get('client_id');
    const grants = grantsByAccount.get(sub) ?? new Map();
    let revoked = 0;
    for (const [grantId, grantClient] of grants) {
      if (clientId && grantClient !== clientId) continue;
      await provider.RefreshToken.revokeByGrantId(grantId);
      await provider.AccessToken.revokeByGrantId(grantId);
      await provider.Grant.adapter.destroy(grantId);
      grants.delete(grantId);
      revoked += 1;
    }
    return json(res, 200, { revoked });
  }
  if (path === '/admin/user' && req.method === 'POST') {
    // Registers a username → sub mapping (the login form takes the sub);
    // padding=N (when given) sets the length of its custom:padding claim
    // (0: none) for the tokens issued from now on, refreshes included.
    const username = url.searchParams.get('username');
    const sub = subjectFor(username);
    usernames.set(sub, username);
    const padding = url.searchParams.get('padding');
    if (padding !== null) {
      const length = Number(padding);
      if (!Number.isInteger(length) || length < 0 || length > 1000000) {
        return json(res, 400, { error: 'padding must be an integer 0..1000000' });
      }
      paddings.set(sub, length);
    }
    return json(res, 200, { username, sub, padding: paddings.get(sub) ?? 0 });
  }
  return json(res, 404, { error: 'not_found' });
}

const server = http.createServer((req, res) => {
  const issuer = server.issuer;
  const url = new URL(req.url, issuer);
  if (url.pathname.startsWith('/admin/')) {
    admin(req, res, url, issuer).catch((e) => json(res, 500, { error: String(e) }));
    return;
  }
  if (outage) {
    req.socket.destroy();
    return;
  }
  if (url.pathname.startsWith('/faults/')) {
    const [, , kind, ...rest] = url.pathname.split('/');
    fault(kind, `/${rest.join('/')}`, req, res, issuer).catch(() => res.end());
    return;
  }
  if (url.pathname === mount || url.pathname.startsWith(`${mount}/`)) {
    // Mount the provider under the pool path: oidc-provider derives its
    // mount path from originalUrl vs url.
    req.originalUrl = req.url;
    req.url = req.url.slice(mount.length) || '/';
    if (url.pathname.endsWith('/.well-known/jwks.json')) stats.jwks += 1;
    if (url.pathname.endsWith(DISCOVERY)) stats.discovery += 1;
    provider.callback()(req, res);
    return;
  }
  res.writeHead(404);
  res.end();
});

server.keepAliveTimeout = 30000;
server.listen(requestedPort, '127.0.0.1', () => {
  const { port } = server.address();
  server.issuer = `http://127.0.0.1:${port}${mount}`;
  provider = buildProvider(server.issuer);
  process.stdout.write(`${JSON.stringify({
    port,
    issuer: server.issuer,
    clients: CLIENTS,
    redirect_uri: REDIRECT_URI,
    logout_uri: LOGOUT_URI,
    m2m_scopes: M2M_SCOPES.split(' '),
  })}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
