package dev.sdembed.testing;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A request a {@link HubEmulator} received.
 *
 * @param server  {@code "hub"} or {@code "cdn"}: which of the emulator's two hosts it reached
 * @param host    the address it reached (127.0.0.1 for the Hub, 127.0.0.2 for the CDN where that can be bound)
 * @param method  {@code GET}, {@code HEAD}, …
 * @param path    the decoded path
 * @param query   the raw query, or null
 * @param headers the request headers, names in lower case
 */
public record RecordedRequest(String server, String host, String method, String path, String query,
                              Map<String, List<String>> headers) {

    public RecordedRequest {
        headers = Map.copyOf(headers);
    }

    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    public boolean hasAuthorization() {
        return header("authorization").isPresent();
    }

    /** The {@code Range} header, e.g. {@code bytes=1024-}. */
    public Optional<String> range() {
        return header("range");
    }

    public boolean isCdn() {
        return server.equals("cdn");
    }

    /** A {@code resolve/} request (HEAD or GET of a file on the Hub host). */
    public boolean isResolve() {
        return !isCdn() && path.contains("/resolve/");
    }

    @Override
    public String toString() {
        return server + " " + method + " " + path + (query == null ? "" : "?" + query)
                + range().map(r -> " [Range: " + r + "]").orElse("") + (hasAuthorization() ? " [auth]" : "");
    }
}
