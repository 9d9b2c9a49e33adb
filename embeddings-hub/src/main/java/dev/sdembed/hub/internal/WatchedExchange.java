package dev.sdembed.hub.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * One HTTP exchange whose body is pushed into a {@link Sink} while the calling thread watches it: when no byte
 * arrives for the idle timeout the exchange is cancelled and fails with {@link HttpTimeoutException}. The JDK client's
 * request timeout only covers the response headers, and a stalled body would otherwise block for ever.
 *
 * <p>The caller's thread also reports progress (a few times a second, never per chunk), so a listener is only ever
 * called from that thread.
 */
public final class WatchedExchange {
    private static final long TICK_MILLIS = 100;

    private WatchedExchange() {
    }

    /** Where a response body goes. Called on the HTTP client's threads, one call at a time. */
    public interface Sink<T> {
        void write(ByteBuffer bytes) throws IOException;

        T finish() throws IOException;

        /** The exchange failed or was cancelled: release what was opened. */
        void abandon();
    }

    /** Picks the sink once the status and headers are known; may throw to refuse the response. */
    @FunctionalInterface
    public interface SinkFactory<T> {
        Sink<T> open(HttpResponse.ResponseInfo info) throws IOException;
    }

    /**
     * Sends {@code request} and waits for the whole body.
     *
     * @param idle     how long without a byte (or the headers) before giving up
     * @param progress told the body bytes received so far whenever they changed, from this thread
     * @throws IOException the exchange failed, was dropped or stalled ({@link HttpTimeoutException}); or the
     *                     sink's own failure, unwrapped
     */
    public static <T> HttpResponse<T> send(HttpClient client, HttpRequest request, SinkFactory<T> sinks,
                                           Duration idle, LongConsumer progress)
            throws IOException, InterruptedException {
        Handler<T> handler = new Handler<>(sinks);
        CompletableFuture<HttpResponse<T>> future = client.sendAsync(request, handler);
        long seen = 0;
        long lastChange = System.nanoTime();
        long tick = Math.max(1, Math.min(TICK_MILLIS, idle.toMillis() / 4));
        while (true) {
            try {
                return future.get(tick, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                long now = handler.bytes.get();
                if (now != seen) {
                    seen = now;
                    lastChange = System.nanoTime();
                    progress.accept(now);
                } else if (System.nanoTime() - lastChange > idle.toNanos()) {
                    HttpTimeoutException timeout = new HttpTimeoutException("no data for " + idle.toMillis()
                            + " ms (" + (seen == 0 ? "waiting for the response" : "after " + seen + " bytes") + ")");
                    handler.abort(timeout);
                    future.cancel(true);
                    throw timeout;
                }
            } catch (InterruptedException e) {
                handler.abort(new InterruptedIOException("interrupted"));
                future.cancel(true);
                throw e;
            } catch (ExecutionException | CompletionException e) {
                throw unwrap(e);
            } catch (CancellationException e) {
                throw new IOException("the exchange was cancelled", e);
            }
        }
    }

    private static IOException unwrap(Exception e) {
        Throwable cause = e;
        while ((cause instanceof ExecutionException || cause instanceof CompletionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof IOException io) {
            return io;
        }
        if (cause instanceof RuntimeException re) {
            throw re;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IOException(cause);
    }

    private static final class Handler<T> implements HttpResponse.BodyHandler<T> {
        private final SinkFactory<T> sinks;
        private final AtomicLong bytes = new AtomicLong();
        private volatile Body<T> body;
        private volatile IOException aborted;

        Handler(SinkFactory<T> sinks) {
            this.sinks = sinks;
        }

        @Override
        public HttpResponse.BodySubscriber<T> apply(HttpResponse.ResponseInfo info) {
            Body<T> b;
            if (aborted != null) {
                b = new Body<>(null, bytes, aborted);
            } else {
                try {
                    b = new Body<>(sinks.open(info), bytes, null);
                } catch (IOException | RuntimeException e) {
                    b = new Body<>(null, bytes, e);
                }
            }
            body = b;
            if (aborted != null) {
                b.abort(aborted);
            }
            return b;
        }

        void abort(IOException why) {
            aborted = why;
            Body<T> b = body;
            if (b != null) {
                b.abort(why);
            }
        }
    }

    /** Writes each chunk to the sink before asking for the next; {@link #abort} stops it between chunks. */
    private static final class Body<T> implements HttpResponse.BodySubscriber<T> {
        private final Sink<T> sink;
        private final AtomicLong bytes;
        private final CompletableFuture<T> result = new CompletableFuture<>();
        private Flow.Subscription subscription;
        private boolean done;

        Body(Sink<T> sink, AtomicLong bytes, Exception failure) {
            this.sink = sink;
            this.bytes = bytes;
            if (failure != null) {
                done = true;
                result.completeExceptionally(failure);
            }
        }

        @Override
        public synchronized void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (done) {
                s.cancel();
            } else {
                s.request(1);
            }
        }

        @Override
        public synchronized void onNext(List<ByteBuffer> items) {
            if (done) {
                return;
            }
            try {
                for (ByteBuffer b : items) {
                    int n = b.remaining();
                    sink.write(b);
                    bytes.addAndGet(n);
                }
                subscription.request(1);
            } catch (IOException | RuntimeException e) {
                fail(e);
            }
        }

        @Override
        public synchronized void onError(Throwable t) {
            if (!done) {
                done = true;
                sink.abandon();
                result.completeExceptionally(t);
            }
        }

        @Override
        public synchronized void onComplete() {
            if (done) {
                return;
            }
            done = true;
            try {
                result.complete(sink.finish());
            } catch (IOException | RuntimeException e) {
                sink.abandon();
                result.completeExceptionally(e);
            }
        }

        synchronized void abort(IOException why) {
            fail(why);
        }

        private void fail(Exception e) {
            if (done) {
                return;
            }
            done = true;
            if (subscription != null) {
                subscription.cancel();
            }
            if (sink != null) {
                sink.abandon();
            }
            result.completeExceptionally(e);
        }

        @Override
        public CompletionStage<T> getBody() {
            return result;
        }
    }

    /** Collects a small body (API JSON, an error page) in memory, refusing more than {@code limit} bytes. */
    public static Sink<byte[]> memory(int limit) {
        return new Sink<>() {
            private final ByteArrayOutputStream out = new ByteArrayOutputStream();

            @Override
            public void write(ByteBuffer bytes) throws IOException {
                if (out.size() + bytes.remaining() > limit) {
                    throw new IOException("response body larger than " + limit + " bytes");
                }
                byte[] chunk = new byte[bytes.remaining()];
                bytes.get(chunk);
                out.write(chunk);
            }

            @Override
            public byte[] finish() {
                return out.toByteArray();
            }

            @Override
            public void abandon() {
            }
        };
    }

    /** Reads and drops a body (a redirect's or an error's). */
    public static <T> Sink<T> discarding() {
        return new Sink<>() {
            @Override
            public void write(ByteBuffer bytes) {
                bytes.position(bytes.limit());
            }

            @Override
            public T finish() {
                return null;
            }

            @Override
            public void abandon() {
            }
        };
    }
}
