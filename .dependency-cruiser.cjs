/**
 * Allowed import directions (see ARCHITECTURE.md). Each rule forbids one upward or sideways
 * import; `npm test` runs this check, so a cycle or an upward import fails CI.
 */
const layer = (name) => `^platform/${name}/`;

/** Each platform layer and the layers it must never import. */
const forbidden = {
  sip: ['log', 'transport', 'transaction', 'dialog', 'endpoint', 'proxy', 'registrar', 'auth', 'services', 'isc', 'container', 'sdk', 'cgi', 'store', 'http', 'config', 'cli', 'server'],
  transport: ['transaction', 'dialog', 'endpoint', 'proxy', 'registrar', 'auth', 'services', 'isc', 'container', 'sdk', 'cgi', 'store', 'http', 'cli', 'server'],
  transaction: ['dialog', 'endpoint', 'proxy', 'registrar', 'auth', 'services', 'isc', 'container', 'sdk', 'cgi', 'store', 'http', 'cli', 'server'],
  dialog: ['endpoint', 'proxy', 'registrar', 'auth', 'services', 'isc', 'container', 'sdk', 'cgi', 'store', 'http', 'cli', 'server'],
  proxy: ['endpoint', 'registrar', 'auth', 'services', 'isc', 'container', 'sdk', 'cgi', 'store', 'http', 'cli', 'server'],
  endpoint: ['container', 'sdk', 'cgi', 'http', 'cli', 'server'],
  config: ['sip', 'transport', 'transaction', 'dialog', 'endpoint', 'proxy', 'registrar', 'auth', 'services', 'isc', 'container', 'cgi', 'store', 'http', 'cli', 'server'],
  log: ['sip', 'transport', 'transaction', 'dialog', 'endpoint', 'proxy', 'registrar', 'auth', 'services', 'isc', 'container', 'cgi', 'store', 'http', 'cli', 'server'],
  store: ['transport', 'transaction', 'dialog', 'endpoint', 'proxy', 'registrar', 'auth', 'services', 'isc', 'container', 'sdk', 'cgi', 'http', 'cli', 'server'],
  auth: ['transport', 'transaction', 'dialog', 'endpoint', 'proxy', 'registrar', 'services', 'isc', 'container', 'sdk', 'cgi', 'http', 'cli', 'server'],
  http: ['cli', 'server'],
};

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make layers inseparable.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'transaction-uses-transport-types-only',
      severity: 'error',
      comment: 'Transactions see the transport through platform/transport/types.ts only (no sockets).',
      from: { path: layer('transaction') },
      to: { path: layer('transport'), pathNot: '^platform/transport/types\\.ts$' },
    },
    ...Object.entries(forbidden).map(([from, targets]) => ({
      name: `${from}-imports-only-lower-layers`,
      severity: 'error',
      comment: `platform/${from} must not import ${targets.join(', ')} (see ARCHITECTURE.md).`,
      from: { path: layer(from) },
      to: { path: `^platform/(${targets.join('|')})/` },
    })),
    {
      name: 'cpl-stays-pure',
      severity: 'error',
      comment: 'The CPL engine (cpl/ outside cpl/service) is pure: it reaches the SIP core only through its host interface and may import the pure message layer.',
      from: { path: '^cpl/', pathNot: '^cpl/service/' },
      to: { path: '^platform/', pathNot: '^platform/sip/' },
    },
    {
      name: 'cpl-service-uses-service-interface',
      severity: 'error',
      comment: 'The CPL adapter (cpl/service) reaches the core only through platform/services, the message layer and the logger.',
      from: { path: '^cpl/service/' },
      to: { path: '^platform/', pathNot: '^platform/(sip|services|log)/' },
    },
    {
      name: 'cpl-core-never-imports-adapter',
      severity: 'error',
      comment: 'The pure engine does not know its live adapter.',
      from: { path: '^cpl/', pathNot: '^cpl/service/' },
      to: { path: '^cpl/service/' },
    },
    {
      name: 'apps-use-sdk-only',
      severity: 'error',
      comment: 'Sample apps import only the SDK (the guest part: what runs in the sandbox).',
      from: { path: '^apps/' },
      to: { path: '^(platform|cpl)/', pathNot: '^platform/sdk/(?!host/)' },
    },
    {
      name: 'sdk-guest-is-self-contained',
      severity: 'error',
      comment: 'The guest SDK (platform/sdk outside host/) is bundled into apps and runs in the isolate: it imports nothing but itself.',
      from: { path: '^platform/sdk/', pathNot: '^platform/sdk/host/' },
      to: { path: '^(platform|cpl)/', pathNot: '^platform/sdk/(?!host/)' },
    },
    {
      name: 'sdk-host-uses-service-interface',
      severity: 'error',
      comment: 'The app engine reaches the core only through platform/services, the message layer, the logger and the sandbox runtime.',
      from: { path: '^platform/sdk/host/' },
      to: { path: '^(platform|cpl)/', pathNot: '^platform/(sdk|services|sip|log|container|isc)/' },
    },
    {
      name: 'container-stays-below-sdk',
      severity: 'error',
      comment: 'The sandbox runtime knows nothing of SIP or the SDK.',
      from: { path: '^platform/container/' },
      to: { path: '^(platform|cpl)/', pathNot: '^platform/(container|log)/' },
    },
    {
      name: 'testkit-uses-sdk-and-service-interface',
      severity: 'error',
      comment: 'The app test kit (platform/testkit) runs the app engine over a simulated core: it imports only the SDK, the sandbox runtime, the service interface, the message layer and the logger — never the real core.',
      from: { path: '^platform/testkit/' },
      to: { path: '^(platform|cpl)/', pathNot: '^platform/(testkit|sdk|container|services|sip|log)/' },
    },
    {
      name: 'only-tests-use-testkit',
      severity: 'error',
      comment: 'The test kit is for tests (*.test.ts are not cruised): no runtime module depends on it.',
      from: { path: '^(platform|cpl|apps)/', pathNot: '^platform/testkit/' },
      to: { path: '^platform/testkit/' },
    },
    {
      name: 'cgi-uses-service-interface',
      severity: 'error',
      comment: 'The SIP-CGI engine (platform/cgi) reaches the core only through platform/services, the message layer and the logger.',
      from: { path: '^platform/cgi/' },
      to: { path: '^(platform|cpl)/', pathNot: '^platform/(sip|services|log|cgi)/' },
    },
    {
      name: 'trace-sits-beside-transport',
      severity: 'error',
      comment: 'Call tracing (platform/trace) hooks the transport from beside it: it sees the message layer, the transport contract (types.ts), the logger and the store helpers only.',
      from: { path: '^platform/trace/' },
      to: { path: '^(platform|cpl)/', pathNot: '^platform/(trace|sip|log|store)/|^platform/transport/types\\.ts$' },
    },
    {
      name: 'transport-never-imports-trace',
      severity: 'error',
      comment: 'The layers the tracer wraps know nothing of it: the server wires the hooks.',
      from: { path: '^platform/(sip|transport|transaction)/' },
      to: { path: '^platform/trace/' },
    },
    {
      name: 'core-never-imports-engines',
      severity: 'error',
      comment: 'The SIP core knows nothing of CPL; only the composition root (server) and the CLI/HTTP edges bind it.',
      from: { path: '^platform/', pathNot: '^platform/(server|cli|http)/' },
      to: { path: '^cpl/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|node_modules|\\.test\\.ts$)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
