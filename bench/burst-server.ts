/**
 * events part, sender process: an rfc6455 server that answers a text message
 * "burst N SIZE" with N binary messages of SIZE bytes, written back to back,
 * then the text "done". Run in its own process (pinned to core 0 by
 * bench/events.ts) so it does not compete with the receiving client under
 * measurement for the same core. N is capped at 10 million.
 */
import { api } from './lib.js';
import { serve } from './ipc-child.js';

const MAX_BURST = 10_000_000;
const { WebSocketServer } = api;
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
const { port } = await wss.listen();
wss.on('connection', (ws) => {
  ws.addEventListener('message', (event) => {
    const [command, count, size] = String((event as MessageEvent).data).split(' ');
    if (command !== 'burst') return;
    const payload = Buffer.alloc(Number(size), 0x61);
    for (let i = 0; i < Math.min(MAX_BURST, Number(count)); i++) ws.send(payload);
    ws.send('done');
  });
});
serve({ port }, (message) => {
  throw new Error(`unknown request ${String(message['type'])}`);
});
