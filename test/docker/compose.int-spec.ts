import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readAuthConfiguration } from '../../apps/api/src/auth/auth.config';

// The compose files as an operator runs them (README.md, "docker compose"): no Docker engine
// runs here, so each file is parsed, overlaid as `docker compose -f base -f override` would,
// and its wiring checked; dclint (`npm run lint:compose`) checks them against the Compose Specification.

const DOCKER = join(__dirname, '..', '..', 'docker');

interface Service {
  image?: string;
  build?: unknown;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  environment?: Record<string, string>;
  env_file?: { path: string; required: boolean }[];
  healthcheck?: { test: unknown };
  command?: string[];
  restart?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

function load(name: string): ComposeFile {
  return parse(readFileSync(join(DOCKER, name), 'utf8'), { merge: true }) as ComposeFile;
}

/** `docker compose -f base -f override`: maps merge, sequences of mounts append. */
function overlay(base: ComposeFile, override: ComposeFile): ComposeFile {
  const services = { ...base.services };
  for (const [name, extra] of Object.entries(override.services)) {
    const service = services[name] ?? {};
    services[name] = {
      ...service,
      ...extra,
      environment: { ...service.environment, ...extra.environment },
      depends_on: { ...service.depends_on, ...extra.depends_on },
      volumes: [...(service.volumes ?? []), ...(extra.volumes ?? [])],
    };
  }
  return { services, volumes: { ...base.volumes, ...override.volumes } };
}

const mounts = (service: Service) =>
  (service.volumes ?? []).map((spec) => {
    const [source, target] = spec.split(':');
    return { source, target };
  });
const isNode = (service: Service) => service.image?.startsWith('eventstore/eventstore') === true;
const isApi = (service: Service) => service.build !== undefined;

const topologies = [
  {
    file: 'compose.single-node.yml',
    override: 'compose.single-node.insecure.yml',
    nodes: ['eventstoredb'],
    apis: ['api'],
  },
  {
    file: 'compose.cluster.yml',
    override: 'compose.cluster.insecure.yml',
    nodes: ['esdb-node1', 'esdb-node2', 'esdb-node3'],
    apis: ['api-1', 'api-2'],
  },
];

describe.each(topologies)('$file', ({ file, override, nodes, apis }) => {
  const compose = load(file);
  const services = compose.services;

  it('names exactly the expected nodes and api instances', () => {
    expect(
      Object.keys(services)
        .filter((name) => isNode(services[name]))
        .sort(),
    ).toEqual(nodes);
    expect(
      Object.keys(services)
        .filter((name) => isApi(services[name]))
        .sort(),
    ).toEqual(apis);
  });

  it('keeps the CA key with the certificate generator alone', () => {
    const generator = services['cert-gen'];
    expect(generator.command).toEqual(nodes);
    const holders = Object.entries(services)
      .filter(([, service]) => mounts(service).some((mount) => mount.source === 'esdb-ca'))
      .map(([name]) => name);
    expect(holders).toEqual(['cert-gen']);
    expect(mounts(generator)).toContainEqual({ source: 'esdb-ca', target: '/certs/ca' });
  });

  it.each(nodes)('%s mounts only its own certificate and key and the CA certificate', (node) => {
    const generator = mounts(services['cert-gen']);
    const own = generator.find((mount) => mount.target === `/certs/nodes/${node}`);
    expect(own).toBeDefined();
    const service = services[node];
    const certificateMounts = mounts(service).filter((mount) =>
      mount.target.startsWith('/etc/eventstore/certs'),
    );
    expect(certificateMounts).toEqual([{ source: own!.source, target: '/etc/eventstore/certs' }]);
    expect(service.volumes).toContain(`${own!.source}:/etc/eventstore/certs:ro`);
    // Nobody else mounts this node's key.
    for (const [name, other] of Object.entries(services)) {
      if (name === node || name === 'cert-gen') continue;
      expect(mounts(other).map((mount) => mount.source)).not.toContain(own!.source);
    }
    const environment = service.environment!;
    expect(environment['EVENTSTORE_CERTIFICATE_FILE']).toBe('/etc/eventstore/certs/node.crt');
    expect(environment['EVENTSTORE_CERTIFICATE_PRIVATE_KEY_FILE']).toBe('/etc/eventstore/certs/node.key');
    expect(environment['EVENTSTORE_TRUSTED_ROOT_CERTIFICATES_PATH']).toBe('/etc/eventstore/certs/ca');
    expect(environment['EVENTSTORE_CLUSTER_SIZE']).toBe(String(nodes.length));
    expect(environment['EVENTSTORE_DEFAULT_ADMIN_PASSWORD']).toMatch(
      /^\$\{EVENTSTORE_ADMIN_PASSWORD:\?.+\}$/,
    );
    expect(environment['EVENTSTORE_DEFAULT_OPS_PASSWORD']).toMatch(/^\$\{EVENTSTORE_OPS_PASSWORD:\?.+\}$/);
    expect(service.depends_on).toEqual({ 'cert-gen': { condition: 'service_completed_successfully' } });
    expect(service.healthcheck?.test).toBeDefined();
    if (nodes.length > 1) {
      const seeds = environment['EVENTSTORE_GOSSIP_SEED'].split(',');
      expect(seeds.sort()).toEqual(nodes.filter((other) => other !== node).map((other) => `${other}:2113`));
    }
  });

  it.each(apis)('%s trusts the CA certificate only, needs api.env and waits for healthy nodes', (api) => {
    const service = services[api];
    const trust = mounts(services['cert-gen']).find((mount) => mount.target === '/certs/trust')!;
    expect(mounts(service).filter((mount) => mount.target.startsWith('/etc/timeline/certs'))).toEqual([
      { source: trust.source, target: '/etc/timeline/certs' },
    ]);
    const url = service.environment!['EVENTSTORE_URL'];
    expect(url).toContain('tls=true');
    expect(url).toContain('tlsCAFile=/etc/timeline/certs/ca.crt');
    for (const node of nodes) expect(url).toContain(`${node}:2113`);
    expect(service.env_file).toEqual([{ path: './api.env', required: true }]);
    // The rate limit is a budget across the instances behind the balancer: each enforces its share.
    expect(service.environment!['RATE_LIMIT_INSTANCES'] ?? '1').toBe(String(apis.length));
    for (const node of nodes) expect(service.depends_on?.[node]).toEqual({ condition: 'service_healthy' });
    expect(service.healthcheck?.test).toBeDefined();
    expect(service.restart).toBe('unless-stopped');
  });

  it('declares every named volume it mounts', () => {
    const declared = new Set(Object.keys(compose.volumes ?? {}));
    for (const service of Object.values(services)) {
      for (const { source } of mounts(service)) {
        if (!source.startsWith('.')) expect(declared).toContain(source);
      }
    }
  });

  it('gives every long-running service a health check', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name === 'cert-gen') expect(service.restart).toBe('no');
      else expect([name, service.healthcheck?.test]).toEqual([name, expect.anything()]);
    }
  });

  it(`with ${override}: no TLS, local-dev tokens, one signing key for every instance`, () => {
    const development = overlay(compose, load(override));
    for (const node of nodes)
      expect(development.services[node].environment!['EVENTSTORE_INSECURE']).toBe('true');
    const keyVolumes = new Set<string>();
    for (const api of apis) {
      const service = development.services[api];
      expect(service.environment).toMatchObject({ NODE_ENV: 'development', AUTH_MODE: 'local-dev' });
      expect(service.environment!['EVENTSTORE_URL']).toContain('tls=false');
      const key = mounts(service).find((mount) => mount.target === '/var/lib/timeline/local-dev');
      keyVolumes.add(key?.source ?? `${api}'s own data volume`);
    }
    expect(keyVolumes.size).toBe(1);
    if (apis.length > 1) {
      // The first instance creates the shared key; the others start once it is healthy.
      for (const api of apis.slice(1)) {
        expect(development.services[api].depends_on?.[apis[0]]).toEqual({ condition: 'service_healthy' });
      }
    }
  });
});

