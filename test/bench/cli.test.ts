import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BALANCER_NAMES } from '../../src/balance/registry.js';
import { ConfigError } from '../../src/core/errors.js';
import { parseCli } from '../../bench/cli.js';
import { loadScenarios, strategiesFor } from '../../bench/runner.js';
import { parseScenario } from '../../bench/scenario/scenario.js';

const scenario = parseScenario({ load: { rate: 1 }, backends: [{ latency: { type: 'constant', ms: 1 } }] });

describe('the bench command line', () => {
  it('reads flags, comma lists and times', () => {
    expect(parseCli(['--simulate', '--fleet', 'a.json', '--scenario', 'slow-node,gc-pauses', '--strategies', 'p2c,peak-ewma', '--duration', '2.5s', '--warmup', '200ms', '--seed', '7', '--processes', '3', '--out', 'x'])).toEqual({
      simulate: true,
      fleets: ['a.json'],
      scenarios: ['slow-node', 'gc-pauses'],
      strategies: ['p2c', 'peak-ewma'],
      durationMs: 2_500,
      warmupMs: 200,
      seed: 7,
      out: 'x',
      processes: 3,
      limits: undefined,
      list: false,
      help: false,
    });
    expect(parseCli([])).toMatchObject({ simulate: false, fleets: [], scenarios: [], strategies: undefined, durationMs: undefined });
  });

  it('reads the flow-control limits to compare', () => {
    expect(parseCli(['--limits', 'none,aimd', '--limits', 'throttle']).limits).toEqual(['none', 'aimd', 'throttle']);
  });

  it.each([
    [['--duration', 'soon'], '--duration'],
    [['--duration', '0'], '--duration'],
    [['--seed', '1.5'], '--seed'],
    [['--processes', '0'], '--processes'],
    [['--fast'], 'command line'],
  ])('rejects %j naming %s', (argv, flag) => {
    expect(() => parseCli(argv)).toThrow(expect.objectContaining({ option: flag }));
  });

  it('runs every registered balancer unless told otherwise, and adds the oracle in the simulator', () => {
    expect(strategiesFor(scenario, 'loopback')).toEqual([...BALANCER_NAMES]);
    expect(strategiesFor(scenario, 'simulator')).toEqual([...BALANCER_NAMES, 'oracle']);
    expect(strategiesFor({ ...scenario, strategies: ['p2c'] }, 'loopback')).toEqual(['p2c']);
    expect(strategiesFor({ ...scenario, strategies: ['p2c'] }, 'loopback', ['random'])).toEqual(['random']);
  });

  it('rejects an unknown strategy, and the oracle outside the simulator, naming the entry', () => {
    expect(() => strategiesFor(scenario, 'loopback', ['p2c', 'fastest'])).toThrow(expect.objectContaining({ option: 'strategies[1]' }));
    expect(() => strategiesFor(scenario, 'loopback', ['oracle'])).toThrow(ConfigError);
  });

  it('picks shipped scenarios by mode and name, and rejects an unknown name', async () => {
    const loopback = (await loadScenarios([], [], 'loopback', {})).map((s) => s.name);
    expect(loopback).toEqual(['failing-node', 'gc-pauses', 'heterogeneous', 'overload-ramp', 'scale-out', 'slow-node']);
    const simulator = (await loadScenarios([], [], 'simulator', {})).map((s) => s.name);
    expect(simulator).toEqual(expect.arrayContaining([...loopback, 'sim-large-fleet', 'sim-one-slow']));
    expect((await loadScenarios([], ['slow-node'], 'loopback', { durationMs: 100 })).map((s) => [s.name, s.durationMs])).toEqual([['slow-node', 100]]);
    await expect(loadScenarios([], ['nope'], 'loopback', {})).rejects.toThrow(expect.objectContaining({ option: '--scenario' }));
  });

  it('loads a user fleet file given with --fleet, and names the bad field of a malformed one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'switchyard-cli-'));
    try {
      const good = join(dir, 'good.json');
      const bad = join(dir, 'bad.json');
      await writeFile(good, JSON.stringify({ load: { rate: 5 }, backends: [{ latency: { type: 'constant', ms: 1 } }] }));
      await writeFile(bad, JSON.stringify({ load: { rate: 5 }, backends: [{ latency: { type: 'normal', mean: 1, stdev: 1 } }] }));
      expect((await loadScenarios([good], [], 'loopback', {}))[0]!.name).toBe('good');
      await expect(loadScenarios([bad], [], 'loopback', {})).rejects.toThrow(expect.objectContaining({ option: 'backends[0].latency.stdev' }));
      await writeFile(bad, JSON.stringify({ targets: ['simulator'], load: { rate: 5 }, backends: [{ latency: { type: 'constant', ms: 1 } }] }));
      await expect(loadScenarios([bad], [], 'loopback', {})).rejects.toThrow(expect.objectContaining({ option: `${bad}: targets` }));
      expect(await loadScenarios([bad], [], 'simulator', {})).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
