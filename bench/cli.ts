import { parseArgs } from 'node:util';
import { ConfigError } from '../src/core/errors.js';

/** What the command line asked for. */
export interface CliOptions {
  /** Run in the discrete-event simulator instead of on the loopback fleet. */
  readonly simulate: boolean;
  /** Scenario files given with `--fleet` (a user's own); empty means the shipped scenarios. */
  readonly fleets: readonly string[];
  /** Shipped scenarios to run, by name (`--scenario`); empty means all that fit the mode. */
  readonly scenarios: readonly string[];
  /** Strategies to compare (`--strategies`), overriding each scenario's list. */
  readonly strategies: readonly string[] | undefined;
  /** Measured time per strategy (`--duration`, ms), overriding each scenario's. */
  readonly durationMs: number | undefined;
  /** Warm-up per strategy (`--warmup`, ms). */
  readonly warmupMs: number | undefined;
  /** Seed (`--seed`), overriding each scenario's. */
  readonly seed: number | undefined;
  /** Output directory (`--out`; default bench-results/<run>). */
  readonly out: string | undefined;
  /** Backend processes per scenario (`--processes`). */
  readonly processes: number | undefined;
  /** Flow-control limits to compare on each scenario (`--limits`), instead of balancers. */
  readonly limits: readonly string[] | undefined;
  /** Print the scenarios and strategies and exit (`--list`). */
  readonly list: boolean;
  /** Print usage and exit (`--help`). */
  readonly help: boolean;
}

/** Usage text printed by `--help`. */
export const USAGE = `Usage: npm run bench -- [options]

Compares load-balancing strategies on a fleet of real HTTP backends on 127.0.0.1 (or, with
--simulate, in a discrete-event simulator with an oracle), and writes
bench-results/<run>/results.json and report.html.

Options:
  --simulate               run in the simulator (virtual time; adds the "oracle" strategy)
  --fleet <file.json>      run your own scenario file (repeatable, or give files as arguments); see README.md ("The bench suite")
  --scenario <name>        run only these shipped scenarios (repeatable or comma-separated)
  --strategies <a,b,...>   strategies to compare (default: the scenario's, else every registered balancer)
  --duration <time>        measured time per strategy, e.g. 3s or 2500ms (default: the scenario's)
  --warmup <time>          unrecorded warm-up per strategy (default: the scenario's)
  --seed <n>               seed of arrivals, backends and balancers (default: the scenario's)
  --limits <a,b,...>       compare flow-control limits instead of balancers (none, bucket, aimd, vegas,
                           gradient2, throttle) on the first strategy, e.g. --scenario overload-ramp
                           --limits none,bucket,aimd,vegas,gradient2,throttle --duration 12s
  --processes <n>          child processes hosting the backends (default: one per backend, at most 12)
  --out <dir>              where to write results.json and report.html (default: bench-results/<run>)
  --list                   list the shipped scenarios and the registered strategies
  --help                   this text
`;

/**
 * Parses the bench's command line.
 * @throws ConfigError naming the flag (`--duration`) and the bad value
 */
export function parseCli(argv: readonly string[]): CliOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new ConfigError('command line', argv.join(' '), `known flags (${(error as Error).message}); see --help`);
  }
  const v = parsed.values;
  const list = (values: string[] | undefined): string[] => (values ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const strategies = list(v.strategies);
  const limits = list(v.limits);
  return {
    simulate: v.simulate ?? false,
    fleets: [...(v.fleet ?? []), ...parsed.positionals],
    scenarios: list(v.scenario),
    strategies: strategies.length > 0 ? strategies : undefined,
    durationMs: v.duration === undefined ? undefined : parseTime(v.duration, '--duration', 1),
    warmupMs: v.warmup === undefined ? undefined : parseTime(v.warmup, '--warmup', 0),
    seed: v.seed === undefined ? undefined : parseInteger(v.seed, '--seed', 0),
    out: v.out,
    processes: v.processes === undefined ? undefined : parseInteger(v.processes, '--processes', 1),
    limits: limits.length > 0 ? limits : undefined,
    list: v.list ?? false,
    help: v.help ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      simulate: { type: 'boolean' },
      fleet: { type: 'string', multiple: true },
      scenario: { type: 'string', multiple: true },
      strategies: { type: 'string', multiple: true },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      seed: { type: 'string' },
      processes: { type: 'string' },
      limits: { type: 'string', multiple: true },
      out: { type: 'string' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** `3s`, `2.5s`, `2500ms` or a bare number of ms. */
function parseTime(text: string, flag: string, min: number): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  const ms = m ? Number(m[1]) * (m[2] === 's' ? 1_000 : 1) : Number.NaN;
  if (!(ms >= min)) throw new ConfigError(flag, text, `a time such as 3s or 2500ms${min > 0 ? ', above 0' : ''}`);
  return ms;
}

function parseInteger(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(flag, text, `an integer >= ${min}`);
  return n;
}