describe('compose.cluster.yml load balancer', () => {
  it('waits for every api instance to be healthy and proxies to each of them', () => {
    const { services } = load('compose.cluster.yml');
    expect(services['load-balancer'].depends_on).toEqual({
      'api-1': { condition: 'service_healthy' },
      'api-2': { condition: 'service_healthy' },
    });
    const nginx = readFileSync(join(DOCKER, 'nginx', 'nginx.conf'), 'utf8');
    expect(nginx).toContain('server api-1:3000');
    expect(nginx).toContain('server api-2:3000');
  });
});

describe('docker/api.env.example', () => {
  const template = Object.fromEntries(
    readFileSync(join(DOCKER, 'api.env.example'), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

  it('is git-ignored once copied, and lists the settings production needs', () => {
    expect(readFileSync(join(DOCKER, '.gitignore'), 'utf8').split('\n')).toContain('api.env');
    expect(Object.keys(template)).toEqual(
      expect.arrayContaining(['AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URL']),
    );
  });

  it('copied unfilled, the api refuses to start in production and names what is missing', () => {
    const environment = { ...template, NODE_ENV: 'production' };
    expect(() => readAuthConfiguration(environment, tmpdir())).toThrow(/AUTH_JWKS_URL.*AUTH_JWT_PUBLIC_KEY/);
    expect(() =>
      readAuthConfiguration({ ...environment, AUTH_JWKS_URL: 'https://idp.example/jwks' }, tmpdir()),
    ).toThrow(/AUTH_ISSUER/);
  });

  it('filled in, it configures the api', () => {
    const configuration = readAuthConfiguration(
      {
        ...template,
        NODE_ENV: 'production',
        AUTH_ISSUER: 'https://idp.example',
        AUTH_AUDIENCE: 'operation-timeline',
        AUTH_JWKS_URL: 'https://idp.example/jwks',
      },
      tmpdir(),
    );
    expect(configuration.options).toMatchObject({ mode: 'jwt', issuer: 'https://idp.example' });
  });
});

describe('docker/certs/generate-certs.sh', () => {
  let root: string;
  let bin: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'certs-'));
    bin = mkdtempSync(join(tmpdir(), 'gencert-'));
    // Stands in for es-gencert-cli: writes distinct files where the real tool writes its output.
    const tool = join(bin, 'es-gencert-cli');
    writeFileSync(
      tool,
      [
        '#!/bin/sh',
        'command=$1; shift; out=""; days=""',
        'while [ $# -gt 0 ]; do case "$1" in -out) out=$2; shift 2;; -days) days=$2; shift 2;; *) shift;; esac; done',
        'mkdir -p "$out"',
        'if [ "$command" = create-ca ]; then echo "ca $days $$" > "$out/ca.crt"; echo secret > "$out/ca.key";',
        'else echo "node $days $$ $(date +%s%N)" > "$out/node.crt"; echo "key $$" > "$out/node.key"; fi',
      ].join('\n'),
    );
    chmodSync(tool, 0o755);
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(bin, { recursive: true, force: true });
  });

  const asRoot = process.getuid?.() === 0;
  const owners: Record<string, string> = asRoot
    ? {}
    : {
        NODE_OWNER: `${process.getuid?.()}:${process.getgid?.()}`,
        CA_OWNER: `${process.getuid?.()}:${process.getgid?.()}`,
      };
  const run = (nodes: string[], extra: Record<string, string> = {}) =>
    execFileSync('/bin/sh', [join(DOCKER, 'certs', 'generate-certs.sh'), ...nodes], {
      // As root (the cert-gen service), node files go to uid 1000; elsewhere to whoever runs the test.
      env: { PATH: `${bin}:${process.env['PATH']}`, CERTS_DIR: root, ...owners, ...extra },
    });
  const files = (directory: string): string[] =>
    readdirSync(directory, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(directory.length + 1))
      .sort();

  it('gives each node its certificate, its key and the CA certificate, and the api the CA certificate', () => {
    run(['esdb-node1', 'esdb-node2']);
    expect(files(join(root, 'nodes', 'esdb-node1'))).toEqual([join('ca', 'ca.crt'), 'node.crt', 'node.key']);
    expect(files(join(root, 'trust'))).toEqual(['ca.crt']);
    expect(files(join(root, 'ca'))).toEqual(['ca.crt', 'ca.key']);
    expect(readFileSync(join(root, 'ca', 'ca.crt'), 'utf8')).toMatch(/^ca 1825 /);
    expect(readFileSync(join(root, 'nodes', 'esdb-node2', 'node.crt'), 'utf8')).toMatch(/^node 365 /);
    expect(statSync(join(root, 'nodes', 'esdb-node1', 'node.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'ca', 'ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'nodes', 'esdb-node1', 'node.key')).uid).toBe(
      asRoot ? 1000 : process.getuid?.(),
    );
  });

  it('keeps existing certificates, and renews node certificates from the same CA on request', () => {
    run(['esdb-node1']);
    const ca = readFileSync(join(root, 'ca', 'ca.crt'), 'utf8');
    const first = readFileSync(join(root, 'nodes', 'esdb-node1', 'node.crt'), 'utf8');
    run(['esdb-node1']);
    expect(readFileSync(join(root, 'nodes', 'esdb-node1', 'node.crt'), 'utf8')).toBe(first);
    run(['esdb-node1'], { RENEW_NODE_CERTS: '1' });
    expect(readFileSync(join(root, 'nodes', 'esdb-node1', 'node.crt'), 'utf8')).not.toBe(first);
    expect(readFileSync(join(root, 'ca', 'ca.crt'), 'utf8')).toBe(ca);
    expect(existsSync(join(root, 'nodes', 'esdb-node1', 'ca.key'))).toBe(false);
  });
});
