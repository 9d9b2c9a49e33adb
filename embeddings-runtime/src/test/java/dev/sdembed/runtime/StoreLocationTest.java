package dev.sdembed.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Which store a --store value selects. */
class StoreLocationTest {
    private static final Path CWD = Path.of("").toAbsolutePath();

    @Test
    void noStoreIsTheEmbeddedStoreInTheWorkingFolder() {
        StoreLocation location = StoreLocation.parse(null);
        assertThat(location.isEmbedded()).isTrue();
        assertThat(location.embeddedDirectory()).isEqualTo(CWD.resolve("sdembed-data"));
    }

    @Test
    void postgresUrlsSelectPostgres() {
        for (String url : new String[] {"postgresql://me@localhost:5432/db", "postgres://me@h/db",
                "jdbc:postgresql://localhost/db", "PostgreSQL://me@h/db"}) {
            StoreLocation location = StoreLocation.parse(url);
            assertThat(location.isEmbedded()).as(url).isFalse();
            assertThat(location.postgresUrl()).isEqualTo(url);
        }
        assertThat(StoreLocation.parse("postgresql://me:secret@h/db").toString()).doesNotContain("secret");
    }

    @Test
    void pathsAndFileUrlsSelectTheEmbeddedStore() {
        assertThat(StoreLocation.parse("/var/lib/sdembed").embeddedDirectory()).isEqualTo(Path.of("/var/lib/sdembed"));
        assertThat(StoreLocation.parse("data/lib/../store").embeddedDirectory()).isEqualTo(CWD.resolve("data/store"));
        assertThat(StoreLocation.parse("file:///var/lib/sdembed").embeddedDirectory()).isEqualTo(Path.of("/var/lib/sdembed"));
        assertThat(StoreLocation.parse("file:/var/lib/my%20store").embeddedDirectory())
                .isEqualTo(Path.of("/var/lib/my store"));
        assertThat(StoreLocation.parse("file:relative/store").embeddedDirectory()).isEqualTo(CWD.resolve("relative/store"));
    }

    @Test
    void unknownSchemesAndBlankValuesAreRefused() {
        assertThatThrownBy(() -> StoreLocation.parse("mysql://db/x")).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("Store 'mysql://db/x' has the unsupported scheme 'mysql'");
        assertThatThrownBy(() -> StoreLocation.parse("s3:bucket/x")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("unsupported scheme 's3'");
        assertThatThrownBy(() -> StoreLocation.parse(" ")).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("Store is blank");
    }
}
