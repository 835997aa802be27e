/**
 * The k6/websockets "Complete Example", as k6's documentation gives it:
 * virtual users open four chat sockets each, set a name, say something every
 * 2–8 s, leave after a session of 1–3 s and close 3 s later.
 *
 *   npm start
 *     = rfc6455 run examples/k6-chat.ts --serve examples/chat-server.ts --vus 2 --duration 10s --graceful-stop 5s
 *   node --import tsx src/tools/cli.ts run examples/k6-chat.ts --url ws://HOST:PORT/ws [--vus N] [--duration 30s]
 *
 * Every line below is k6's text except one: the URL, which comes from the
 * runner as `__ENV.WS_URL` (the embedded chat server with --serve, or --url)
 * instead of wss://quickpizza.grafana.com/ws. The import lines are k6's own:
 * `rfc6455 run` maps `k6/websockets` to rfc6455's WebSocket and the jslib
 * k6-utils URL to the project's randomString/randomIntBetween, so nothing is
 * downloaded. The same file runs under k6 itself:
 *   k6 run -e WS_URL=wss://quickpizza.grafana.com/ws examples/k6-chat.ts
 */
// @ts-nocheck -- k6's JavaScript, kept line for line, so not type-checked.
import { randomString, randomIntBetween } from 'https://jslib.k6.io/k6-utils/1.1.0/index.js';
import { WebSocket } from 'k6/websockets';

const sessionDuration = randomIntBetween(1000, 3000); // user session between 1s and 3s

export default function () {
  for (let i = 0; i < 4; i++) {
    startWSWorker(i);
  }
}

function startWSWorker(id) {
  // Create a new websocket connection
  const ws = new WebSocket(__ENV.WS_URL);
  ws.binaryType = 'arraybuffer';
  
  ws.addEventListener('open', () => {
    // Change the user name
    ws.send(JSON.stringify({ event: 'SET_NAME', new_name: `VU ${__VU}:${id}` }));
    
    // Listen for messages/errors and log them into console
    ws.addEventListener('message', (e) => {
      const msg = JSON.parse(e.data);
      if (msg.event === 'CHAT_MSG') {
        console.log(`VU ${__VU}:${id} received: ${msg.user} says: ${msg.message}`);
      } else if (msg.event === 'ERROR') {
        console.error(`VU ${__VU}:${id} received:: ${msg.message}`);
      } else {
        console.log(`VU ${__VU}:${id} received unhandled message: ${msg.message}`);
      }
    });
    
    // Send a message every 2-8 seconds
    const intervalId = setInterval(() => {
      ws.send(JSON.stringify({ event: 'SAY', message: `I'm saying ${randomString(5)}` }));
    }, randomIntBetween(2000, 8000)); // say something every 2-8 seconds
    
    // After a sessionDuration stop sending messages and leave the room
    const timeout1id = setTimeout(function () {
      clearInterval(intervalId);
      console.log(`VU ${__VU}:${id}: ${sessionDuration}ms passed, leaving the chat`);
      ws.send(JSON.stringify({ event: 'LEAVE' }));
    }, sessionDuration);
    
    // After a sessionDuration + 3s close the connection
    const timeout2id = setTimeout(function () {
      console.log(`Closing the socket forcefully 3s after graceful LEAVE`);
      ws.close();
    }, sessionDuration + 3000);
    
    // When connection is closing, clean up the previously created timers
    ws.addEventListener('close', () => {
      clearTimeout(timeout1id);
      clearTimeout(timeout2id);
      console.log(`VU ${__VU}:${id}: disconnected`);
    });
  });
}
