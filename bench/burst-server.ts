/**
 * A benchmark peer, run in its own process so it does not compete with the
 * code under measurement for the same core: an rfc6455 server that answers a
 * text message "burst N SIZE" with N binary messages of SIZE bytes, written
 * back to back, then the text "done". Prints its port on stdout.
 */
import { WebSocketServer } from '../src/index.js';

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
const { port } = await wss.listen();
wss.on('connection', (ws) => {
  ws.addEventListener('message', (event) => {
    const [command, count, size] = String((event as MessageEvent).data).split(' ');
    if (command !== 'burst') return;
    const payload = Buffer.alloc(Number(size), 0x61);
    for (let i = 0; i < Number(count); i++) ws.send(payload);
    ws.send('done');
  });
});
console.log(port);
process.on('SIGTERM', () => void wss.close().then(() => process.exit(0)));
