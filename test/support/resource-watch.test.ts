import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { watchResources } from './resource-watch.js';

describe('watchResources', () => {
  it('reports a timer made while watching that is still pending, unref\'d or not, with where it was made', async () => {
    const watch = watchResources();
    const timer = setTimeout(() => undefined, 60_000).unref();
    const survivors = await watch.settled(100);
    clearTimeout(timer);
    expect(survivors).toHaveLength(1);
    expect(survivors[0]).toMatch(/^Timeout made[\s\S]*resource-watch\.test\.ts/);
  });

  it('waits for a timer that is released within the wait, and ignores those made before it started', async () => {
    const earlier = setTimeout(() => undefined, 60_000);
    const watch = watchResources();
    setTimeout(() => undefined, 100);
    expect(await watch.settled(2_000)).toEqual([]);
    clearTimeout(earlier);
  });

  it('reports a socket left open, and not one that was closed', async () => {
    const server = net.createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    const connect = () => new Promise<net.Socket>((r) => { const s = net.connect(port, '127.0.0.1', () => r(s)); s.on('error', () => undefined); });

    const open = watchResources();
    const socket = await connect();
    socket.pause();
    socket.on('end', () => undefined).allowHalfOpen = true;
    const leftOpen = await open.settled(200);
    socket.destroy();
    expect(leftOpen.some((s) => s.startsWith('TCPWRAP made'))).toBe(true);

    const closed = watchResources();
    (await connect()).destroy();
    expect(await closed.settled(2_000)).toEqual([]);
    await new Promise((r) => server.close(r));
  });
});
