package dev.sdembed.hub.internal;

import dev.sdembed.hub.HubException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The client's defaults read from the environment as huggingface_hub reads them ({@code constants.py},
 * {@code utils/_auth.py}), through one lookup function so tests never touch the real environment.
 */
public final class HubEnvironment {
    public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");
    /** huggingface_hub's {@code ENV_VARS_TRUE_VALUES}. */
    private static final Set<String> TRUE_VALUES = Set.of("1", "ON", "YES", "TRUE");

    private final Function<String, String> lookup;

    public HubEnvironment(Function<String, String> lookup) {
        this.lookup = lookup;
    }

    /** {@code HF_ENDPOINT} (trailing slashes dropped), else {@code https://huggingface.co}. */
    public URI endpoint() {
        return get("HF_ENDPOINT").map(HubEnvironment::endpoint).orElse(DEFAULT_ENDPOINT);
    }

    /** An endpoint without trailing slashes, refused unless it is an absolute http(s) URI. */
    public static URI endpoint(String value) {
        String trimmed = value.trim().replaceAll("/+$", "");
        URI uri;
        try {
            uri = URI.create(trimmed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("endpoint is not a URI: " + trimmed, e);
        }
        return checkEndpoint(uri);
    }

    public static URI checkEndpoint(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("endpoint must be an http(s) URL such as https://huggingface.co: " + uri);
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("endpoint must not hold user info, a query or a fragment: "
                    + Redaction.url(uri));
        }
        return URI.create(uri.toString().replaceAll("/+$", ""));
    }

    /** {@code HF_HOME}, else {@code $XDG_CACHE_HOME/huggingface}, else {@code ~/.cache/huggingface}. */
    public Path home() {
        return get("HF_HOME").map(this::path)
                .orElseGet(() -> get("XDG_CACHE_HOME").map(this::path).orElseGet(() -> userHome().resolve(".cache"))
                        .resolve("huggingface"));
    }

    /** {@code HF_HUB_CACHE}, else the legacy {@code HUGGINGFACE_HUB_CACHE}, else {@code <HF_HOME>/hub}. */
    public Path cacheDir() {
        return get("HF_HUB_CACHE").or(() -> get("HUGGINGFACE_HUB_CACHE")).map(this::path)
                .orElseGet(() -> home().resolve("hub"));
    }

    /** {@code HF_HUB_OFFLINE} (or the legacy {@code TRANSFORMERS_OFFLINE}) is 1, ON, YES or TRUE. */
    public boolean offline() {
        return get("HF_HUB_OFFLINE").or(() -> get("TRANSFORMERS_OFFLINE"))
                .map(v -> TRUE_VALUES.contains(v.trim().toUpperCase(Locale.ROOT))).orElse(false);
    }

    /** Where a token file is looked for: {@code HF_TOKEN_PATH}, else {@code <HF_HOME>/token}. */
    public Path tokenFile() {
        return get("HF_TOKEN_PATH").map(this::path).orElseGet(() -> home().resolve("token"));
    }

    /**
     * {@code HF_TOKEN}, else the legacy {@code HUGGING_FACE_HUB_TOKEN}, else the token file that {@code hf auth login}
     * writes ({@link #tokenFile()}); line breaks and surrounding blanks removed, empty meaning none.
     */
    public Optional<String> token() {
        Optional<String> fromVariable = get("HF_TOKEN").or(() -> get("HUGGING_FACE_HUB_TOKEN"))
                .flatMap(HubEnvironment::cleanToken);
        if (fromVariable.isPresent()) {
            return fromVariable;
        }
        Path file = tokenFile();
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return cleanToken(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new HubException(HubException.Reason.CACHE, "Cannot read the Hugging Face token file " + file + ": "
                    + e.getMessage() + ". Fix its permissions, or set HF_TOKEN instead.", e);
        }
    }

    static Optional<String> cleanToken(String raw) {
        String token = raw.replace("\r", "").replace("\n", "").strip();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }

    private Optional<String> get(String name) {
        String value = lookup.apply(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
    }

    /** Expands a leading {@code ~} as Python's {@code os.path.expanduser} does. */
    private Path path(String value) {
        String v = value.strip();
        if (v.equals("~")) {
            return userHome();
        }
        if (v.startsWith("~/") || v.startsWith("~\\")) {
            return userHome().resolve(v.substring(2));
        }
        return Path.of(v).toAbsolutePath();
    }

    private static Path userHome() {
        return Path.of(System.getProperty("user.home"));
    }
}
