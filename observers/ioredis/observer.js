'use strict';
// ioredis as an application uses it, steered by the lab over stdin, one JSON object per line each way.
//
// On the wire: one TCP connection to Redis (and one more for a subscriber), every byte written and read by the
// library on Node's event loop. When that loop is busy, nobody reads the socket: a FIN from Redis waits in the
// kernel until the next write meets it. Like the seed's application, this one has no 'error' listener, so ioredis
// prints "[ioredis] Unhandled error event: …" itself; that line, the close/reconnect/ready events and every
// command's outcome are reported verbatim. The observer exits when its stdin closes.

const util = require('node:util');
const Redis = require('ioredis');
const { serve, send } = require('./observer-loop.js');

// What ioredis prints for an error nobody listens to is its own words: report them as a log line of the library.
console.error = (...args) => {
  send('log', { level: 'error', message: util.format(...args) });
};

serve({
  package: 'ioredis',
  create: (host, port, options) => new Redis({ host, port, ...options }),
  open: async () => {},
  call: (client, command, args) => client.call(command, ...args),
  watch: (redis, connectionType) => {
    redis.on('close', () => send('log', { level: 'info', message: `${connectionType}: close` }));
    redis.on('reconnecting', (ms) => send('log', { level: 'info', message: `${connectionType}: reconnecting in ${ms} ms` }));
  },
  subscribe: async (subscriber, channel, onMessage) => {
    subscriber.on('message', onMessage);
    await subscriber.subscribe(channel);
  },
  close: (client) => client.disconnect(),
});
