"""redis-py as an application uses it, steered by the lab over stdin, one JSON object per line each way.

On the wire: one TCP connection to Redis per client connection redis-py opens (its pool opens one per concurrent
command; single_connection_client=True keeps exactly one). Nothing here touches a socket itself: every send,
read and reconnect is the library's own. What it raises is printed verbatim, with the errno of the OSError
underneath it, so the lab can set redis-py's words beside the kernel's.

Run by Debian's /usr/bin/python3 with Debian's python3-redis; it exits when its stdin closes.
"""

import json
import sys
import threading
import time

import redis

_out = threading.Lock()
_received = 0
_commands = 0
_count_lock = threading.Lock()
_client = None
_pubsub = None
_loops = {}


def send(event, **fields):
    message = {"event": event}
    message.update({k: v for k, v in fields.items() if v is not None})
    line = json.dumps(message)
    with _out:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def chain(error):
    """The exception and the ones it was raised from or during, outermost first."""
    links = []
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        kind = type(error)
        module = kind.__module__
        name = kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"
        link = {"type": name, "message": str(error)}
        number = getattr(error, "errno", None)
        if isinstance(number, int):
            link["errno"] = number
        links.append(link)
        error = error.__cause__ or error.__context__
    return links


def on_connect(connection, original=redis.Connection.on_connect):
    """Says when redis-py (re)connects: the library itself does it silently, on any command's checkout."""
    original(connection)
    global _opened
    _opened += 1
    host, port = connection._sock.getsockname()[:2]
    if _opened == 1:
        send("log", level="info", message=f"connected from {host}:{port}")
    else:
        send("restored", connectionType="interactive", message=f"connected again from {host}:{port}")


# The one hook into the library: every connection it opens reports itself (redis.Redis has no connect event).
redis.Connection.on_connect = on_connect
_opened = 0


def next_number():
    global _commands
    with _count_lock:
        _commands += 1
        return _commands


def arguments(request):
    args = list(request.get("args") or [])
    if request.get("valueBytes"):
        args.append(b"x" * request["valueBytes"])
    return args


def run(request_id, command, args):
    number = next_number()
    started = time.perf_counter()
    try:
        reply = _client.execute_command(command, *args)
        send("command", id=request_id, n=number, command=command, mode="sync", ok=True,
             ms=(time.perf_counter() - started) * 1000, value=render(reply))
    except Exception as error:  # the library's own words go to the lab, whatever they are
        send("command", id=request_id, n=number, command=command, mode="sync", ok=False,
             ms=(time.perf_counter() - started) * 1000, exceptions=chain(error))


def render(reply):
    if isinstance(reply, bytes):
        return reply[:64].decode("utf-8", "replace")
    return str(reply)[:64]


def connect(request):
    global _client
    host, port = request["config"].rsplit(":", 1)
    options = dict(request.get("options") or {})
    _client = redis.Redis(host=host, port=int(port), **options)
    connected = True
    try:
        _client.ping()
    except redis.exceptions.RedisError as error:
        connected = False
        send("failed", connectionType="interactive", exceptions=chain(error))
    send("done", id=request["id"], connected=connected, timeoutMs=None)


def loop(request, stop):
    every = request.get("everyMs", 0) / 1000
    for i in range(request.get("count", 1)):
        if stop.is_set():
            break
        started = time.perf_counter()
        run(request["id"], request["command"], arguments(request))
        rest = every - (time.perf_counter() - started)
        if rest > 0 and i + 1 < request.get("count", 1):
            stop.wait(rest)


def loops(request):
    stop = threading.Event()
    _loops[request["id"]] = stop
    workers = [threading.Thread(target=loop, args=(request, stop), daemon=True)
               for _ in range(request.get("workers", 1))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    _loops.pop(request["id"], None)
    send("done", id=request["id"])


def burst(request):
    # A sync client has no event loop: the thread is busy, then its commands go out one after the other.
    time.sleep(request.get("blockMs", 0) / 1000)
    for _ in range(request.get("count", 1)):
        run(request["id"], request["command"], arguments(request))
    send("done", id=request["id"])


def subscribe(request):
    global _pubsub
    _pubsub = _client.pubsub()
    _pubsub.subscribe(request["channel"])
    send("done", id=request["id"])
    listen(_pubsub, request.get("handlerMs", 0))


def listen(pubsub, handler_ms):
    global _received
    try:
        for message in pubsub.listen():
            if message["type"] == "message":
                _received += 1
                if handler_ms:
                    time.sleep(handler_ms / 1000)
    except Exception as error:
        send("failed", connectionType="pubsub", exceptions=chain(error))


def touch(request):
    try:
        _client.ping()
        send("done", id=request["id"], ok=True)
    except Exception as error:
        send("done", id=request["id"], ok=False, message=f"{type(error).__name__}: {error}")


def close(request):
    if _client is not None:
        _client.close()
    send("done", id=request["id"])


def handle(request):
    op = request["op"]
    if op == "command":
        work = loops
        request = dict(request, count=1, workers=1, everyMs=0)
    elif op == "loop":
        work = loops
    elif op == "burst":
        work = burst
    elif op == "subscribe":
        work = subscribe
    elif op == "connect":
        connect(request)  # before any later request, which needs the client
        return
    elif op == "touch":
        work = touch
    elif op == "close":
        work = close
    elif op == "stop":
        stop = _loops.get(request["id"])
        if stop is not None:
            stop.set()
        return
    elif op == "count":
        send("count", id=request["id"], n=_received)
        return
    else:
        send("fatal", message=f"unknown op {op}")
        return
    threading.Thread(target=work, args=(request,), daemon=True).start()


def main():
    send("ready", version=redis.__version__)
    for line in sys.stdin:
        if line.strip():
            try:
                handle(json.loads(line))
            except Exception as error:
                send("fatal", message=f"{type(error).__name__}: {error}")


if __name__ == "__main__":
    main()
