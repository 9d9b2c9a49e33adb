package dev.sdembed.cli;

import dev.sdembed.InvalidInputException;
import dev.sdembed.runtime.Sdembed;
import dev.sdembed.runtime.StoreLocation;
import dev.sdembed.store.postgres.PostgresEmbeddingStore;
import dev.sdembed.store.postgres.PostgresStoreInit;
import dev.sdembed.store.postgres.PostgresUrl;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sdembed store init URL}: gets a PostgreSQL server ready for a store, for people who are not DBAs. It says
 * what it finds (the server and its version, pgvector on the server and in the database, the schema), creates the
 * extension and the schema and applies the migrations as far as the URL's role may, and prints the exact SQL a
 * superuser must run for the rest ({@link PostgresEmbeddingStore.Builder#init()}).
 */
@Command(name = "init", mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  sdembed store init postgresql://sdembed@localhost:5432/sdembed",
                "  sdembed store init postgresql://me@db.example.org/photos --schema sdembed"},
        description = {"Gets a PostgreSQL server ready for an sdembed store: checks that it answers, its version and"
                + " pgvector, creates the vector extension and the schema and applies the store's migrations as far"
                + " as the URL's role may, and prints the SQL a superuser must run once for the rest.",
                "Running it again changes nothing. Exit code 0 when the store is ready, 1 when something is left to"
                        + " do (printed)."})
public final class StoreInitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "URL",
            description = "postgresql://user[:password]@host:port/db or jdbc:postgresql://host:port/db. Password also"
                    + " from " + Sdembed.PASSWORD_VARIABLE + " or PGPASSWORD.")
    String url;

    @Option(names = "--schema", paramLabel = "NAME", defaultValue = "sdembed",
            description = "The store's schema (default: ${DEFAULT-VALUE}).")
    String schema;

    @Override
    public Integer call() {
        if (StoreLocation.parse(url).isEmbedded()) {
            throw new InvalidInputException("store init sets up a PostgreSQL server; '" + url + "' names the embedded"
                    + " store, which needs no set-up (sdembed index creates it)");
        }
        PostgresEmbeddingStore.Builder builder = PostgresEmbeddingStore.builder().url(url).schema(schema);
        String password = System.getenv(Sdembed.PASSWORD_VARIABLE);
        if (password != null && !password.isEmpty()) {
            builder.password(password);
        }
        PostgresStoreInit init = builder.init();
        // The URL to index with, never with its password (it comes from the URL or the environment again).
        print(init, PostgresUrl.parse(url).withPassword(null).toString(), spec.commandLine().getOut());
        return init.ready() ? ExitCodes.OK : ExitCodes.COMPLETED_WITH_FAILURES;
    }

    private static void print(PostgresStoreInit init, String storeUrl, PrintWriter out) {
        init.steps().forEach(out::println);
        out.println();
        if (init.problem() != null) {
            out.println("Not ready: " + init.problem() + ".");
        } else if (!init.superuserSql().isEmpty()) {
            out.println("Not ready. A superuser must run this once in database " + init.superuserDatabase()
                    + " (e.g. sudo -u postgres psql -d " + init.superuserDatabase() + "):");
            out.println();
            init.superuserSql().forEach(out::println);
            out.println();
            out.println("Then run this command again.");
        } else {
            out.println("Ready: sdembed index FOLDER --store " + storeUrl
                    + ("sdembed".equals(init.schema()) ? "" : " --schema " + init.schema()));
        }
        out.flush();
    }
}
