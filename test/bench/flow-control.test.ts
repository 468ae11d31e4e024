import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { compareLimits, fleetCapacity, LIMIT_PRESETS } from '../../bench/flow-control.js';
import { parseScenario } from '../../bench/scenario/scenario.js';

const ramp = (to: number) =>
  parseScenario({ load: { rate: { from: 100, to } }, backends: [{ count: 6, latency: { type: 'normal', mean: 10, stddev: 1 }, capacity: 1 }] });

describe('the flow-control comparison (npm run bench -- --limits)', () => {
  it('takes the fleet capacity from each backend: requests at once / mean service time', () => {
    expect(fleetCapacity(ramp(1_000))).toBeCloseTo(600, 9);
    expect(() => fleetCapacity(parseScenario({ load: { rate: 1 }, backends: [{ latency: { type: 'constant', ms: 1 } }] }))).toThrow(ConfigError);
  });

  it('sets the preset limits from that capacity', () => {
    expect(LIMIT_PRESETS.bucket!.options(600)).toEqual({ limiter: { rate: 600, burst: 30 } });
    expect(LIMIT_PRESETS.gradient2!.options(600)).toEqual({ concurrencyLimit: { algorithm: 'gradient2' } });
  });

  it('rejects an unknown limit, and a scenario that never reaches 150 % of its capacity, before starting a fleet', async () => {
    await expect(compareLimits(ramp(1_000), ['aimd', 'magic'], 'p2c')).rejects.toMatchObject({ option: '--limits[1]', value: 'magic' });
    await expect(compareLimits(ramp(700), ['aimd'], 'p2c')).rejects.toThrow(/150 %/);
  });
});
