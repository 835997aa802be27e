/**
 * A small end-to-end run of rfc6455: an echo server on 127.0.0.1 (ephemeral
 * port) and a client that exchanges text, binary, a Blob and a ping with it,
 * then closes, printing every event on both sides.
 *
 *   node --import tsx examples/echo.ts
 */
import { WebSocket, WebSocketServer } from '../src/index.js';

const log = (side: string, text: string) => console.log(`${side.padEnd(6)} ${text}`);

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
const { port } = await wss.listen();
log('server', `listening on ws://127.0.0.1:${port}`);

wss.on('connection', (ws, request) => {
  log('server', `connection from ${request.remoteAddress} for ${request.url}`);
  ws.binaryType = 'nodebuffer';
  ws.addEventListener('message', (event) => {
    const data = (event as MessageEvent).data as string | Buffer;
    log('server', typeof data === 'string' ? `text ${JSON.stringify(data)}` : `binary ${data.length} bytes`);
    ws.send(data);
  });
  ws.addEventListener('ping', () => log('server', 'ping (answered automatically)'));
  ws.addEventListener('close', (event) => log('server', `close ${(event as { code?: number }).code}`));
});

const ws = new WebSocket(`ws://127.0.0.1:${port}/echo`);
ws.binaryType = 'arraybuffer';
const expected = 3;
let received = 0;

ws.onopen = () => {
  log('client', `open (readyState ${ws.readyState})`);
  ws.send('Hello, RFC 6455!');
  ws.send(new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
  ws.send(new Blob(['a Blob, read asynchronously but sent in order']));
  ws.ping('are you there?');
};
ws.onmessage = (event) => {
  const data = event.data as string | ArrayBuffer;
  log('client', typeof data === 'string' ? `echo ${JSON.stringify(data)}` : `echo ArrayBuffer(${data.byteLength})`);
  if (++received === expected) ws.close(1000, 'done');
};
ws.onpong = (event) => log('client', `pong ${JSON.stringify(String(event.data))}`);
ws.onerror = (event) => log('client', `error ${event.message}`);
ws.onclose = async (event) => {
  log('client', `close code=${event.code} reason=${JSON.stringify(event.reason)} wasClean=${event.wasClean}`);
  await wss.close();
  log('server', 'closed');
  process.exitCode = received === expected && event.wasClean ? 0 : 1;
};
