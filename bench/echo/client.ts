/**
 * echo part, client process: one connection to the server under test, then,
 * per `run` request, one timed sample — keep exactly `window` messages in
 * flight (a new one is sent each time one comes back, until `count` have
 * been sent or `capMs` has passed), record every round trip with
 * performance.now(), and charge the process's own CPU time
 * (process.cpuUsage) to the messages. Replies with the counts, the elapsed
 * time, RTT quantiles and CPU time. A sample that hits its cap stops
 * sending, waits (at most DRAIN_MS) for the messages in flight, and reports
 * what it did.
 *
 *   (started by bench/echo.ts) echo/client.ts --impl rfc6455|ws|undici --url ws://… [--deflate]
 */
import { quantileSorted } from '../harness.js';
import { serve } from '../ipc-child.js';
import { isPayloadKind, makePayload } from '../payloads.js';
import { parseArgs } from '../report.js';
import { connect, type EchoClient, isClientImpl } from './clients.js';

const DRAIN_MS = 10_000;

const args = parseArgs(process.argv.slice(2));
const impl = args.get('impl') ?? '';
if (!isClientImpl(impl)) throw new Error(`--impl must be rfc6455, ws or undici, got ${impl}`);
const client = await connect(impl, args.get('url') ?? '', args.has('deflate'));

export interface SampleRequest {
  readonly size: number;
  readonly count: number;
  readonly window: number;
  readonly capMs: number;
  readonly payload: string;
}

function sample(ws: EchoClient, request: SampleRequest): Promise<Record<string, unknown>> {
  const { size, count, window, capMs } = request;
  if (!isPayloadKind(request.payload)) throw new Error(`unknown payload ${request.payload}`);
  const data = makePayload(request.payload, size);
  const sentAt = new Float64Array(count);
  const rtt = new Float64Array(count);
  let sent = 0;
  let received = 0;
  let capped = false;
  (globalThis as { gc?: () => void }).gc?.();
  return new Promise((resolve) => {
    let drainTimer: NodeJS.Timeout | undefined;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let tEnd = t0;
    const finish = () => {
      clearTimeout(capTimer);
      clearTimeout(drainTimer);
      ws.onMessage = () => {};
      const cpu = process.cpuUsage(cpu0);
      const sorted = rtt.subarray(0, received).sort();
      let sum = 0;
      for (const v of sorted) sum += v;
      resolve({
        messages: received,
        sent,
        capped,
        ms: tEnd - t0,
        cpuUs: cpu.user + cpu.system,
        rttUs: {
          p50: quantileSorted(sorted, 0.5) * 1000,
          p99: quantileSorted(sorted, 0.99) * 1000,
          max: (sorted[sorted.length - 1] ?? Number.NaN) * 1000,
          mean: (sum / Math.max(1, received)) * 1000,
        },
      });
    };
    const capTimer = setTimeout(() => {
      capped = true;
      if (received === sent) finish();
      else drainTimer = setTimeout(finish, DRAIN_MS);
    }, capMs);
    ws.onMessage = () => {
      const now = performance.now();
      rtt[received] = now - sentAt[received]!;
      received++;
      tEnd = now;
      if (!capped && sent < count) {
        sentAt[sent++] = performance.now();
        ws.send(data);
      } else if (received === sent) {
        finish();
      }
    };
    for (let i = 0; i < window && sent < count; i++) {
      sentAt[sent++] = performance.now();
      ws.send(data);
    }
  });
}

serve({ extensions: client.extensions }, (message) => {
  if (message['type'] === 'run') return sample(client, message as unknown as SampleRequest);
  throw new Error(`unknown request ${String(message['type'])}`);
});
