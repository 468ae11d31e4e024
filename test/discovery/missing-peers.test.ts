import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Discovery } from '../../src/index.js';

// The client libraries are optional peers: without one, its provider says what to install.
describe('a registry provider whose optional peer is not installed', () => {
  afterEach(() => {
    vi.doUnmock('consul');
    vi.doUnmock('@kubernetes/client-node');
    vi.resetModules();
  });

  const firstError = async (discovery: Discovery): Promise<unknown> => {
    const errors: unknown[] = [];
    discovery.subscribe({ update: () => {}, error: (e) => void errors.push(e) });
    await discovery.ready();
    await discovery.close();
    return errors[0];
  };

  it('consulDiscovery reports a ConfigError naming the consul package', async () => {
    vi.doMock('consul', () => {
      throw new Error("Cannot find package 'consul'");
    });
    const { consulDiscovery } = await import('../../src/consul.js');
    const error = await firstError(consulDiscovery({ service: 'web' }));
    // Modules are reset between the tests, so the class is compared by its code.
    expect(error).toMatchObject({ code: 'SWITCHYARD_CONFIG', option: 'switchyard/consul' });
    expect((error as Error).message).toMatch(/npm install consul/);
  });

  it('kubernetesDiscovery reports a ConfigError naming @kubernetes/client-node', async () => {
    vi.doMock('@kubernetes/client-node', () => {
      throw new Error("Cannot find package '@kubernetes/client-node'");
    });
    const { kubernetesDiscovery } = await import('../../src/kubernetes.js');
    const error = await firstError(kubernetesDiscovery({ service: 'web' }));
    expect(error).toMatchObject({ code: 'SWITCHYARD_CONFIG', option: 'switchyard/kubernetes' });
    expect((error as Error).message).toMatch(/npm install @kubernetes\/client-node/);
  });
});
