package dev.sdembed.server.internal;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The web page: plain HTML, CSS and JavaScript files inside the jar ({@code dev/sdembed/server/web/}), read once and
 * served by name from a fixed list, so no request maps to a resource or file it names.
 */
public final class WebPage {
    private static final String BASE = "/dev/sdembed/server/web/";
    private static final Map<String, String> FILES = Map.of("index.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8", "app.css", "text/css; charset=utf-8",
            "favicon.svg", "image/svg+xml");
    private static final String POLICY = "default-src 'self'; img-src 'self' blob: data:; style-src 'self';"
            + " script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private final Map<String, byte[]> content = new LinkedHashMap<>();

    public WebPage() {
        for (String name : FILES.keySet()) {
            try (InputStream in = WebPage.class.getResourceAsStream(BASE + name)) {
                if (in == null) {
                    throw new IllegalStateException("The web page's " + name + " is missing from the jar (" + BASE
                            + name + ")");
                }
                content.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** {@code GET /} and {@code GET /static/{name}}. */
    public void serve(Context ctx, String name) {
        byte[] bytes = content.get(name);
        if (bytes == null) {
            throw ApiException.notFound("no page file '" + name + "'");
        }
        ctx.header("Content-Security-Policy", POLICY).header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer").header("Cache-Control", "no-cache")
                .contentType(FILES.get(name)).result(bytes);
    }
}
