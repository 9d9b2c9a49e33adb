package dev.sdembed.server;

import static dev.sdembed.server.ServerFixture.IMAGE_SLOT;
import static dev.sdembed.server.ServerFixture.PROMPTS;
import static dev.sdembed.server.ServerFixture.TEXT_SLOT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.runtime.JsonViews;
import dev.sdembed.runtime.Sdembed;
import dev.sdembed.store.NearDuplicateRequest;
import dev.sdembed.store.PixelDuplicateRequest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The JSON API over real HTTP on loopback, against a store whose right answers are known; each store runs it
 * through a subclass that says how to open one. Every bad request gets its status and a JSON error.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ServerApiContract {
    private Sdembed sdembed;
    private SdembedServer server;
    protected Http http;

    /** The configuration's slots and a store of this kind, with {@link ServerFixture#library()} indexed. */
    protected abstract Sdembed openIndexed();

    @BeforeAll
    void start() {
        sdembed = openIndexed();
        server = SdembedServer.builder(sdembed).port(0).maxBodyBytes(1 << 20).maxPixels(20_000_000)
                .thumbnailCache(dev.sdembed.testing.TestPaths.targetDir("thumbs-" + getClass().getSimpleName()))
                .start();
        http = new Http(server.url(), null);
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
        if (sdembed != null) {
            sdembed.close();
        }
    }

    private String path(String relative) {
        return ServerFixture.file(relative).toString();
    }

    private long idOf(String relative) {
        return sdembed.store().findImages(List.of(path(relative))).get(path(relative)).id();
    }

    private static void assertError(Http.Response r, int status, String... fragments) {
        assertThat(r.status()).as(r.text()).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        JsonNode json = r.json();
        assertThat(json.size()).isEqualTo(1);
        assertThat(json.get("error").asText()).contains(fragments).doesNotContain("Exception", "\tat ");
    }

    // ------------------------------------------------------------------------------------------ search

    @Test
    void searchFindsThePromptThatMatchesBestWithTheFullHitShape() {
        Http.Response r = http.get("/api/search?" + Http.query(Map.of("text", "an astronaut portrait painted in oils",
                "k", 3)));
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        JsonNode json = r.json();
        assertThat(json.get("mode").asText()).isEqualTo("prompt");
        assertThat(json.get("slot").asText()).isEqualTo(TEXT_SLOT);
        JsonNode top = json.get("hits").get(0);
        assertThat(top.get("rank").asInt()).isEqualTo(1);
        assertThat(top.get("path").asText()).isEqualTo(path("a/img-1.png"));
        assertThat(top.get("imageId").asLong()).isEqualTo(idOf("a/img-1.png"));
        assertThat(top.get("prompt").asText()).isEqualTo(PROMPTS[1]);
        assertThat(top.get("negativePrompt").asText()).isEqualTo(ServerFixture.NEGATIVE);
        assertThat(top.get("generator").asText()).isEqualTo("a1111");
        assertThat(top.get("model").asText()).isEqualTo("test-model");
        assertThat(top.get("width").asInt()).isEqualTo(64);
        assertThat(top.get("height").asInt()).isEqualTo(64);
        assertThat(top.get("score").asDouble()).isGreaterThan(json.get("hits").get(1).get("score").asDouble());
        assertThat(json.get("hits")).hasSize(3);
    }

    @Test
    void pagesJoinIntoTheSingleRanking() {
        String q = "text=" + java.net.URLEncoder.encode("a castle at sunset", java.nio.charset.StandardCharsets.UTF_8);
        JsonNode all = http.get("/api/search?" + q + "&k=6").json();
        JsonNode first = http.get("/api/search?" + q + "&k=3").json();
        JsonNode second = http.get("/api/search?" + q + "&limit=3&offset=3").json();
        assertThat(first.get("nextOffset").asInt()).isEqualTo(3);
        List<String> paged = new ArrayList<>();
        first.get("hits").forEach(h -> paged.add(h.get("path").asText()));
        second.get("hits").forEach(h -> paged.add(h.get("path").asText()));
        List<String> whole = new ArrayList<>();
        all.get("hits").forEach(h -> whole.add(h.get("path").asText()));
        assertThat(paged).isEqualTo(whole);
        assertThat(second.get("hits").get(0).get("rank").asInt()).isEqualTo(4);
        JsonNode last = http.get("/api/search?" + q + "&k=10&offset=5").json();
        assertThat(last.get("nextOffset").isNull()).as("7 images with a prompt, so no page after 5..15").isTrue();
    }

    @Test
    void negativeModeMatchesTheNegativePrompts() {
        JsonNode json = http.get("/api/search?" + Http.query(Map.of("text", "deformed hands with extra fingers",
                "mode", "negative", "k", 1))).json();
        assertThat(json.get("mode").asText()).isEqualTo("negative");
        assertThat(json.get("hits").get(0).get("path").asText()).isEqualTo(path("b/img-5.png"));
        assertThat(json.get("hits").get(0).get("negativePrompt").asText()).isEqualTo(ServerFixture.COMFY_NEGATIVE);
    }

    @Test
    void filtersByFolderGeneratorAndModel() {
        JsonNode folder = http.get("/api/search?" + Http.query(Map.of("text", "a red fox", "k", 20, "folder",
                ServerFixture.library().resolve("b").toString()))).json();
        assertThat(folder.get("hits")).isNotEmpty().allSatisfy(h ->
                assertThat(h.get("path").asText()).startsWith(path("b") + "/"));
        JsonNode comfy = http.get("/api/search?" + Http.query(Map.of("text", "a red fox", "generator", "comfyui")))
                .json();
        assertThat(comfy.get("hits")).hasSize(1);
        assertThat(comfy.get("hits").get(0).get("model").asText()).isEqualTo("comfy.safetensors");
        JsonNode none = http.get("/api/search?" + Http.query(Map.of("text", "a red fox", "model", "no-such-model")))
                .json();
        assertThat(none.get("hits")).isEmpty();
    }

    /** The hits of a prompt search for "a red fox" over the whole library, with {@code filter} added. */
    private JsonNode foxes(String... filter) {
        Map<String, Object> q = new java.util.LinkedHashMap<>(Map.of("text", "a red fox", "k", 20));
        for (int i = 0; i < filter.length; i += 2) {
            q.put(filter[i], filter[i + 1]);
        }
        return http.get("/api/search?" + Http.query(q)).json().get("hits");
    }

    @Test
    void everyFilterOfTheCommandLineIsTakenAndItsBadValuesAreNamed() {
        // The library: img-0..4 are A1111 (sampler "Euler a", 20 steps, CFG 7, 64x64, seed 500 + i), img-5 ComfyUI
        // ("euler"), copy-of-2 a byte copy of img-2; the rotated JPEG has no metadata, so no prompt hit.
        int all = foxes().size();
        assertThat(foxes("seed", "501")).singleElement().satisfies(h -> assertThat(h.get("path").asText())
                .endsWith("img-1.png"));
        assertThat(foxes("sampler", "Euler a")).hasSize(all - 1).allSatisfy(h ->
                assertThat(h.get("generator").asText()).isEqualTo("a1111"));
        assertThat(foxes("steps", "20", "cfg", "7", "size", "64x64")).hasSize(all);
        assertThat(foxes("steps", "21..")).isEmpty();
        assertThat(foxes("size", "48x48")).isEmpty();
        assertThat(foxes("date", "1990-01-01..1990-12-31")).isEmpty();
        assertThat(foxes("date", "2000-01-01..")).hasSize(all);
        assertThat(foxes("minScore", "0.99")).allSatisfy(h -> assertThat(h.get("score").asDouble())
                .isGreaterThanOrEqualTo(0.99));
        JsonNode distinct = foxes("distinct", "prompt");
        assertThat(distinct).extracting(h -> h.get("prompt").asText()).doesNotHaveDuplicates();
        assertThat(distinct.size()).isLessThan(all);
        assertError(http.get("/api/search?text=fox&steps=20..x"), 400, "steps is '20..x'; expected N or MIN..MAX");
        assertError(http.get("/api/search?text=fox&size=big"), 400, "size is 'big'; expected WxH");
        assertError(http.get("/api/search?text=fox&distinct=maybe"), 400, "distinct is 'maybe'");
        assertError(http.get("/api/search?text=fox&minScore=2"), 400, "minScore is '2'; expected a similarity");
        assertError(http.get("/api/search?text=fox&date=2024-01-01&since=2024-01-01"), 400,
                "parameter 'date' gives the date range that 'since' and 'until' give");
        assertError(http.get("/api/duplicates?generator=midjourney"), 400, "generator is 'midjourney'");
    }

    @Test
    void badSearchesAreAnsweredWithTheirStatusAndAJsonError() {
        assertError(http.get("/api/search"), 400, "parameter 'text' is missing");
        assertError(http.get("/api/search?text=fox&k=0"), 400, "parameter 'k' is 0; expected 1 to 100");
        assertError(http.get("/api/search?text=fox&k=101"), 400, "parameter 'k' is 101");
        assertError(http.get("/api/search?text=fox&k=ten"), 400, "parameter 'k' is 'ten'");
        assertError(http.get("/api/search?text=fox&offset=995&k=10"), 400, "is past 1000");
        assertError(http.get("/api/search?text=fox&k=5&limit=6"), 400, "disagree");
        assertError(http.get("/api/search?text=fox&mode=pixels"), 400, "parameter 'mode' is 'pixels'");
        assertError(http.get("/api/search?text=fox&colour=red"), 400, "unknown parameter 'colour'");
        assertError(http.get("/api/search?text=" + "x".repeat(4001)), 400, "at most 4000");
        assertError(http.get("/api/search?text=fox&mode=image"), 400, "mode=image needs a text slot and an image slot");
        assertError(http.get("/api/search?text=fox&slot=nope"), 400, "Unknown slot 'nope'");
        assertError(http.get("/api/nothing-here"), 404, "Endpoint GET /api/nothing-here not found");
    }

    // ------------------------------------------------------------------------------------------ images

    @Test
    void anImageRecordHasItsFullMetadata() {
        long id = idOf("b/img-5.png");
        JsonNode image = http.get("/api/images/" + id).json();
        assertThat(image.get("imageId").asLong()).isEqualTo(id);
        assertThat(image.get("path").asText()).isEqualTo(path("b/img-5.png"));
        assertThat(image.get("prompt").asText()).isEqualTo(PROMPTS[5]);
        assertThat(image.get("negativePrompt").asText()).isEqualTo(ServerFixture.COMFY_NEGATIVE);
        assertThat(image.get("generator").asText()).isEqualTo("comfyui");
        assertThat(image.get("parameters").get("seed").asText()).isEqualTo("505");
        assertThat(image.get("status").asText()).isEqualTo("ok");
    }

    @Test
    void unknownAndMalformedImageIdsAre404And400() {
        assertError(http.get("/api/images/999999"), 404, "no image with id 999999");
        assertError(http.get("/api/images/999999/thumbnail"), 404, "no image with id 999999");
        assertError(http.get("/api/images/999999/file"), 404, "no image with id 999999");
        assertError(http.get("/api/images/999999/similar"), 404, "no image with id 999999");
        assertError(http.get("/api/images/abc"), 400, "image id 'abc' is not an id");
        assertError(http.get("/api/images/-3/file"), 400, "is not an id");
        assertError(http.get("/api/images/..%2F..%2Fetc%2Fpasswd/file"), 400, "is not an id");
    }

    @Test
    void theFileIsTheOriginalBytes() throws IOException {
        Http.Response r = http.get("/api/images/" + idOf("a/img-0.png") + "/file");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("image/png");
        assertThat(r.body()).isEqualTo(Files.readAllBytes(ServerFixture.file("a/img-0.png")));
    }

    @Test
    void thumbnailsAreJpegsWithTheLongestSideAtMostTheSizeAndTheExifOrientationApplied() throws IOException {
        Http.Response r = http.get("/api/images/" + idOf("b/rotated.jpg") + "/thumbnail?size=128");
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("image/jpeg");
        BufferedImage thumb = ImageIO.read(new ByteArrayInputStream(r.body()));
        assertThat(thumb.getWidth()).as("stored 64 x 32, orientation 6 turns it upright").isEqualTo(32);
        assertThat(thumb.getHeight()).isEqualTo(64);
        // Again from the cache, with the same bytes; the ETag answers 304.
        Http.Response again = http.get("/api/images/" + idOf("b/rotated.jpg") + "/thumbnail?size=128");
        assertThat(again.body()).isEqualTo(r.body());
        assertThat(http.send(http.request("/api/images/" + idOf("b/rotated.jpg") + "/thumbnail?size=128")
                .header("If-None-Match", r.header("ETag")).GET()).status()).isEqualTo(304);
        assertError(http.get("/api/images/" + idOf("b/rotated.jpg") + "/thumbnail?size=300"), 400,
                "expected one of [128, 256, 512]");
    }

    // ------------------------------------------------------------------------------------------ similar

    @Test
    void similarByStoredIdComparesPixelsAndLeavesTheImageOut() {
        long id = idOf("a/img-2.png");
        JsonNode json = http.get("/api/images/" + id + "/similar?k=3").json();
        assertThat(json.get("by").asText()).isEqualTo("pixels");
        assertThat(json.get("slot").asText()).isEqualTo(IMAGE_SLOT);
        assertThat(json.get("hits").get(0).get("path").asText()).isEqualTo(path("b/copy-of-2.png"));
        assertThat(json.get("hits").get(0).get("score").asDouble()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(json.get("hits")).noneSatisfy(h -> assertThat(h.get("imageId").asLong()).isEqualTo(id));
        JsonNode byPrompt = http.get("/api/images/" + id + "/similar?k=1&slot=" + TEXT_SLOT).json();
        assertThat(byPrompt.get("by").asText()).isEqualTo("prompt");
        assertThat(byPrompt.get("hits").get(0).get("path").asText()).isEqualTo(path("b/copy-of-2.png"));
    }

    @Test
    void searchByAnUploadedImageOrAStoredId() throws IOException {
        byte[] png = Files.readAllBytes(ServerFixture.file("a/img-0.png"));
        JsonNode upload = http.postFile("/api/search/image?k=2", "fox.png", png).json();
        assertThat(upload.get("by").asText()).isEqualTo("pixels");
        assertThat(upload.get("hits").get(0).get("path").asText()).isEqualTo(path("a/img-0.png"));
        assertThat(upload.get("hits").get(0).get("score").asDouble()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));

        JsonNode stored = http.postFile("/api/search/image?k=1", null, null, "imageId",
                Long.toString(idOf("b/copy-of-2.png"))).json();
        assertThat(stored.get("hits").get(0).get("path").asText()).isEqualTo(path("a/img-2.png"));
        JsonNode storedInQuery = http.post("/api/search/image?k=1&imageId=" + idOf("b/copy-of-2.png"),
                "application/x-www-form-urlencoded", new byte[0]).json();
        assertThat(storedInQuery.get("hits").get(0).get("path").asText()).isEqualTo(path("a/img-2.png"));

        JsonNode byPrompt = http.postFile("/api/search/image?k=1&slot=" + TEXT_SLOT, "x.png",
                Files.readAllBytes(ServerFixture.file("b/img-4.png"))).json();
        assertThat(byPrompt.get("by").asText()).isEqualTo("prompt");
        assertThat(byPrompt.get("hits").get(0).get("path").asText()).isEqualTo(path("b/img-4.png"));
    }

    @Test
    void badUploadsAreRefusedBeforeAnythingDecodesThem() {
        assertError(http.postFile("/api/search/image", "notes.png", "just some text, not pixels".getBytes()), 400,
                "the upload is not an image sdembed reads");
        assertError(http.postFile("/api/search/image", "bomb.png", ServerFixture.bombPng(60_000)), 413,
                "60000x60000 = 3600.0 megapixels; at most 20.0 megapixels");
        assertError(http.postFile("/api/search/image", "empty.png", new byte[0]), 400, "empty");
        assertError(http.postFile("/api/search/image", null, null), 400, "no part named 'file'");
        assertError(http.post("/api/search/image", "application/json", "{}".getBytes()), 400,
                "expected a multipart/form-data body");
        assertError(http.postFile("/api/search/image", null, null, "imageId", "424242"), 404, "no image with id 424242");
        // An oversized body is refused from its declared length, before a byte of it is read.
        String big = http.raw("POST /api/search/image HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data;"
                + " boundary=x\r\nContent-Length: " + ((1 << 20) + 1) + "\r\nConnection: close\r\n\r\n");
        assertThat(big).startsWith("HTTP/1.1 413").contains("application/json")
                .contains("{\"error\":\"the request body has 1048577 bytes; at most 1048576 are accepted\"}");
        assertError(http.postFile("/api/embed/image", "notes.png", "text".getBytes()), 400, "not an image");
    }

    // ------------------------------------------------------------------------------------------ duplicates

    @Test
    void duplicatesByImageFindTheCopyAndPage() {
        JsonNode json = http.get("/api/duplicates?by=image&threshold=0.999&k=10").json();
        assertThat(json.get("by").asText()).isEqualTo("image");
        assertThat(json.get("slot").asText()).isEqualTo(IMAGE_SLOT);
        assertThat(json.get("description").asText()).startsWith("similar pictures (image embeddings at least 0.999");
        assertThat(json.get("totalGroups").asInt()).isEqualTo(1);
        JsonNode group = json.get("groups").get(0);
        assertThat(group.get("size").asInt()).isEqualTo(2);
        assertThat(group.get("paths")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder(path("a/img-2.png"), path("b/copy-of-2.png"));
        assertThat(group.get("members").get(0).get("imageId").asLong()).isPositive();
        // The same groups the command line prints.
        var expected = sdembed.store().nearDuplicates(NearDuplicateRequest.of(IMAGE_SLOT).withThreshold(0.999));
        assertThat(group.get("lowestLink").asDouble()).isEqualTo(JsonViews.group(expected.get(0)).get("lowestLink"));

        JsonNode prompts = http.get("/api/duplicates?by=prompt&threshold=0.5&k=1").json();
        assertThat(prompts.get("by").asText()).isEqualTo("prompt");
        assertThat(prompts.get("groups")).hasSize(1);
        if (prompts.get("totalGroups").asInt() > 1) {
            assertThat(prompts.get("nextOffset").asInt()).isEqualTo(1);
        }
    }

    /** Pixels by default, whatever slots there are: the same picture; files: the same bytes. */
    @Test
    void duplicatesByPixelsByDefaultAndByFileFindTheCopy() {
        JsonNode pixels = http.get("/api/duplicates").json();
        assertThat(pixels.get("by").asText()).isEqualTo("pixels");
        assertThat(pixels.get("slot").isNull()).isTrue();
        assertThat(pixels.get("maxDistance").asInt()).isEqualTo(PixelDuplicateRequest.DEFAULT_MAX_DISTANCE);
        assertThat(pixels.get("imagesWithoutPixelHash").asLong()).isZero();
        assertThat(pixels.get("description").asText()).isEqualTo("the same picture (pixel hashes at most 6 of 64 bits"
                + " apart)");
        assertThat(pixels.get("totalGroups").asInt()).as("the store's answer")
                .isEqualTo(sdembed.store().pixelDuplicates(PixelDuplicateRequest.defaults()).groups().size());
        assertThat(pixels.get("groups")).anySatisfy(g -> assertThat(g.get("paths")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder(path("a/img-2.png"), path("b/copy-of-2.png")));

        JsonNode files = http.get("/api/duplicates?by=file").json();
        assertThat(files.get("by").asText()).isEqualTo("file");
        assertThat(files.get("totalGroups").asInt()).isEqualTo(1);
        assertThat(files.get("groups").get(0).get("paths")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder(path("a/img-2.png"), path("b/copy-of-2.png"));
        assertThat(files.get("groups").get(0).get("lowestLink").asDouble()).isEqualTo(1.0);
        assertThat(http.get("/api/duplicates?by=pixels&maxDistance=0&folder=" + path("b")).json().get("totalGroups")
                .asInt()).as("the copy's original is in another folder").isZero();
        assertThat(http.get("/api/info").json().get("duplicatesBy")).extracting(JsonNode::asText)
                .containsExactly("file", "pixels", "image", "prompt");
    }

    @Test
    void unknownDuplicateKindsAndOptionsOfAnotherKindAreRefused() {
        assertError(http.get("/api/duplicates?by=colour"), 400, "parameter 'by' is 'colour'");
        assertError(http.get("/api/duplicates?by=image&threshold=0"), 400, "parameter 'threshold' is '0'");
        assertError(http.get("/api/duplicates?by=prompt&threshold=1.5"), 400, "parameter 'threshold'");
        assertError(http.get("/api/duplicates?threshold=0.9"), 400, "parameter 'threshold' does not apply to"
                + " by=pixels; threshold, neighbours and slot are for by=image and by=prompt");
        assertError(http.get("/api/duplicates?by=image&maxDistance=2"), 400, "parameter 'maxDistance' does not apply"
                + " to by=image; maxDistance is for by=pixels");
        assertError(http.get("/api/duplicates?maxDistance=8"), 400, "parameter 'maxDistance' is 8; expected 0 to 7");
        assertError(http.get("/api/duplicates?k=1000"), 400, "parameter 'k' is 1000");
    }

    // ------------------------------------------------------------------------------------------ info, stats, metrics

    @Test
    void statsAreTheCommandLinesStats() throws IOException {
        Http.Response r = http.get("/api/stats");
        assertThat(r.text()).isEqualTo(Http.JSON.writeValueAsString(JsonViews.stats(sdembed.store().stats())));
        JsonNode stats = r.json();
        assertThat(stats.get("images").asLong()).isEqualTo(8);
    }

    @Test
    void infoNamesSlotsModesAndLimits() {
        JsonNode info = http.get("/api/info").json();
        assertThat(info.get("slots")).extracting(s -> s.get("name").asText()).containsExactly(TEXT_SLOT, IMAGE_SLOT);
        assertThat(info.get("slots").get(0).get("model").asText()).isEqualTo("bge-small-en-v1.5");
        assertThat(info.get("slots").get(0).get("dimension").asInt()).isEqualTo(384);
        assertThat(info.get("slots").get(0).get("device").asText()).isEqualTo("cpu");
        assertThat(info.get("searchModes")).extracting(JsonNode::asText).containsExactly("prompt", "negative");
        assertThat(info.get("counts").get("images").asLong()).isEqualTo(8);
        assertThat(info.get("filters")).extracting(JsonNode::asText).contains("folder", "sampler", "steps", "date",
                "distinct");
        assertThat(info.get("store").get("kind").asText()).isEqualTo(storeKind());
        assertThat(http.get("/health").json().get("status").asText()).isEqualTo("ok");
    }

    protected abstract String storeKind();

    @Test
    void metricsArePrometheusText() {
        http.get("/api/search?text=fox&k=1");
        Http.Response r = http.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain; version=0.0.4");
        assertThat(r.text()).contains("sdembed_http_requests_total{method=\"GET\",route=\"/api/search\",status=\"200\"}")
                .contains("sdembed_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/search\",le=\"0.1\"}")
                .contains("sdembed_encoder_queue{slot=\"" + TEXT_SLOT + "\"} 0.0")
                .contains("sdembed_store_images{status=\"ok\"} 8.0")
                .contains("sdembed_store_embeddings{slot=\"" + IMAGE_SLOT + "\"} 7.0")
                .contains("sdembed_http_requests_in_flight");
    }

    // ------------------------------------------------------------------------------------------ embeddings

    @Test
    void openAiEmbeddingsEqualTheEncodersOwnVectors() {
        JsonNode json = http.postJson("/v1/embeddings", "{\"input\": [\"a red fox\", \"a castle\"], \"model\": \""
                + TEXT_SLOT + "\"}").json();
        assertThat(json.get("object").asText()).isEqualTo("list");
        assertThat(json.get("model").asText()).isEqualTo(TEXT_SLOT);
        assertThat(json.get("data")).hasSize(2);
        assertThat(json.get("data").get(1).get("index").asInt()).isEqualTo(1);
        float[] expected = sdembed.slots().textEncoders().get(TEXT_SLOT).embed("a red fox").vector();
        JsonNode vector = json.get("data").get(0).get("embedding");
        assertThat(vector).hasSize(384);
        for (int i = 0; i < expected.length; i++) {
            assertThat((float) vector.get(i).asDouble()).isEqualTo(expected[i]);
        }
        // "a red fox": [CLS] a red fox [SEP] = 5 tokens; "a castle": 4.
        assertThat(json.get("usage").get("prompt_tokens").asInt()).isEqualTo(9);
        assertThat(json.get("usage").get("total_tokens").asInt()).isEqualTo(9);

        JsonNode byModelName = http.postJson("/v1/embeddings", "{\"input\": \"a red fox\", \"model\":"
                + " \"bge-small-en-v1.5\", \"encoding_format\": \"base64\"}").json();
        byte[] raw = Base64.getDecoder().decode(byModelName.get("data").get(0).get("embedding").asText());
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(raw).hasSize(384 * 4);
        assertThat(b.getFloat(0)).isEqualTo(expected[0]);
    }

    @Test
    void badEmbeddingRequestsAreRefused() {
        assertError(http.postJson("/v1/embeddings", "{\"model\": \"prompt_bge\"}"), 400, "\"input\" is missing");
        assertError(http.postJson("/v1/embeddings", "{\"input\": [1, 2, 3]}"), 400, "token arrays are not accepted");
        assertError(http.postJson("/v1/embeddings", "{\"input\": []}"), 400, "empty array");
        assertError(http.postJson("/v1/embeddings", "{\"input\": \"x\", \"model\": \"gpt-4\"}"), 404,
                "model 'gpt-4' is neither a text slot");
        assertError(http.postJson("/v1/embeddings", "{\"input\": \"x\", \"model\": \"image_clip\"}"), 400,
                "POST /api/embed/image embeds images");
        assertError(http.postJson("/v1/embeddings", "{\"input\": \"x\", \"dimensions\": 256}"), 400,
                "makes 384-d embeddings");
        assertError(http.postJson("/v1/embeddings", "{not json"), 400, "the body is not JSON");
        assertError(http.postJson("/v1/embeddings", "{\"input\": \"x\", \"temperature\": 1}"), 400,
                "unknown field 'temperature'");
        assertError(http.get("/v1/embeddings"), 404, "Endpoint GET /v1/embeddings not found");
    }

    @Test
    void anUploadedImageIsEmbeddedByTheImageSlot() throws IOException {
        Path file = ServerFixture.file("a/img-1.png");
        JsonNode json = http.postFile("/api/embed/image", "a.png", Files.readAllBytes(file)).json();
        assertThat(json.get("slot").asText()).isEqualTo(IMAGE_SLOT);
        float[] expected = sdembed.slots().imageEncoders().get(IMAGE_SLOT).embedFile(file).vector();
        assertThat(json.get("embedding")).hasSize(expected.length);
        assertThat((float) json.get("embedding").get(0).asDouble()).isEqualTo(expected[0]);
    }

    @Test
    void theWebPageIsServedWithItsScriptAndStyle() {
        Http.Response page = http.get("/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.header("Content-Security-Policy")).contains("script-src 'self'");
        assertThat(page.text()).contains("<script src=\"/static/app.js\">");
        assertThat(http.get("/static/app.js").header("Content-Type")).startsWith("text/javascript");
        assertError(http.get("/static/..%2F..%2Fpom.xml"), 404, "no page file");
        assertThat(http.get("/api/info").header("Access-Control-Allow-Origin")).as("no CORS unless configured").isNull();
    }
}
