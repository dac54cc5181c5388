// An upstream for the lab, in Node's node:http and nothing else. Every request gets the same treatment, set on
// the command line: wait (a timer, deaf to the client), then write the body in one res.write() or in chunks,
// then res.end(). Node closes an idle keep-alive connection keepAliveTimeout + 1 s after its last response
// (5 s + 1 s by default), and logs nothing when it does.
//
// usage: node server.js PORT EVENTS WAIT_MS BYTES CHUNK CLOSE KEEPALIVE_MS ABORT
//
// ABORT 1 is the fix: the handler listens for the response's 'close' and writes nothing once the client has
// gone. Each thing the runtime says goes to EVENTS as one JSON line, its error text untouched.
'use strict';

const fs = require('node:fs');
const http = require('node:http');
const { performance } = require('node:perf_hooks');

const [port, eventsPath, waitMs, size, chunk, closeMode, keepAliveMs, abort] = process.argv.slice(2);
const events = fs.openSync(eventsPath, 'a');

function emit(fields) {
  fs.writeSync(events, JSON.stringify(fields) + '\n');
}

function failed(err, written) {
  emit({
    event: 'write-failed',
    error: String(err),
    errno: typeof err.errno === 'number' ? Math.abs(err.errno) : 0,
    code: err.code,
    type: err.name,
    written,
  });
}

const server = http.createServer((req, res) => {
  emit({ event: 'request', method: req.method, path: req.url, peer: `${req.socket.remoteAddress}:${req.socket.remotePort}` });
  res.on('finish', () => {
    req.socket.lastFinish = performance.now();
  });
  let gone = false;
  res.on('close', () => {
    if (!res.writableFinished) {
      gone = true;
      emit({ event: 'client-gone', error: 'the response closed before it was finished' });
    }
  });
  res.on('error', (err) => failed(err, 0));
  setTimeout(() => {
    if (abort === '1' && gone) {
      emit({ event: 'abandoned', error: 'the client has gone' });
      emit({ event: 'done' });
      return;
    }
    const total = Number(size);
    const step = Number(chunk) > 0 ? Number(chunk) : total;
    let written = 0;
    let failure = null;
    while (written < total) {
      const piece = Buffer.alloc(Math.min(step, total - written));
      res.write(piece, (err) => {
        if (err && !failure) {
          failure = err;
          failed(err, written);
        }
      });
      written += piece.length;
    }
    res.end(() => {
      if (!failure) emit({ event: 'written', written });
      if (closeMode === 'rst') {
        res.socket?.resetAndDestroy();
        emit({ event: 'closed', how: 'rst' });
      }
      emit({ event: 'done' });
    });
    // A destroyed response never calls end's callback: its writes' errors are reported on the next tick.
    if (res.destroyed) setImmediate(() => emit({ event: 'done' }));
  }, Number(waitMs));
});

// Node logs nothing when it closes a connection: each close is reported, whether the peer's FIN came first, and how
// long the connection had been idle since its last response, by Node's own clock.
server.on('connection', (socket) => {
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  let peerEnded = false;
  socket.on('end', () => {
    peerEnded = true;
  });
  socket.on('close', () => {
    const idle = socket.lastFinish === undefined ? -1 : Math.round(performance.now() - socket.lastFinish);
    emit({ event: 'closed', how: 'fin', peer, reply: peerEnded, idleMs: idle });
  });
});

server.on('clientError', (err, socket) => {
  emit({ event: 'log', text: `clientError: ${err}` });
  socket.destroy();
});
if (Number(keepAliveMs) > 0) server.keepAliveTimeout = Number(keepAliveMs);
server.listen(Number(port), '127.0.0.1');
