'use strict';
// node-redis as an application uses it, steered by the lab over stdin, one JSON object per line each way.
//
// On the wire: one TCP connection to Redis (and one more for a subscriber), every byte written and read by the
// library on Node's event loop. When that loop is busy, nobody reads the socket: a FIN from Redis waits in the
// kernel until the next write meets it. node-redis must have an 'error' listener (without one Node would end the
// process); what it passes there, its reconnecting/ready events and every command's outcome are reported verbatim.
// The observer exits when its stdin closes.

const { createClient } = require('redis');
const { serve, send, chain } = require('./observer-loop.js');

serve({
  package: 'redis',
  create: (host, port, options) => createClient({ ...options, socket: { host, port, ...(options.socket || {}) } }),
  open: (client) => client.connect(),
  call: (client, command, args) => client.sendCommand([command, ...args.map((a) => (Buffer.isBuffer(a) ? a : String(a)))]),
  watch: (redis, connectionType) => {
    redis.on('error', (error) => send('failed', { connectionType, exceptions: chain(error) }));
    redis.on('end', () => send('log', { level: 'info', message: `${connectionType}: end` }));
    redis.on('reconnecting', () => send('log', { level: 'info', message: `${connectionType}: reconnecting` }));
  },
  subscribe: async (subscriber, channel, onMessage) => {
    await subscriber.connect();
    await subscriber.subscribe(channel, onMessage);
  },
  close: (client) => client.destroy(),
});
