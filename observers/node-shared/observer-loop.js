'use strict';
// The part the Node observers share: the line protocol with the lab (lab/Protocols/ObserverProtocol.cs: one JSON object
// per line each way), the command loops, the busy spells and the subscriber's count. Each observer gives its library's
// own verbs (create, open, call, subscribe, close, the events it watches); this file is copied beside it when the lab
// installs the observer, so `require('./observer-loop.js')` finds it there.

const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

function send(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');
}

function chain(error) {
  const links = [];
  for (let e = error; e; e = e.cause) {
    const link = { type: e.constructor?.name || e.name, message: e.message };
    if (typeof e.errno === 'number') link.errno = Math.abs(e.errno);
    links.push(link);
  }
  return links;
}

// The application is busy: nothing else runs on Node's event loop, so nobody reads the library's sockets.
function block(ms) {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function argumentsOf(request) {
  const args = [...(request.args || [])];
  // A big value as a Buffer, as an application stores a blob: written as it is, with no string encoding per write.
  if (request.valueBytes) args.push(Buffer.alloc(request.valueBytes, 'x'));
  return args;
}

// library: { package, create(host, port, options), open(client), call(client, command, args),
//            watch(client, connectionType), subscribe(subscriber, channel, onMessage), close(client) }
function serve(library) {
  const version = JSON.parse(fs.readFileSync(path.join(__dirname, 'node_modules', library.package, 'package.json'))).version;
  let client = null;
  let commands = 0;
  let received = 0;
  let readies = 0;
  const loops = new Map();

  async function run(id, command, args) {
    const n = ++commands;
    const started = performance.now();
    try {
      const reply = await library.call(client, command, args);
      send('command', { id, n, command, mode: 'async', ok: true, ms: performance.now() - started, value: String(reply).slice(0, 64) });
    } catch (error) {
      send('command', { id, n, command, mode: 'async', ok: false, ms: performance.now() - started, exceptions: chain(error) });
    }
  }

  function watch(redis, connectionType) {
    library.watch(redis, connectionType);
    redis.on('ready', () => {
      if (++readies > 1) send('restored', { connectionType, message: 'ready' });
    });
  }

  async function connect(request) {
    const [host, port] = request.config.split(':');
    client = library.create(host, Number(port), request.options || {});
    watch(client, 'interactive');
    let connected = true;
    try {
      await library.open(client);
      await client.ping();
    } catch {
      connected = false;
    }
    send('done', { id: request.id, connected });
  }

  async function loop(request) {
    const stop = { stopped: false };
    loops.set(request.id, stop);
    const worker = async () => {
      for (let i = 0; i < request.count && !stop.stopped; i++) {
        const started = performance.now();
        await run(request.id, request.command, argumentsOf(request));
        const rest = request.everyMs - (performance.now() - started);
        if (rest > 0 && i + 1 < request.count) await new Promise((resolve) => setTimeout(resolve, rest));
      }
    };
    await Promise.all(Array.from({ length: request.workers || 1 }, worker));
    loops.delete(request.id);
    send('done', { id: request.id });
  }

  async function burst(request) {
    block(request.blockMs);
    const calls = [];
    for (let i = 0; i < request.count; i++) calls.push(run(request.id, request.command, argumentsOf(request)));
    await Promise.all(calls);
    send('done', { id: request.id });
  }

  async function subscribe(request) {
    const subscriber = client.duplicate();
    watch(subscriber, 'subscription');
    await library.subscribe(subscriber, request.channel, () => {
      received++;
      block(request.handlerMs);
    });
    send('done', { id: request.id });
  }

  async function handle(request) {
    switch (request.op) {
      case 'connect': return connect(request);
      case 'command': return loop({ ...request, count: 1, workers: 1, everyMs: 0 });
      case 'loop': return loop(request);
      case 'burst': return burst(request);
      case 'subscribe': return subscribe(request);
      case 'stop': if (loops.has(request.id)) loops.get(request.id).stopped = true; return undefined;
      case 'count': return send('count', { id: request.id, n: received });
      case 'touch':
        try {
          await client.ping();
          return send('done', { id: request.id, ok: true });
        } catch (error) {
          return send('done', { id: request.id, ok: false, message: `${error.name}: ${error.message}` });
        }
      case 'close':
        library.close(client);
        return send('done', { id: request.id });
      default: return send('fatal', { message: `unknown op ${request.op}` });
    }
  }

  send('ready', { version });
  const input = readline.createInterface({ input: process.stdin });
  input.on('line', (line) => {
    if (line.trim()) handle(JSON.parse(line)).catch((error) => send('fatal', { message: `${error.name}: ${error.message}` }));
  });
  input.on('close', () => process.exit(0));
}

module.exports = { serve, send, chain };
