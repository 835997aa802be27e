// A client driver for the conformance tester's client mode, in plain
// JavaScript with ws: the fuzzing server's URL comes as the first argument or
// in RFC6455_CONFORMANCE_URL; the agent name as the second argument.
// Asks for the case count, runs every case echoing each message, then asks
// for the reports.
import { WebSocket } from 'ws';

const base = process.argv[2] ?? process.env.RFC6455_CONFORMANCE_URL;
const agent = process.argv[3] ?? 'ws-driver';
if (base === undefined) {
  console.error('usage: ws-driver.mjs URL [AGENT]');
  process.exit(2);
}
const open = (path) => new WebSocket(`${base}${path}`, { perMessageDeflate: false });

const count = await new Promise((resolve, reject) => {
  const ws = open('/getCaseCount');
  ws.on('message', (data) => resolve(Number(String(data))));
  ws.on('error', reject);
});
for (let i = 1; i <= count; i++) {
  await new Promise((resolve) => {
    const ws = open(`/runCase?case=${i}&agent=${encodeURIComponent(agent)}`);
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => undefined);
    ws.on('close', resolve);
  });
}
await new Promise((resolve) => {
  const ws = open(`/updateReports?agent=${encodeURIComponent(agent)}`);
  ws.on('error', resolve);
  ws.on('close', resolve);
});
