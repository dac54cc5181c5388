// An upstream for the lab, in Java's com.sun.net.httpserver and nothing else. Every request gets the same
// treatment, set on the command line: sleep (deaf to the client), then send the headers and write the body.
// sendResponseHeaders is a socket write of its own, so after the client's FIN every size fails:
// java.io.IOException: Broken pipe. HttpServer gives a handler no way to see the client leave.
//
// usage: java Server PORT EVENTS WAIT_MS BYTES CHUNK CLOSE KEEPALIVE_MS ABORT
//
// ABORT 1 is the nearest fix the API allows: the handler catches the failure as "the client left" and ends
// quietly. Each thing the runtime says goes to EVENTS as one JSON line, its error text untouched.
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.FileWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;

public class Server {
    private static Writer events;

    static synchronized void emit(String... pairs) {
        StringBuilder line = new StringBuilder("{");
        for (int i = 0; i < pairs.length; i += 2) {
            if (i > 0) line.append(',');
            line.append(quote(pairs[i])).append(':');
            String value = pairs[i + 1];
            line.append(value.matches("-?[0-9]+") ? value : quote(value));
        }
        try {
            events.write(line.append("}\n").toString());
            events.flush();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    static String quote(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') q.append('\\').append(c);
            else if (c < 0x20) q.append(String.format("\\u%04x", (int) c));
            else q.append(c);
        }
        return q.append('"').toString();
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        events = new FileWriter(args[1], true);
        long waitMs = Long.parseLong(args[2]);
        int size = Integer.parseInt(args[3]);
        int chunk = Integer.parseInt(args[4]);
        boolean abort = args[7].equals("1");
        if (Integer.parseInt(args[6]) > 0) {
            System.setProperty("sun.net.httpserver.idleInterval", String.valueOf(Math.max(1, Integer.parseInt(args[6]) / 1000)));
        }
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.createContext("/", exchange -> handle(exchange, waitMs, size, chunk, abort));
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
    }

    static void handle(HttpExchange exchange, long waitMs, int size, int chunk, boolean abort) {
        emit("event", "request", "method", exchange.getRequestMethod(), "path", exchange.getRequestURI().toString(), "peer", exchange.getRemoteAddress().getAddress().getHostAddress() + ":" + exchange.getRemoteAddress().getPort());
        int written = 0;
        try {
            Thread.sleep(waitMs);
            exchange.sendResponseHeaders(200, size);
            OutputStream body = exchange.getResponseBody();
            int step = chunk > 0 ? chunk : size;
            while (written < size) {
                int piece = Math.min(step, size - written);
                body.write(new byte[piece]);
                written += piece;
            }
            body.close();
            emit("event", "written", "written", String.valueOf(written));
        } catch (IOException e) {
            if (abort) emit("event", "abandoned", "error", e.toString());
            else emit("event", "write-failed", "error", e.toString(), "type", e.getClass().getName(), "written", String.valueOf(written));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            exchange.close();
            emit("event", "done");
        }
    }
}
