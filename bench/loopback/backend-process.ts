/**
 * A child process hosting some of the bench's loopback backends: one node:http server per backend
 * on 127.0.0.1, each serving at most `capacity` requests at once with the rest waiting in a FIFO
 * queue, so queueing is real. Service times, failures and phases come from the shared
 * {@link BackendBehaviour} model with a seeded RNG per backend. Driven over IPC by
 * `backend-fleet.ts`; exits when the parent goes away.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../src/core/clock.js';
import { seededRng, type Rng } from '../../src/core/rng.js';
import { BackendBehaviour } from '../model/backend-behaviour.js';
import type { BackendSpec } from '../scenario/scenario.js';
import type { BackendCounters, ToBackends } from './protocol.js';

interface Job {
  readonly res: http.ServerResponse;
  gone: boolean;
}

class Backend {
  readonly behaviour: BackendBehaviour;
  readonly server: http.Server;
  readonly #index: number;
  #rng: Rng = seededRng(0);
  #active = 0;
  #queue: Job[] = [];
  #head = 0;
  counters: BackendCounters = emptyCounters();

  constructor(index: number, spec: BackendSpec, durationMs: number) {
    this.#index = index;
    this.behaviour = new BackendBehaviour(spec, durationMs);
    this.server = http.createServer((req, res) => this.#handle(req, res));
    this.server.keepAliveTimeout = 60_000;
  }

  reset(seed: number): void {
    this.#rng = seededRng(seed + 7_919 * (this.#index + 1));
    this.counters = emptyCounters();
  }

  get busy(): number {
    return this.#active + this.#queue.length - this.#head;
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const t = systemClock.now() - runStart;
    if (t >= 0) this.counters.requests++;
    res.setHeader('x-backend', this.behaviour.spec.name);
    req.resume();
    const verdict = this.behaviour.verdict(t, this.#rng);
    if (verdict === '503') {
      if (t >= 0) this.counters.status503++;
      res.statusCode = 503;
      res.end('unavailable');
      return;
    }
    if (verdict === 'reset') {
      if (t >= 0) this.counters.resets++;
      req.socket.destroy();
      return;
    }
    const job: Job = { res, gone: false };
    res.on('close', () => {
      job.gone = true;
    });
    if (this.#active < this.behaviour.spec.capacity) {
      this.#serve(job);
    } else {
      this.#queue.push(job);
      const waiting = this.#queue.length - this.#head;
      if (waiting > this.counters.maxQueue) this.counters.maxQueue = waiting;
    }
  }

  #serve(job: Job): void {
    this.#active++;
    const ms = this.behaviour.serviceMs(systemClock.now() - runStart, this.#rng);
    afterAtLeast(ms, () => {
      this.#active--;
      // A caller that gave up has closed the socket; the work was done all the same, as on a real server.
      if (!job.gone) job.res.end('ok');
      this.#next();
    });
  }

  #next(): void {
    while (this.#head < this.#queue.length && this.#active < this.behaviour.spec.capacity) {
      const job = this.#queue[this.#head++]!;
      // A request whose caller left while it waited is dropped from the queue without being served.
      if (!job.gone) this.#serve(job);
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
  }
}

/**
 * Runs `fn` once `ms` have passed on the monotonic clock. A Node timer counts in the event loop's
 * whole milliseconds, so it can fire up to 1 ms early (19.2 ms for a 20 ms timer, 2 in 100 here);
 * back to back on a busy backend, those early finishes would shorten every queued request's wait.
 */
function afterAtLeast(ms: number, fn: () => void): void {
  // A zero service time answers on the next turn, not after the 1 ms a zero-delay timer takes.
  if (ms <= 0) {
    setImmediate(fn);
    return;
  }
  const due = systemClock.now() + ms;
  const check = (): void => {
    const left = due - systemClock.now();
    if (left > 0) systemClock.setTimeout(check, left);
    else fn();
  };
  systemClock.setTimeout(check, ms);
}

function emptyCounters(): BackendCounters {
  return { requests: 0, status503: 0, resets: 0, maxQueue: 0 };
}

let runStart = Infinity;
let backends: Backend[] = [];

process.on('disconnect', () => process.exit(0));
process.on('message', (msg: ToBackends) => {
  const reply = (data: unknown): void => void process.send!({ id: msg.id, data });
  switch (msg.type) {
    case 'listen':
      backends = msg.backends.map(({ index, spec }) => new Backend(index, spec, msg.durationMs));
      void Promise.all(backends.map((b) => new Promise<void>((r) => b.server.listen(0, '127.0.0.1', r)))).then(() =>
        reply(backends.map((b) => (b.server.address() as AddressInfo).port)),
      );
      break;
    case 'start':
      for (const b of backends) b.reset(msg.seed);
      // The bench and the backends share the system's wall clock, so time zero is the same instant for both.
      runStart = systemClock.now() + (msg.startWallMs - systemClock.wallNow());
      reply(null);
      break;
    case 'busy':
      reply(backends.reduce((sum, b) => sum + b.busy, 0));
      break;
    case 'counters':
      reply(backends.map((b) => b.counters));
      break;
    case 'close':
      for (const b of backends) b.server.closeAllConnections();
      void Promise.all(backends.map((b) => new Promise((r) => b.server.close(r)))).then(() => {
        reply(null);
        process.disconnect();
      });
      break;
  }
});
