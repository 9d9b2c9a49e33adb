package dev.sdembed.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every default, where the environment sets it (as huggingface_hub reads it), and every refused setting. */
class HubClientBuilderTest {
    @TempDir
    Path tmp;

    private static HubClient withEnvironment(Map<String, String> env) {
        return HubClient.builder().environment(env::get).build();
    }

    @Test
    void defaultsWithAnEmptyEnvironment() {
        HubClient client = withEnvironment(Map.of());
        assertThat(client.endpoint()).isEqualTo(URI.create("https://huggingface.co"));
        assertThat(client.hasToken()).isFalse();
        assertThat(client.cacheDir()).isEqualTo(Path.of(System.getProperty("user.home"), ".cache", "huggingface",
                "hub"));
        assertThat(client.offline()).isFalse();
        assertThat(client.maxRetries()).isEqualTo(5);
        assertThat(client.retryInitialDelay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(client.retryMaxDelay()).isEqualTo(Duration.ofSeconds(8));
        assertThat(client.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(client.readTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(client.listener()).isSameAs(DownloadListener.logging());
    }

    @Test
    void endpointComesFromHfEndpointWithoutItsTrailingSlash() {
        assertThat(withEnvironment(Map.of("HF_ENDPOINT", "https://hf-mirror.com/")).endpoint())
                .isEqualTo(URI.create("https://hf-mirror.com"));
    }

    @Test
    void cacheFolderFollowsHfHubCacheThenHfHomeThenXdgCacheHome() {
        Map<String, String> env = new HashMap<>();
        env.put("XDG_CACHE_HOME", tmp.resolve("xdg").toString());
        assertThat(withEnvironment(env).cacheDir()).isEqualTo(tmp.resolve("xdg/huggingface/hub"));
        env.put("HF_HOME", tmp.resolve("home").toString());
        assertThat(withEnvironment(env).cacheDir()).isEqualTo(tmp.resolve("home/hub"));
        env.put("HUGGINGFACE_HUB_CACHE", tmp.resolve("legacy").toString());
        assertThat(withEnvironment(env).cacheDir()).isEqualTo(tmp.resolve("legacy"));
        env.put("HF_HUB_CACHE", tmp.resolve("hub-cache").toString());
        assertThat(withEnvironment(env).cacheDir()).isEqualTo(tmp.resolve("hub-cache"));
        env.put("HF_HUB_CACHE", "~/models");
        assertThat(withEnvironment(env).cacheDir()).isEqualTo(Path.of(System.getProperty("user.home"), "models"));
    }

    @Test
    void tokenComesFromHfTokenElseTheTokenFileOfHfHome() throws IOException {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Map<String, String> env = new HashMap<>();
        env.put("HF_HOME", home.toString());
        assertThat(withEnvironment(env).hasToken()).isFalse();

        Files.writeString(home.resolve("token"), "  hf_fromfile\r\n");
        assertThat(withEnvironment(env).hasToken()).isTrue();
        Files.writeString(home.resolve("token"), " \n");
        assertThat(withEnvironment(env).hasToken()).as("a blank token file is no token").isFalse();

        env.put("HF_TOKEN", "hf_fromvariable");
        assertThat(withEnvironment(env).hasToken()).isTrue();
        assertThat(HubClient.builder().environment(env::get).token(null).build().hasToken())
                .as("token(null) turns the environment's off").isFalse();
    }

    @ParameterizedTest
    @CsvSource({"1,true", "true,true", "YES,true", "on,true", "0,false", "false,false", "'',false"})
    void offlineFollowsHfHubOffline(String value, boolean offline) {
        assertThat(withEnvironment(Map.of("HF_HUB_OFFLINE", value)).offline()).isEqualTo(offline);
    }

    @Test
    void settersOverrideTheEnvironmentAndToBuilderKeepsWhatWasResolved() {
        Map<String, String> env = Map.of("HF_ENDPOINT", "https://hf-mirror.com", "HF_HUB_OFFLINE", "1",
                "HF_HUB_CACHE", tmp.resolve("env-cache").toString(), "HF_TOKEN", "hf_env");
        HubClient client = HubClient.builder().environment(env::get).endpoint(URI.create("http://127.0.0.1:9/"))
                .offline(false).cacheDir(tmp.resolve("mine")).maxRetries(0).build();
        assertThat(client.endpoint()).isEqualTo(URI.create("http://127.0.0.1:9"));
        assertThat(client.offline()).isFalse();
        assertThat(client.cacheDir()).isEqualTo(tmp.resolve("mine"));
        assertThat(client.hasToken()).isTrue();

        HubClient derived = client.toBuilder().environment(Map.<String, String>of()::get)
                .readTimeout(Duration.ofSeconds(3)).build();
        assertThat(derived.endpoint()).isEqualTo(client.endpoint());
        assertThat(derived.cacheDir()).isEqualTo(client.cacheDir());
        assertThat(derived.hasToken()).isTrue();
        assertThat(derived.maxRetries()).isZero();
        assertThat(derived.readTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(derived.toString()).doesNotContain("hf_env").contains("token=***");
    }

    @Test
    void refusesImpossibleSettingsNamingThem() {
        HubClient.Builder b = HubClient.builder();
        assertThatThrownBy(() -> b.maxRetries(-1)).hasMessage("maxRetries must be between 0 and 100: -1");
        assertThatThrownBy(() -> b.readTimeout(Duration.ZERO)).hasMessage("readTimeout must be positive: PT0S");
        assertThatThrownBy(() -> b.connectTimeout(Duration.ofDays(2)))
                .hasMessage("connectTimeout must be at most a day: PT48H");
        assertThatThrownBy(() -> b.retryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessage("retryBackoff max PT1S is less than initial PT2S");
        assertThatThrownBy(() -> b.endpoint(URI.create("ftp://example.org")))
                .hasMessage("endpoint must be an http(s) URL such as https://huggingface.co: ftp://example.org");
        assertThatThrownBy(() -> HubClient.builder().environment(Map.of("HF_ENDPOINT", "huggingface.co")::get).build())
                .hasMessage("endpoint must be an http(s) URL such as https://huggingface.co: huggingface.co");
    }

    @Test
    void refusesMalformedRepositoryIdsAndRevisions() {
        HubClient client = HubClient.builder().environment(Map.<String, String>of()::get).offline(true)
                .cacheDir(tmp).build();
        for (String bad : new String[] {"", "a/b/c", "../etc", "org--x/y", "org/na..me", "with space/x"}) {
            assertThatThrownBy(() -> client.snapshot(bad, "main", p -> true)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("repoId must be 'name' or"
                            + " 'org/name'").hasMessageEndingWith("'" + bad + "'");
        }
        for (String bad : new String[] {"", "../main", "/main", "a//b", "main/"}) {
            assertThatThrownBy(() -> client.snapshot("org/x", bad, p -> true)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("revision must be a branch, tag or commit such as 'main': '" + bad + "'");
        }
    }
}
