import { parseClientOptions, type ClientOptions } from './client-options.js';
import type { Client } from './mesh/client-api.js';
import { SwitchyardMesh } from './mesh/mesh.js';
import { createClientOf } from './mesh/service-client.js';

export type { Client, RequestOptions, ResponseData } from './mesh/client-api.js';
export type { EndpointStats } from './mesh/stats.js';

/**
 * Creates a client for one service: every call goes through discovery, a load-balancer pick,
 * per-endpoint state and the undici transport, inside an OpenTelemetry span. It is a mesh of one
 * service (see `createMesh`), so it takes the same subsets and routes.
 *
 * @example
 * const payments = createClient({ service: 'payments', endpoints: ['http://127.0.0.1:8081'] });
 * const res = await payments.fetch('/v1/charges', { method: 'POST', body });
 * await payments.close();
 *
 * @throws ConfigError naming the option and the bad value
 */
export function createClient(options: ClientOptions): Client {
  const { service, runtime, alerts } = parseClientOptions(options);
  const mesh = new SwitchyardMesh(runtime, new Map());
  mesh.applySettings({ version: undefined, services: new Map([[service.service.toLowerCase(), service]]), alerts }, options);
  return createClientOf(mesh, service.service, true);
}
