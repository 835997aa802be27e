/**
 * The bounded soak of `npm test`: 200 clients × 15 messages of 0 B – 1 MiB
 * (text and binary, a third of the clients fragmenting, echoes over 64 KiB
 * fragmented by the server), and a permessage-deflate round, through an
 * rfc6455 echo server in this process. Every echo must come back byte-exact
 * (SHA-256 carried in the message) and in order (sequence numbers), every
 * client must close cleanly with 1000, and nothing may be left in flight.
 * The long run: `npm run soak -- --clients 2000 --seconds 60`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSoakReport, runSoak, type SoakOptions } from './soak.js';

const cases: [string, SoakOptions][] = [
  ['200 clients, 15 messages each, 0 B – 1 MiB', { clients: 200, messagesPerClient: 15, seconds: 60, maxSize: 1024 * 1024, seed: 0x5041_6455, deflate: false, inProcess: true }],
  ['permessage-deflate: 50 clients, 10 messages each, 0 B – 256 KiB', { clients: 50, messagesPerClient: 10, seconds: 60, maxSize: 256 * 1024, seed: 0x5041_6456, deflate: true, inProcess: true }],
];

describe('soak (bounded): data integrity under load', () => {
  for (const [name, options] of cases) {
    it(name, { timeout: 90_000 }, async () => {
      const report = await runSoak(options);
      const text = formatSoakReport(report, options);
      assert.deepEqual(report.errors, [], text);
      assert.equal(report.messages, options.clients * options.messagesPerClient!, `every message must come back\n${text}`);
      assert.ok(report.fragmentedClients > 0, 'some clients fragment');
    });
  }
});
