"""An upstream for the lab, in Python's http.server and nothing else.

Every request gets the same treatment, set on the command line: sleep (deaf to the client), then send the
headers and write the body in one wfile.write() or in chunks. wfile is unbuffered, so the headers are one
send() and the body the next: after the client's FIN the first draws an RST and the second raises
BrokenPipeError: [Errno 32] Broken pipe.

usage: python3 server.py PORT EVENTS WAIT_MS BYTES CHUNK CLOSE KEEPALIVE_MS ABORT

ABORT 1 is the fix: the handler peeks at its socket while it waits and writes nothing once the client has
gone. Each thing the runtime says goes to EVENTS as one JSON line, its error text untouched.
"""
import json
import select
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, EVENTS, WAIT_MS, SIZE, CHUNK, CLOSE, KEEPALIVE_MS, ABORT = sys.argv[1:9]
LOCK = threading.Lock()
OUT = open(EVENTS, "a", encoding="utf-8")


def emit(**fields):
    with LOCK:
        OUT.write(json.dumps(fields) + "\n")
        OUT.flush()


def client_gone(sock, seconds):
    """Waits up to seconds; True as soon as the client has closed (readable, and a peek reads nothing)."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([sock], [], [], left)
        if readable:
            try:
                if sock.recv(1, socket.MSG_PEEK) == b"":
                    return True
            except ConnectionResetError:
                return True
            time.sleep(min(left, 0.01))
    return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        emit(event="request", method=self.command, path=self.path, peer="%s:%d" % self.client_address)
        if ABORT == "1":
            if client_gone(self.connection, int(WAIT_MS) / 1000):
                emit(event="abandoned", error="the client has gone")
                self.close_connection = True
                emit(event="done")
                return
        else:
            time.sleep(int(WAIT_MS) / 1000)
        written = 0
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", SIZE)
            self.end_headers()
            step = int(CHUNK) or int(SIZE)
            while written < int(SIZE):
                piece = min(step, int(SIZE) - written)
                self.wfile.write(bytes(piece))
                written += piece
            emit(event="written", written=written)
            if CLOSE == "rst":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                emit(event="closed", how="rst")
        except OSError as e:
            emit(event="write-failed", error="%s: %s" % (type(e).__name__, e), errno=e.errno or 0, type=type(e).__name__, written=written)
            self.close_connection = True
        emit(event="done")

    do_POST = do_GET

    def log_message(self, format, *args):
        emit(event="log", text=format % args)


if int(KEEPALIVE_MS) > 0:
    Handler.timeout = int(KEEPALIVE_MS) / 1000
server = ThreadingHTTPServer(("127.0.0.1", int(PORT)), Handler)
server.daemon_threads = True
server.serve_forever()
