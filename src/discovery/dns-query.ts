import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Answer, DecodedPacket, RecordType } from 'dns-packet';
import { ConfigError, DiscoveryError } from '../core/errors.js';

type DnsPacket = typeof import('dns-packet');

/** A DNS server, `host` and `port`. */
export interface DnsServer {
  readonly host: string;
  readonly port: number;
}

/**
 * Loads `dns-packet`, an optional peer dependency of `switchyard/dns`, on first use.
 * @throws ConfigError saying how to install it when it is missing
 */
export async function loadDnsPacket(): Promise<DnsPacket> {
  try {
    const mod = (await import('dns-packet')) as DnsPacket & { default?: DnsPacket };
    return mod.default ?? mod;
  } catch {
    throw new ConfigError('switchyard/dns', 'dns-packet', 'the optional peer dependency "dns-packet" installed (npm install dns-packet)');
  }
}

/**
 * Asks `server` one question over UDP, and again over TCP when the answer is truncated (RFC 7766).
 * Settles when the answer arrives or `signal` aborts; rejects with `DiscoveryError` on an RCODE other
 * than NOERROR, naming the question.
 */
export async function queryDns(packet: DnsPacket, server: DnsServer, name: string, type: RecordType, id: number, signal: AbortSignal): Promise<DecodedPacket> {
  const query = { type: 'query' as const, id, flags: packet.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' as const }] };
  let answer = await overUdp(packet.encode(query), server, id, signal, packet);
  if (answer.flag_tc) answer = await overTcp(packet.streamEncode(query), server, signal, packet);
  const rcode = (answer as DecodedPacket & { rcode?: string }).rcode ?? 'NOERROR';
  if (rcode !== 'NOERROR') throw new DiscoveryError(`dns ${name}`, `${type} query to ${server.host}:${server.port} answered ${rcode}`);
  return answer;
}

/** The answers and additionals of `type` for `name` (case-insensitive, as DNS names are). */
export function recordsOf(answer: DecodedPacket, type: RecordType, name: string): Answer[] {
  const lower = name.toLowerCase().replace(/\.$/, '');
  return [...(answer.answers ?? []), ...(answer.additionals ?? [])].filter((r) => r.type === type && r.name.toLowerCase().replace(/\.$/, '') === lower);
}

/**
 * How a query over a socket ends: `finish(error)` rejects, `finish(undefined, answer)` resolves,
 * each after it stops following `signal` and closes the socket with `close`. An abort of `signal`
 * finishes it with the signal's reason; one that already happened finishes it at once.
 */
function settleOnAbort(
  signal: AbortSignal,
  close: () => void,
  resolve: (answer: DecodedPacket) => void,
  reject: (error: unknown) => void,
): (error: unknown, answer?: DecodedPacket) => void {
  const finish = (error: unknown, answer?: DecodedPacket): void => {
    signal.removeEventListener('abort', onAbort);
    close();
    if (answer) resolve(answer);
    else reject(error);
  };
  const onAbort = (): void => finish(signal.reason);
  if (signal.aborted) finish(signal.reason);
  else signal.addEventListener('abort', onAbort, { once: true });
  return finish;
}

function overUdp(message: Buffer, server: DnsServer, id: number, signal: AbortSignal, packet: DnsPacket): Promise<DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(server.host.includes(':') ? 'udp6' : 'udp4');
    const finish = settleOnAbort(signal, () => socket.close(), resolve, reject);
    if (signal.aborted) return;
    socket.on('error', (error) => finish(error));
    socket.on('message', (buf) => {
      let answer: DecodedPacket;
      try {
        answer = packet.decode(buf);
      } catch {
        return; // Not a DNS message: keep waiting for the answer.
      }
      // An answer to another query (a late one from a timed-out poll) is not ours.
      if (answer.id === id && answer.type === 'response') finish(undefined, answer);
    });
    socket.send(message, server.port, server.host, (error) => {
      if (error) finish(error);
    });
  });
}

function overTcp(message: Buffer, server: DnsServer, signal: AbortSignal, packet: DnsPacket): Promise<DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.host, port: server.port });
    const chunks: Buffer[] = [];
    const finish = settleOnAbort(signal, () => socket.destroy(), resolve, reject);
    if (signal.aborted) return;
    socket.on('error', (error) => finish(error));
    socket.on('connect', () => socket.write(message));
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const buf = Buffer.concat(chunks);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        try {
          finish(undefined, packet.streamDecode(buf) as DecodedPacket);
        } catch (error) {
          finish(error);
        }
      }
    });
    socket.on('end', () => finish(new Error('the DNS server closed the TCP connection before answering')));
  });
}
