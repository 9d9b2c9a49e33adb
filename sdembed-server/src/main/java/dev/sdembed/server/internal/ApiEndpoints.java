package dev.sdembed.server.internal;

import dev.sdembed.InvalidInputException;
import dev.sdembed.ModelLoadException;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.javalin.router.Endpoint;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The route table, the one exception mapper and the request life cycle (access checks before, permit given back and
 * metrics counted after), on a Jetty thread pool of {@code threads} threads whose queue is bounded too.
 *
 * <p>Exceptions become {@code {"error": …}}: {@link ApiException} with its status, {@link InvalidInputException}
 * (the SDK's "bad input", e.g. an unknown slot or a stored image without an embedding) 400, Javalin's own
 * {@link HttpResponseException} its status, anything else 500 with a generic message and the stack trace in the log,
 * never in the answer.
 */
public final class ApiEndpoints {
    private static final Logger LOG = LoggerFactory.getLogger(ApiEndpoints.class);

    private ApiEndpoints() {
    }

    public static Javalin create(Api api, Access access, ServerMetrics metrics, Limits limits, int threads,
                                 List<String> corsOrigins, Path uploadDir) {
        WebPage page = new WebPage();
        OpenAiEmbeddings embeddings = new OpenAiEmbeddings(api);
        return Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.jsonMapper(new JavalinJackson(null, false));
            config.http.maxRequestSize = limits.maxBodyBytes();
            config.http.strictContentTypes = false;
            // Bounded in threads; the queue of jobs stays Jetty's default, since Access bounds requests in flight.
            QueuedThreadPool pool = new QueuedThreadPool(threads, Math.min(4, threads));
            pool.setName("sdembed-http");
            config.jetty.threadPool = pool;
            config.jetty.modifyServer(server -> server.setStopTimeout(5_000));
            config.jetty.multipartConfig.cacheDirectory(uploadDir.toString());
            config.jetty.multipartConfig.maxFileSize(limits.maxBodyBytes(), SizeUnit.BYTES);
            config.jetty.multipartConfig.maxTotalRequestSize(limits.maxBodyBytes(), SizeUnit.BYTES);
            config.jetty.multipartConfig.maxInMemoryFileSize(1, SizeUnit.MB);
            if (!corsOrigins.isEmpty()) {
                config.bundledPlugins.enableCors(cors -> cors.addRule(rule -> {
                    rule.allowHost(corsOrigins.get(0), corsOrigins.subList(1, corsOrigins.size())
                            .toArray(String[]::new));
                    rule.allowCredentials = false;
                }));
            }
            config.requestLogger.http((ctx, ms) -> metrics.observe(route(ctx), ctx.method().name(), ctx.statusCode(),
                    ms / 1000.0));

            var r = config.routes;
            r.before(access::before);
            r.after(access::after);

            r.get("/health", api::health);
            r.get("/api/info", api::info);
            r.get("/api/stats", api::stats);
            r.get("/api/search", api::search);
            r.post("/api/search/image", api::searchByImage);
            r.get("/api/images/{id}", api::imageRecord);
            r.get("/api/images/{id}/thumbnail", api::thumbnail);
            r.get("/api/images/{id}/file", api::file);
            r.get("/api/images/{id}/similar", api::similar);
            r.get("/api/duplicates", api::duplicates);
            r.post("/api/embed/image", api::embedImage);
            r.post("/v1/embeddings", embeddings::handle);
            r.get("/metrics", ctx -> ctx.contentType(ServerMetrics.contentType()).result(metrics.scrape()));
            r.get("/", ctx -> {
                if (!access.login(ctx)) {
                    page.serve(ctx, "index.html");
                }
            });
            r.get("/static/{name}", ctx -> page.serve(ctx, ctx.pathParam("name")));

            r.exception(ApiException.class, (e, ctx) -> {
                if (e.retryAfter() != null) {
                    ctx.header("Retry-After", e.retryAfter());
                }
                error(ctx, e.status(), e.getMessage());
            });
            r.exception(InvalidInputException.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
            r.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), e.getMessage()));
            r.exception(ModelLoadException.class, (e, ctx) -> {
                LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, 500, "internal error: a model failed (see the server log)");
            });
            r.exception(Exception.class, (e, ctx) -> {
                LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, 500, "internal error (see the server log)");
            });
            r.error(404, ctx -> {
                if (ctx.result() == null) {
                    error(ctx, 404, "no route " + ctx.method() + " " + ctx.path());
                }
            });
            r.error(405, ctx -> {
                if (ctx.result() == null) {
                    error(ctx, 405, "method " + ctx.method() + " is not allowed on " + ctx.path());
                }
            });
        });
    }

    private static void error(Context ctx, int status, String message) {
        ctx.status(status).json(Map.of("error", message == null || message.isBlank() ? "error " + status : message));
    }

    /** The matched route's template (never the raw path: ids would explode the metric's label set). */
    private static String route(Context ctx) {
        try {
            Endpoint e = ctx.endpoints().matchedHttpEndpoint();
            return e == null ? "unmatched" : e.path;
        } catch (RuntimeException e) {
            return "unmatched";
        }
    }
}
