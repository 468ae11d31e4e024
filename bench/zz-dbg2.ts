import { createClient } from '../dist/index.js';
import { startLoopbackFleet } from '../test/support/loopback.js';
const fleet = await startLoopbackFleet(3);
for (let i = 0; i < 3; i++) await fleet.setMode(i, { stallEvery: 100, stallMs: 200 });
const client = createClient({ service: 'b', endpoints: fleet.urls, retry: false });
const count = 6000, gap = 0.5;
const lat = new Float64Array(count);
const t0 = performance.now() + 5;
let sent = 0, done = 0;
await new Promise<void>((resolve) => {
  const tick = () => {
    const now = performance.now();
    while (sent < count && t0 + sent * gap <= now) {
      const i = sent++; const intended = t0 + i * gap;
      client.request({ path: '/' }).then(async (r) => { lat[i] = performance.now() - intended; await r.body.dump(); if (++done === count) resolve(); });
    }
    if (sent < count) setTimeout(tick, 1);
  };
  tick();
});
const slow = [...lat].map((l, i) => [i, l] as const).filter(([, l]) => l > 100);
console.log(slow.length, slow.slice(0, 40).map(([i, l]) => `${i}:${l.toFixed(0)}`).join(' '));
await client.close(); await fleet.stop();
