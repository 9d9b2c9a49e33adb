package dev.sdembed.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.runtime.Sdembed;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Token, host check, the bound on requests in flight and shutdown, on the embedded store. */
class ServerSecurityTest {
    private static final String TOKEN = "0123456789abcdef-test-token";
    private static Sdembed sdembed;

    @BeforeAll
    static void open() {
        sdembed = ServerFixture.indexed(TestPaths.targetDir("server-security-store").toString(), null);
    }

    @AfterAll
    static void close() {
        sdembed.close();
    }

    private static void assertError(Http.Response r, int status, String fragment) {
        assertThat(r.status()).as(r.text()).isEqualTo(status);
        assertThat(r.json().get("error").asText()).contains(fragment);
    }

    @Test
    void aTokenIsCheckedOnEveryRouteButHealth() {
        try (SdembedServer server = SdembedServer.builder(sdembed).port(0).token(TOKEN).start()) {
            Http none = new Http(server.url(), null);
            Http wrong = new Http(server.url(), "not-the-token-at-all");
            Http right = new Http(server.url(), TOKEN);
            assertThat(none.get("/health").status()).isEqualTo(200);
            for (String path : new String[] {"/", "/api/info", "/api/search?text=fox", "/api/images/1/file",
                    "/api/stats", "/metrics", "/static/app.js", "/nowhere"}) {
                assertError(none.get(path), 401, "this server needs a token");
                assertError(wrong.get(path), 401, "wrong token");
            }
            assertError(wrong.postJson("/v1/embeddings", "{\"input\": \"x\"}"), 401, "wrong token");
            assertThat(right.get("/api/search?text=fox&k=1").status()).isEqualTo(200);
            assertThat(right.get("/api/images/1/file").status()).isEqualTo(200);

            // A browser opens /?token=T once: a cookie, then the page without the token in its address.
            Http.Response login = none.get("/?token=" + TOKEN);
            assertThat(login.status()).isEqualTo(303);
            assertThat(login.header("Location")).isEqualTo("/");
            String cookie = login.header("Set-Cookie");
            assertThat(cookie).startsWith("sdembed_token=" + TOKEN).contains("HttpOnly").contains("SameSite=Strict");
            assertThat(none.send(none.request("/api/info").header("Cookie", "sdembed_token=" + TOKEN).GET()).status())
                    .isEqualTo(200);
            assertError(none.get("/?token=guess-guess-guess"), 401, "wrong token");
        }
    }

    @Test
    void anAddressThatIsNotLoopbackNeedsAToken() {
        assertThatThrownBy(() -> SdembedServer.builder(sdembed).host("0.0.0.0").port(0).start())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("needs a token")
                .hasMessageContaining(SdembedServer.TOKEN_VARIABLE);
        assertThatThrownBy(() -> SdembedServer.builder(sdembed).token("short")).hasMessageContaining("at least 16");
    }

    @Test
    void withoutATokenOnlyLoopbackHostNamesAreServed() {
        try (SdembedServer server = SdembedServer.builder(sdembed).port(0).start()) {
            Http http = new Http(server.url(), null);
            assertThat(http.get("/api/info").status()).isEqualTo(200);
            // A page on evil.example rebinding its name to 127.0.0.1 sends that name as the Host.
            assertThat(new Http(server.url(), null).raw("GET /api/info HTTP/1.1\r\nHost: evil.example:" + server.port()
                    + "\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 403").contains("is not allowed");
            assertThat(new Http(server.url(), null).raw("GET /api/info HTTP/1.1\r\nHost: localhost:" + server.port()
                    + "\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void requestsBeyondTheBoundAre503WithRetryAfterAndThePermitComesBack() throws Exception {
        try (SdembedServer server = SdembedServer.builder(sdembed).port(0).maxInFlight(1).start();
             Socket slow = new Socket("127.0.0.1", server.port())) {
            Http http = new Http(server.url(), null);
            // A body that never finishes arriving holds the only permit. The API is asked only once it does:
            // asked earlier, a request of the test's own could hold the permit when the slow one arrives, and
            // then the slow one would be the one refused (seen on a loaded machine).
            OutputStream out = slow.getOutputStream();
            out.write(("POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{\"input\":").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            waitForRequestsInFlight(http, 1);
            Http.Response busy = http.get("/api/stats");
            assertThat(busy.status()).isEqualTo(503);
            assertThat(busy.header("Retry-After")).isEqualTo("1");
            assertThat(busy.json().get("error").asText()).contains("the server is busy");
            assertThat(http.get("/health").status()).as("health is never refused").isEqualTo(200);
            slow.close();
            assertThat(waitForStatus(http, 200).json().get("images").asLong()).isEqualTo(8);
            assertThat(http.get("/metrics").text()).contains("sdembed_http_requests_refused_total");
        }
    }

    @Test
    void closingLetsARequestInFlightFinishAndThenStopsListening() throws Exception {
        SdembedServer server = SdembedServer.builder(sdembed).port(0).start();
        int port = server.port();
        Http http = new Http(server.url(), null);
        var pending = java.util.concurrent.CompletableFuture.supplyAsync(() -> http.get("/api/duplicates?k=5"));
        Thread.sleep(50);
        server.close();
        assertThat(pending.get().status()).isIn(200, 503);
        server.close(); // idempotent
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
                .isInstanceOf(IOException.class);
    }

    /** Waits until the metrics page (which takes no permit) counts {@code count} requests in flight. */
    private static void waitForRequestsInFlight(Http http, int count) throws InterruptedException {
        String last = null;
        // Up to 10 s: on a busy machine Jetty may take a while to dispatch the slow request that takes the permit.
        for (int i = 0; i < 500; i++) {
            last = http.get("/metrics").text().lines().filter(l -> l.startsWith("sdembed_http_requests_in_flight "))
                    .findFirst().orElse("no sdembed_http_requests_in_flight line");
            if (Double.parseDouble(last.substring(last.indexOf(' ') + 1)) == count) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("never " + count + " requests in flight; last: " + last);
    }

    private static Http.Response waitForStatus(Http http, int status) throws InterruptedException {
        Http.Response r = null;
        // Up to 10 s: on a busy machine the server may take a while to see the slow connection closed.
        for (int i = 0; i < 500; i++) {
            r = http.get("/api/stats");
            if (r.status() == status) {
                return r;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("never answered " + status + "; last: " + r.status() + " " + r.text());
    }

}
