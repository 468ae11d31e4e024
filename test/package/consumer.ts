// Compiled against the emitted declarations (dist/index.d.ts) by package.test.ts.
import { createClient, type Client, type ClientOptions, type Middleware, TimeoutError, type ManagedDiscovery } from 'switchyard';
import { dnsDiscovery, type DnsDiscoveryOptions } from 'switchyard/dns';
import { etcdConfig, etcdDiscovery, registerEtcd, type EtcdRegistration } from 'switchyard/etcd';
import { fileDiscovery } from 'switchyard/file';
import { consulConfig, consulDiscovery, registerConsul, type ConsulRegistration } from 'switchyard/consul';
import { kubernetesDiscovery } from 'switchyard/kubernetes';

const dnsOptions: DnsDiscoveryOptions = { name: '_http._tcp.payments.internal', servers: ['127.0.0.1:5353'] };
const providers: ManagedDiscovery[] = [dnsDiscovery(dnsOptions), etcdDiscovery({ hosts: 'http://127.0.0.1:2379', prefix: '/services/payments/' }), fileDiscovery('./payments.json')];
export const registration: EtcdRegistration = registerEtcd({ hosts: 'http://127.0.0.1:2379', key: '/services/payments/1', endpoint: 'http://127.0.0.1:8080' });
export const source = etcdConfig({ hosts: 'http://127.0.0.1:2379', key: '/config/mesh.json' });
export const payments = createClient({ service: 'payments', discovery: providers[0]! });

const options: ClientOptions = { service: 'svc', endpoints: ['http://127.0.0.1:8080', { url: 'http://127.0.0.1:8081', weight: 2 }] };
const addAuth: Middleware = (call, next) => next({ ...call, headers: { ...call.headers, authorization: 'Bearer t' } });
const client: Client = createClient({ ...options, middleware: [addAuth], timeout: { attempt: 500 } });

export async function use(): Promise<number> {
  const res: Response = await client.fetch('/v1/items', { key: 'user-7' });
  const raw = await client.request({ path: '/v1/items/7' });
  await raw.body.dump();
  client.on('endpoint-added', (e) => console.log(e.url));
  const timedOut: boolean = (await client.fetch('/slow').catch((e: unknown) => e)) instanceof TimeoutError;
  return res.status + raw.statusCode + (timedOut ? 1 : 0);
}

export async function discover(): Promise<string> {
  const consul = createClient({ service: 'payments', discovery: consulDiscovery({ service: 'payments', consul: { host: '127.0.0.1' } }) });
  const kubernetes = createClient({ service: 'payments', discovery: kubernetesDiscovery({ service: 'payments', port: 'http' }) });
  const registration: ConsulRegistration = registerConsul({ service: 'payments', endpoint: 'http://127.0.0.1:8080', ttlMs: 5_000 });
  await registration.ready();
  const source = consulConfig({ key: 'config/mesh.yaml' });
  await Promise.all([consul.close(), kubernetes.close(), registration.close(), source.close()]);
  return registration.id;
}
