package dev.sdembed.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostgresUrlTest {

    @Test
    void parsesTheLibpqForm() {
        PostgresUrl u = PostgresUrl.parse("postgresql://sd%40user:p%40ss%2Fw0rd@db.example.org:6543/images?sslmode=require");
        assertThat(u.host()).isEqualTo("db.example.org");
        assertThat(u.port()).isEqualTo(6543);
        assertThat(u.database()).isEqualTo("images");
        assertThat(u.user()).isEqualTo("sd@user");
        assertThat(u.password()).isEqualTo("p@ss/w0rd");
        assertThat(u.parameters()).isEqualTo(Map.of("sslmode", "require"));
        assertThat(u.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example.org:6543/images?sslmode=require");
    }

    @Test
    void parsesTheJdbcFormWithCredentialsAsParameters() {
        PostgresUrl u = PostgresUrl.parse("jdbc:postgresql://localhost/sdembed?user=sd&password=secret&ApplicationName=x");
        assertThat(u.host()).isEqualTo("localhost");
        assertThat(u.port()).isEqualTo(5432);
        assertThat(u.user()).isEqualTo("sd");
        assertThat(u.password()).isEqualTo("secret");
        assertThat(u.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/sdembed?ApplicationName=x");
    }

    @Test
    void defaultsFollowLibpq() {
        PostgresUrl u = PostgresUrl.parse("postgres://alice@");
        assertThat(u.host()).isEqualTo("localhost");
        assertThat(u.port()).isEqualTo(5432);
        assertThat(u.database()).isEqualTo("alice");
        PostgresUrl v6 = PostgresUrl.parse("postgresql://bob@[::1]:5433/db");
        assertThat(v6.host()).isEqualTo("[::1]");
        assertThat(v6.jdbcUrl()).isEqualTo("jdbc:postgresql://[::1]:5433/db");
    }

    @Test
    void neverShowsThePassword() {
        PostgresUrl u = PostgresUrl.parse("postgresql://sd:hunter2@localhost:5432/sdembed");
        assertThat(u.toString()).isEqualTo("postgresql://sd:***@localhost:5432/sdembed").doesNotContain("hunter2");
        assertThat(u.jdbcUrl()).doesNotContain("hunter2");
        assertThat(PostgresUrl.mask("postgresql://sd:hunter2@localhost/x")).isEqualTo("postgresql://sd:***@localhost/x");
        assertThat(PostgresUrl.mask("jdbc:postgresql://h/x?user=a&password=hunter2&ssl=true"))
                .isEqualTo("jdbc:postgresql://h/x?user=a&password=***&ssl=true");
        assertThat(PostgresUrl.mask("postgresql://sd:hun@ter2@localhost/x")).doesNotContain("ter2");
    }

    @Test
    void anUnescapedAtSignInThePasswordIsRefusedWithoutShowingAnyPartOfIt() {
        assertThatThrownBy(() -> PostgresUrl.parse("postgresql://u:abc@def@db.example.org/lib"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Store URL 'postgresql://u:***@db.example.org/lib' has more than one '@' before the host;"
                        + " a user name or password containing '@' must be written %40"
                        + " (postgresql://user:p%40ss@host/db), or give the password in SDEMBED_STORE_PASSWORD or"
                        + " PGPASSWORD")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("abc").doesNotContain("def"));
        PostgresUrl escaped = PostgresUrl.parse("postgresql://u:abc%40def@db.example.org/lib");
        assertThat(escaped.password()).isEqualTo("abc@def");
        assertThat(escaped.host()).isEqualTo("db.example.org");
        // An '@' after the host (in parameters) is no ambiguity.
        assertThat(PostgresUrl.parse("jdbc:postgresql://h/db?user=u&password=abc@def").password()).isEqualTo("abc@def");
    }

    @Test
    void rejectsWhatIsNotAPostgresUrl() {
        assertThatThrownBy(() -> PostgresUrl.parse("mysql://root:topsecret@localhost/db"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Store URL 'mysql://root:***@localhost/db' is not a PostgreSQL URL; expected "
                        + "postgresql://user[:password]@host:port/db or jdbc:postgresql://host:port/db");
        assertThatThrownBy(() -> PostgresUrl.parse(" "))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("Store URL is empty");
        assertThatThrownBy(() -> PostgresUrl.parse("postgresql://localhost:70000/db"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Store URL 'postgresql://localhost:70000/db' has port 70000; expected 1 to 65535");
        assertThatThrownBy(() -> PostgresUrl.parse("jdbc:postgresql://localhost:5432/"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Store URL 'jdbc:postgresql://localhost:5432/' names no database; add /dbname after the host");
    }
}
