// An upstream for the lab, in Go's net/http and nothing else. Every request gets the same treatment, set on
// the command line: sleep (time.Sleep, deaf to the client, like the seed's handler), then write the body in
// one Write or in chunks flushed one by one. net/http buffers a response in a 4 KiB bufio.Writer, so the
// first socket write happens at 4 KiB; a client that left earlier answers it with an RST, and the next write
// fails with EPIPE: "write tcp A->B: write: broken pipe".
//
// usage: server PORT EVENTS WAIT_MS BYTES CHUNK CLOSE KEEPALIVE_MS ABORT [LOG_PREFIX]
//
// ABORT 1 is the fix: the handler waits on the request's context as well, and writes nothing once the client
// has gone (net/http's background read cancels the context at the client's FIN or RST).
//
// Each thing the runtime says goes to EVENTS as one JSON line, its error text untouched; the handler also
// logs a failed write, after LOG_PREFIX (the Kong/nginx article's handler: "error writing: ").
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

var (
	mu     sync.Mutex
	events *os.File
)

func emit(fields map[string]any) {
	line, _ := json.Marshal(fields)
	mu.Lock()
	defer mu.Unlock()
	events.Write(append(line, '\n'))
}

func errnoOf(err error) int {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return int(errno)
	}
	return 0
}

type logWriter struct{}

// Write takes net/http's own log lines (its ErrorLog) to the events file.
func (logWriter) Write(p []byte) (int, error) {
	emit(map[string]any{"event": "log", "text": string(p)})
	return len(p), nil
}

func main() {
	if len(os.Args) != 9 && len(os.Args) != 10 {
		fmt.Fprintln(os.Stderr, "usage: server PORT EVENTS WAIT_MS BYTES CHUNK CLOSE KEEPALIVE_MS ABORT [LOG_PREFIX]")
		os.Exit(2)
	}
	prefix := ""
	if len(os.Args) == 10 {
		prefix = os.Args[9]
	}
	arg := func(i int) int {
		n, err := strconv.Atoi(os.Args[i])
		if err != nil {
			log.Fatalf("argument %d: %v", i, err)
		}
		return n
	}
	port, wait, size, chunk, closeMode, keepAlive, honourAbort := arg(1), arg(3), arg(4), arg(5), os.Args[6], arg(7), arg(8) == 1
	var err error
	events, err = os.OpenFile(os.Args[2], os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		log.Fatal(err)
	}

	handler := func(w http.ResponseWriter, r *http.Request) {
		emit(map[string]any{"event": "request", "method": r.Method, "path": r.URL.Path, "peer": r.RemoteAddr})
		defer emit(map[string]any{"event": "done"})
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-r.Context().Done():
				emit(map[string]any{"event": "context-done", "error": r.Context().Err().Error()})
			case <-done:
			}
		}()
		if !honourAbort {
			time.Sleep(time.Duration(wait) * time.Millisecond)
		} else {
			select {
			case <-time.After(time.Duration(wait) * time.Millisecond):
			case <-r.Context().Done():
				emit(map[string]any{"event": "abandoned", "error": r.Context().Err().Error()})
				return
			}
		}
		written, err := writeBody(w, size, chunk)
		if err != nil {
			log.Printf("%s%s", prefix, err)
			emit(map[string]any{"event": "write-failed", "error": err.Error(), "errno": errnoOf(err), "written": written, "log": prefix + err.Error()})
			return
		}
		emit(map[string]any{"event": "written", "written": written})
		if closeMode == "rst" {
			resetAfter(w)
		}
	}

	server := &http.Server{
		Addr:         net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Handler:      http.HandlerFunc(handler),
		ReadTimeout:  10 * time.Minute,
		WriteTimeout: 10 * time.Minute,
		ErrorLog:     log.New(logWriter{}, "", 0),
	}
	if keepAlive > 0 {
		server.IdleTimeout = time.Duration(keepAlive) * time.Millisecond
	}
	log.Fatal(server.ListenAndServe())
}

// writeBody writes size zero bytes: in one Write when chunk is 0, else chunk by chunk, each flushed to the socket.
func writeBody(w http.ResponseWriter, size, chunk int) (int, error) {
	if chunk <= 0 {
		return w.Write(make([]byte, size))
	}
	written := 0
	for written < size {
		n, err := w.Write(make([]byte, min(chunk, size-written)))
		written += n
		if err != nil {
			return written, err
		}
		w.(http.Flusher).Flush()
	}
	return written, nil
}

// resetAfter sends the response and closes the connection with an RST (SO_LINGER 0) instead of keeping it.
func resetAfter(w http.ResponseWriter) {
	w.(http.Flusher).Flush()
	conn, buffered, err := w.(http.Hijacker).Hijack()
	if err != nil {
		emit(map[string]any{"event": "log", "text": err.Error()})
		return
	}
	buffered.Flush()
	conn.(*net.TCPConn).SetLinger(0)
	conn.Close()
	emit(map[string]any{"event": "closed", "how": "rst"})
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}
