package dev.sdembed.cli;

import dev.sdembed.runtime.Sdembed;
import dev.sdembed.server.SdembedServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  sdembed serve --port 8080",
                "  sdembed serve --host 0.0.0.0 --token \"$SDEMBED_TOKEN\" --config sdembed.json"},
        description = {"Serves the store over HTTP: the JSON API (search, similar, images and thumbnails, duplicates,"
                + " stats, Prometheus /metrics, OpenAI-style /v1/embeddings) and a web page at /. The configured"
                + " slots are loaded once and kept.",
                "Listens on 127.0.0.1 unless --host says otherwise; any other address needs a token (--token or "
                        + SdembedServer.TOKEN_VARIABLE + "), sent as 'Authorization: Bearer TOKEN' (a browser opens"
                        + " /?token=TOKEN once). Ctrl-C stops it after the requests in flight."})
public final class ServeCommand implements Callable<Integer>, LoadsEncoders {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions storeOptions;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}); not loopback needs a token.")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080",
            description = "Port to listen on, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--token", paramLabel = "TOKEN", description = "The token every request but /health must carry"
            + " (at least 16 characters); default: " + SdembedServer.TOKEN_VARIABLE + " from the environment.")
    String token;

    @Option(names = "--thumbnails", paramLabel = "DIR", description = "Thumbnail cache (default: thumbnails/ in the"
            + " embedded store's folder, ~/.cache/sdembed/thumbnails for PostgreSQL).")
    Path thumbnails;

    @Option(names = "--cors-origin", paramLabel = "ORIGIN", description = "An origin (https://host:port) whose pages"
            + " may call the API; repeat for more. Default: none.")
    List<String> corsOrigins = List.of();

    @Option(names = "--max-in-flight", paramLabel = "N", defaultValue = "32",
            description = "Requests worked on at once; more are answered 503 (default: ${DEFAULT-VALUE}).")
    int maxInFlight;

    @Override
    public Integer call() throws InterruptedException {
        String t = token != null ? token : System.getenv(SdembedServer.TOKEN_VARIABLE);
        CountDownLatch closed = new CountDownLatch(1);
        try (Sdembed sdembed = storeOptions.sdembed(Sdembed.Usage.SERVING).open();
             SdembedServer server = SdembedServer.builder(sdembed).host(host).port(port).token(t)
                     .thumbnailCache(thumbnails).corsOrigins(corsOrigins).maxInFlight(maxInFlight).start()) {
            // Ctrl-C: stop the server (requests in flight finish), then let this thread close the store and the
            // encoders before the JVM halts.
            Thread hook = new Thread(() -> {
                server.close();
                try {
                    closed.await(15, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "sdembed-serve-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            PrintWriter out = spec.commandLine().getOut();
            out.println("sdembed serving " + sdembed.storeLocation() + " on " + server.url()
                    + (t == null ? "" : " (token required)") + "; Ctrl-C stops it");
            out.flush();
            server.awaitStop();
        } finally {
            closed.countDown();
        }
        return ExitCodes.OK;
    }
}
