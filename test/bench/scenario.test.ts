import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { SCENARIO_DIR } from '../../bench/runner.js';
import { loadScenarioFile, parseScenario, withOverrides } from '../../bench/scenario/scenario.js';

const minimal = { load: { rate: 100 }, backends: [{ latency: { type: 'constant', ms: 5 } }] };

/** A copy of the minimal scenario with `path` (dotted, [i] for arrays) set to `value`. */
function withField(path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(minimal) as Record<string, unknown>;
  const keys = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  let at = copy as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
  at[keys[keys.length - 1]!] = value;
  return copy;
}

describe('a scenario file', () => {
  it('fills every default from a minimal fleet', () => {
    const s = parseScenario(minimal, 'mine');
    expect(s).toMatchObject({ name: 'mine', seed: 1, durationMs: 5_000, warmupMs: 500, strategies: undefined, targets: ['loopback', 'simulator'] });
    expect(s.load).toEqual({ rate: { from: 100, to: 100 }, arrival: 'poisson', timeoutMs: 1_000 });
    expect(s.backends).toEqual([
      { name: 'b0', latency: { type: 'constant', ms: 5 }, capacity: Infinity, errors: { status503: 0, reset: 0 }, phases: [], joinAt: 0, leaveAt: 1, coldStart: undefined, weight: 1 },
    ]);
  });

  it('expands count into numbered backends', () => {
    const s = parseScenario(withField('backends[0]', { name: 'web', count: 3, latency: { type: 'constant', ms: 1 } }));
    expect(s.backends.map((b) => b.name)).toEqual(['web-0', 'web-1', 'web-2']);
  });

  it.each([
    ['a backend without latency', withField('backends[0]', { capacity: 2 }), 'backends[0].latency'],
    ['an unknown latency type', withField('backends[0].latency', { type: 'gamma' }), 'backends[0].latency.type'],
    ['a missing distribution parameter', withField('backends[0].latency', { type: 'normal', mean: 5 }), 'backends[0].latency.stddev'],
    ['a negative mean', withField('backends[0].latency', { type: 'exponential', mean: -1 }), 'backends[0].latency.mean'],
    ['a bimodal share above 1', withField('backends[0].latency', { type: 'bimodal', fast: { type: 'constant', ms: 1 }, slow: { type: 'constant', ms: 9 }, slowShare: 2 }), 'backends[0].latency.slowShare'],
    ['a nested bad distribution', withField('backends[0].latency', { type: 'bimodal', fast: { type: 'constant' }, slow: { type: 'constant', ms: 9 }, slowShare: 0.1 }), 'backends[0].latency.fast.ms'],
    ['a fractional capacity', withField('backends[0].capacity', 1.5), 'backends[0].capacity'],
    ['an error share above 1', withField('backends[0].errors', { status503: 1.2 }), 'backends[0].errors.status503'],
    ['error shares adding up past 1', withField('backends[0].errors', { status503: 0.6, reset: 0.6 }), 'backends[0].errors.reset'],
    ['a phase ending before it starts', withField('backends[0].phases', [{ start: 0.5, end: 0.2 }]), 'backends[0].phases[0].end'],
    ['a phase without a start', withField('backends[0].phases', [{ end: 0.2 }]), 'backends[0].phases[0].start'],
    ['leaving before joining', withField('backends[0]', { latency: { type: 'constant', ms: 1 }, joinAt: 0.5, leaveAt: 0.4 }), 'backends[0].leaveAt'],
    ['an unknown backend field', withField('backends[0].latncy', 3), 'backends[0].latncy'],
    ['an unknown top-level field', withField('duration', 3), 'duration'],
    ['no backends', withField('backends', []), 'backends'],
    ['no load', { backends: minimal.backends }, 'load'],
    ['a rate of zero', withField('load.rate', 0), 'load.rate'],
    ['an unknown arrival process', withField('load.arrival', 'bursty'), 'load.arrival'],
    ['a ramp without its end', withField('load.rate', { from: 10 }), 'load.rate.to'],
    ['a bad client option', withField('client', { retry: { retries: -1 } }), 'client.retry.retries'],
    ['a client option the bench owns', withField('client', { balancer: 'p2c' }), 'client.balancer'],
    ['an unknown target', withField('targets', ['cloud']), 'targets[0]'],
  ])('rejects %s, naming the field', (_what, value, field) => {
    const error = (() => {
      try {
        parseScenario(value);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe(field);
    expect((error as ConfigError).message).toContain(field);
  });

  it('rejects two backends with the same name', () => {
    const value = { load: { rate: 1 }, backends: [{ name: 'a', latency: { type: 'constant', ms: 1 } }, { name: 'a', latency: { type: 'constant', ms: 1 } }] };
    expect(() => parseScenario(value)).toThrow(expect.objectContaining({ option: 'backends[1].name' }));
  });

  it('names the file and the field when a fleet file is malformed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'switchyard-bench-'));
    try {
      const file = join(dir, 'my-fleet.json');
      await writeFile(file, JSON.stringify(withField('backends[0].capacity', 0)));
      await expect(loadScenarioFile(file)).rejects.toThrow(`${file}: Invalid option backends[0].capacity: 0`);
      await writeFile(file, '{ "load": ');
      await expect(loadScenarioFile(file)).rejects.toThrow(`${file}: not valid JSON`);
      await writeFile(file, JSON.stringify(minimal));
      expect((await loadScenarioFile(file)).name).toBe('my-fleet');
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('takes duration, warm-up, strategies and seed from the command line over the file', () => {
    const s = withOverrides(parseScenario(minimal), { durationMs: 700, warmupMs: 0, strategies: ['p2c'], seed: 9 });
    expect(s).toMatchObject({ durationMs: 700, warmupMs: 0, strategies: ['p2c'], seed: 9 });
  });

  it('ships scenarios that all parse', async () => {
    const files = (await readdir(SCENARIO_DIR)).filter((f) => f.endsWith('.json'));
    const names = await Promise.all(files.map(async (f) => (await loadScenarioFile(join(SCENARIO_DIR, f))).name));
    expect(names).toEqual(expect.arrayContaining(['slow-node', 'heterogeneous', 'gc-pauses', 'failing-node', 'scale-out', 'overload-ramp']));
  });
});
