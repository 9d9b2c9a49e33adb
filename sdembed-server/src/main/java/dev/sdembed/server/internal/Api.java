package dev.sdembed.server.internal;

import dev.sdembed.ImageDecodeException;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.ImageEncoder;
import dev.sdembed.encoder.Modality;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.runtime.Duplicates;
import dev.sdembed.runtime.JsonViews;
import dev.sdembed.runtime.QuerySlots;
import dev.sdembed.runtime.Sdembed;
import dev.sdembed.runtime.SdembedVersion;
import dev.sdembed.store.DuplicateGroup;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.ImageStatus;
import dev.sdembed.store.NearDuplicateRequest;
import dev.sdembed.store.PixelDuplicateRequest;
import dev.sdembed.store.SearchFilter;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SearchQuery;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.StoreStats;
import dev.sdembed.store.StoredImage;
import dev.sdembed.store.TextRole;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON API's routes: each parses its parameters ({@link SearchParams}), calls the SDK and maps the answer to
 * JSON. The slot choices are the command line's ({@link QuerySlots}), so both answer alike.
 */
public final class Api {
    /** The deepest rank a search or similar page reaches: the store's largest k. */
    public static final int MAX_END = SearchRequest.MAX_K;
    private static final Set<String> SEARCH_PARAMS = Set.of("text", "mode", "slot");
    private static final Set<String> SIMILAR_PARAMS = Set.of("slot", "imageId");
    private static final Set<String> DUPLICATE_PARAMS = Set.of("by", "threshold", "neighbours", "slot", "maxDistance");
    private static final List<String> MODES = List.of("prompt", "negative", "image");
    private static final List<String> DUPLICATE_KINDS = java.util.Arrays.stream(Duplicates.By.values())
            .map(Duplicates.By::id).toList();

    private final Sdembed sdembed;
    private final EmbeddingStore store;
    private final QuerySlots slots;
    private final Limits limits;
    private final HitViews views;
    private final EncoderGate gate;
    private final Thumbnails thumbnails;
    private final Uploads uploads;
    private final QueryCache<String, Embedding> queryVectors = new QueryCache<>(512, Long.MAX_VALUE);
    private final QueryCache<String, Duplicates.Result> duplicateGroups = new QueryCache<>(8, 60_000);

    public Api(Sdembed sdembed, Limits limits, EncoderGate gate, Thumbnails thumbnails, Uploads uploads) {
        this.sdembed = sdembed;
        this.store = sdembed.store();
        this.slots = new QuerySlots(sdembed.slots());
        this.limits = limits;
        this.views = new HitViews(store);
        this.gate = gate;
        this.thumbnails = thumbnails;
        this.uploads = uploads;
    }

    // ------------------------------------------------------------------------------------------ info and stats

    public void health(Context ctx) {
        ctx.json(Map.of("status", "ok"));
    }

    public void info(Context ctx) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", SdembedVersion.current().toString());
        List<Map<String, Object>> slotList = new ArrayList<>();
        for (SlotSpec s : slots.specs()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("name", s.name());
            x.put("modality", s.modality().name().toLowerCase(java.util.Locale.ROOT));
            x.put("dimension", s.dimension());
            x.put("model", s.encoderName());
            x.put("device", device(s));
            x.put("embeddingSpace", s.embeddingSpace());
            x.put("fingerprint", s.fingerprint());
            slotList.add(x);
        }
        m.put("slots", slotList);
        m.put("store", Map.of("kind", sdembed.storeLocation().isEmbedded() ? "embedded" : "postgresql"));
        StoreStats stats = store.stats();
        m.put("counts", Map.of("images", stats.images(), "failedImages", stats.failedImages(),
                "textContents", stats.textContents(), "imageContents", stats.imageContents()));
        List<String> modes = new ArrayList<>();
        if (slots.slot(null, Modality.TEXT).isPresent()) {
            modes.add("prompt");
            modes.add("negative");
        }
        if (slots.hasTextToImage()) {
            modes.add("image");
        }
        m.put("searchModes", modes);
        m.put("similarBy", slots.imageSlot().isPresent() ? "pixels" : "prompt");
        m.put("imageUpload", slots.imageSlot().isPresent() || slots.slot(null, Modality.TEXT).isPresent());
        m.put("duplicatesBy", duplicateKinds());
        m.put("duplicatesDefault", Duplicates.DEFAULT.id());
        m.put("filters", SearchParams.filters());
        m.put("limits", Map.of("maxPage", limits.maxPage(), "maxRank", MAX_END, "maxTextLength",
                limits.maxTextLength(), "maxBodyBytes", limits.maxBodyBytes(), "maxPixels", limits.maxPixels(),
                "maxInputs", limits.maxInputs(), "thumbnailSizes", Thumbnails.SIZES));
        ctx.json(m);
    }

    public void stats(Context ctx) {
        ctx.json(JsonViews.stats(store.stats()));
    }

    // ------------------------------------------------------------------------------------------ search

    public void search(Context ctx) {
        SearchParams p = new SearchParams(ctx.queryParamMap(), SEARCH_PARAMS);
        String text = p.text("text", limits.maxTextLength());
        if (text == null) {
            throw ApiException.badRequest("parameter 'text' is missing: what to search for");
        }
        String mode = p.choice("mode", "prompt", MODES);
        String slotName = p.text("slot", 64);
        SearchFilter filter = p.filter();
        SearchParams.Page page = p.page(limits.maxPage(), MAX_END);
        SlotSpec query;
        SlotSpec target;
        if (mode.equals("image")) {
            QuerySlots.Pair pair = slots.textToImage(slotName, "mode=image");
            query = pair.text();
            target = pair.image();
        } else {
            query = slots.textSlot(slotName, "mode=" + mode);
            target = query;
        }
        Embedding vector = queryVector(query, text);
        SearchRequest.Builder request = SearchRequest.builder(SearchQuery.vector(query.name(), vector))
                .target(target.name()).role(mode.equals("negative") ? TextRole.NEGATIVE : TextRole.PROMPT)
                .filter(filter);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text", text);
        m.put("mode", mode);
        m.put("slot", target.name());
        page(m, request, page);
        ctx.json(m);
    }

    /** {@code GET /api/images/{id}/similar}. */
    public void similar(Context ctx) {
        StoredImage image = image(ctx);
        SearchParams p = new SearchParams(ctx.queryParamMap(), SIMILAR_PARAMS);
        respondLike(ctx, p, SearchQueryFor.stored(image.id()), null);
    }

    /** {@code POST /api/search/image}: a multipart upload ({@code file}) or a stored {@code imageId}. */
    public void searchByImage(Context ctx) {
        SearchParams p = new SearchParams(ctx.queryParamMap(), SIMILAR_PARAMS);
        String formId = ctx.isMultipartFormData() ? ctx.formParam("imageId") : null;
        String queryId = p.text("imageId", 20);
        if (formId != null && queryId != null) {
            throw ApiException.badRequest("imageId is given both in the query and in the form; give it once");
        }
        String id = formId != null ? formId : queryId;
        boolean hasFile = Uploads.hasFile(ctx);
        if (id != null && hasFile) {
            throw ApiException.badRequest("send either an image file (part 'file') or a stored imageId, not both");
        }
        if (id != null) {
            respondLike(ctx, p, SearchQueryFor.stored(image(parseId(id)).id()), null);
            return;
        }
        try (Uploads.Upload upload = uploads.receive(ctx)) {
            respondLike(ctx, p, SearchQueryFor.file(upload), upload);
        }
    }

    private interface SearchQueryFor {
        SearchQuery query(SlotSpec slot, QuerySlots slots);

        static SearchQueryFor stored(long id) {
            return (slot, s) -> SearchQuery.storedImage(slot.name(), id);
        }

        static SearchQueryFor file(Uploads.Upload upload) {
            String shown = upload.name() == null || upload.name().isBlank() ? "(upload)" : "'" + upload.name() + "'";
            return (slot, s) -> s.likeFile(slot, upload.file(), shown);
        }
    }

    private void respondLike(Context ctx, SearchParams p, SearchQueryFor source, Uploads.Upload upload) {
        SlotSpec slot = slots.comparedSlot(p.text("slot", 64), "similar");
        SearchFilter filter = p.filter();
        SearchParams.Page page = p.page(limits.maxPage(), MAX_END);
        SearchQuery query;
        try {
            query = gate.run(slot.name(), () -> {
                SearchQuery q = source.query(slot, slots);
                // Embed a new file now, under the gate, rather than inside the store's search.
                if (q instanceof SearchQuery.ByImageFile f) {
                    return SearchQuery.vector(slot.name(), f.encoder().embedFile(f.file()));
                }
                return q;
            });
        } catch (ImageDecodeException e) {
            throw ApiException.badRequest("the upload cannot be decoded: " + Uploads.reason(e, upload.file()));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("by", slot.modality() == Modality.IMAGE ? "pixels" : "prompt");
        m.put("slot", slot.name());
        page(m, SearchRequest.builder(query).filter(filter), page);
        ctx.json(m);
    }

    /** Runs {@code request} deep enough for the page (one more to know whether a next page exists) and maps it. */
    private void page(Map<String, Object> m, SearchRequest.Builder request, SearchParams.Page page) {
        List<SearchHit> all = store.search(request.k(Math.min(page.end() + 1, MAX_END)).build());
        List<SearchHit> hits = all.subList(Math.min(page.offset(), all.size()), Math.min(page.end(), all.size()));
        m.put("offset", page.offset());
        m.put("k", page.k());
        m.put("nextOffset", page.next(hits.size(), all.size(), MAX_END));
        m.put("hits", views.hits(hits, page.offset() + 1));
    }

    private Embedding queryVector(SlotSpec slot, String text) {
        return queryVectors.get(slot.name() + '\0' + text, () -> gate.run(slot.name(),
                () -> sdembed.slots().textEncoders().get(slot.name()).embedQuery(text)));
    }

    // ------------------------------------------------------------------------------------------ images

    public void imageRecord(Context ctx) {
        ctx.json(views.image(image(ctx)));
    }

    public void thumbnail(Context ctx) {
        StoredImage image = indexedImage(ctx);
        SearchParams p = new SearchParams(ctx.queryParamMap(), Set.of("size"));
        int size = p.integer("size", Thumbnails.DEFAULT_SIZE, 1, 4096);
        if (!Thumbnails.SIZES.contains(size)) {
            throw ApiException.badRequest("parameter 'size' is " + size + "; expected one of " + Thumbnails.SIZES);
        }
        Path file = fileOnDisk(image);
        String etag = "\"" + image.record().imageHash().hex() + "-" + size + "\"";
        if (etag.equals(ctx.header("If-None-Match"))) {
            ctx.status(304);
            return;
        }
        byte[] jpeg;
        try {
            jpeg = thumbnails.thumbnail(image, file, size);
        } catch (ImageDecodeException e) {
            throw new ApiException(422, "image " + image.id() + " cannot be decoded for a thumbnail: "
                    + e.getMessage());
        }
        ctx.header("ETag", etag).header("Cache-Control", "private, max-age=86400").contentType("image/jpeg")
                .result(jpeg);
    }

    public void file(Context ctx) {
        StoredImage image = indexedImage(ctx);
        Path file = fileOnDisk(image);
        String type;
        try {
            type = switch (dev.sdembed.image.ImageDecoder.defaults().readHeader(file).format()) {
                case PNG -> "image/png";
                case JPEG -> "image/jpeg";
                case WEBP -> "image/webp";
            };
        } catch (ImageDecodeException e) {
            type = "application/octet-stream";
        }
        InputStream in;
        long size;
        try {
            size = Files.size(file);
            in = Files.newInputStream(file);
        } catch (IOException e) {
            throw ApiException.notFound("image " + image.id() + "'s file cannot be read: " + e.getMessage());
        }
        Path name = file.getFileName();
        ctx.header("Content-Disposition", "inline; filename=\"" + asciiName(name == null ? "image" : name.toString())
                + "\"").header("Content-Length", Long.toString(size)).header("X-Content-Type-Options", "nosniff")
                .header("Cache-Control", "private, max-age=3600").contentType(type).result(in);
    }

    private StoredImage image(Context ctx) {
        return image(parseId(ctx.pathParam("id")));
    }

    private StoredImage image(long id) {
        return store.findImage(id).orElseThrow(() -> ApiException.notFound("no image with id " + id + " in the store"));
    }

    private StoredImage indexedImage(Context ctx) {
        StoredImage image = image(ctx);
        if (image.record().status() != ImageStatus.OK) {
            throw ApiException.notFound("image " + image.id() + " failed to index (" + image.record().error()
                    + "); only indexed images are served");
        }
        return image;
    }

    /** The stored path, which must still be a regular file: no request ever names a path itself. */
    private static Path fileOnDisk(StoredImage image) {
        Path file = Path.of(image.path());
        if (!Files.isRegularFile(file)) {
            throw ApiException.notFound("image " + image.id() + "'s file " + image.path() + " is no longer on disk");
        }
        return file;
    }

    private static long parseId(String raw) {
        try {
            long id = Long.parseLong(raw.trim());
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.badRequest("image id '" + raw + "' is not an id; ids are positive whole numbers");
    }

    private static String asciiName(String name) {
        StringBuilder b = new StringBuilder();
        for (char c : name.toCharArray()) {
            b.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '_');
        }
        return b.toString();
    }

    // ------------------------------------------------------------------------------------------ duplicates

    public void duplicates(Context ctx) {
        SearchParams p = new SearchParams(ctx.queryParamMap(), DUPLICATE_PARAMS);
        Duplicates.By by = Duplicates.By.of(p.choice("by", Duplicates.DEFAULT.id(), DUPLICATE_KINDS));
        boolean embeddings = by == Duplicates.By.IMAGE || by == Duplicates.By.PROMPT;
        for (String name : embeddings ? List.of("maxDistance") : List.of("threshold", "neighbours", "slot")) {
            if (p.text(name, 64) != null) {
                throw ApiException.badRequest("parameter '" + name + "' does not apply to by=" + by.id() + "; "
                        + (embeddings ? "maxDistance is for by=pixels"
                        : "threshold, neighbours and slot are for by=image and by=prompt"));
            }
        }
        double threshold = p.number("threshold", NearDuplicateRequest.DEFAULT_THRESHOLD, 0, 1);
        int neighbours = p.integer("neighbours", NearDuplicateRequest.DEFAULT_NEIGHBOURS, 1, 100);
        int maxDistance = p.integer("maxDistance", PixelDuplicateRequest.DEFAULT_MAX_DISTANCE, 0,
                PixelDuplicateRequest.MAX_DISTANCE);
        String slotName = p.text("slot", 64);
        SearchFilter filter = p.filter();
        SearchParams.Page page = p.page(limits.maxPage(), Integer.MAX_VALUE);
        if (by == Duplicates.By.IMAGE && slots.imageSlot().isEmpty()) {
            throw ApiException.badRequest("by=image needs an image slot (a CLIP vision model in --config); by=pixels"
                    + " finds the same picture without one");
        }
        Duplicates.Request request = new Duplicates.Request(by, slotName, threshold, neighbours, maxDistance, filter);
        Duplicates.Result result = duplicateGroups.get(String.join("\0", by.id(), String.valueOf(slotName),
                String.valueOf(threshold), String.valueOf(neighbours), String.valueOf(maxDistance), filter.toString()),
                () -> Duplicates.find(store, slots, request));
        List<DuplicateGroup> groups = result.groups();
        List<Map<String, Object>> shown = groups.subList(Math.min(page.offset(), groups.size()),
                Math.min(page.end(), groups.size())).stream().map(HitViews::group).toList();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("by", by.id());
        m.put("description", result.description());
        m.put("slot", result.slot() == null ? null : result.slot().name());
        if (embeddings) {
            m.put("threshold", threshold);
        }
        if (by == Duplicates.By.PIXELS) {
            m.put("maxDistance", maxDistance);
            m.put("imagesWithoutPixelHash", result.imagesWithoutPixelHash());
        }
        m.put("totalGroups", groups.size());
        m.put("offset", page.offset());
        m.put("k", page.k());
        m.put("nextOffset", page.end() < groups.size() ? page.end() : null);
        m.put("groups", shown);
        ctx.json(m);
    }

    private List<String> duplicateKinds() {
        return Duplicates.available(slots).stream().map(Duplicates.By::id).toList();
    }

    // ------------------------------------------------------------------------------------------ embeddings

    /** {@code POST /api/embed/image}: the upload's embedding in an image slot ({@code slot}, else the first). */
    public void embedImage(Context ctx) {
        SearchParams p = new SearchParams(ctx.queryParamMap(), Set.of("slot"));
        SlotSpec slot = slots.slot(p.text("slot", 64), Modality.IMAGE).orElseThrow(() -> ApiException.badRequest(
                "no image slot is configured (a CLIP vision model in --config), so images cannot be embedded"));
        ImageEncoder encoder = sdembed.slots().imageEncoders().get(slot.name());
        try (Uploads.Upload upload = uploads.receive(ctx)) {
            Embedding e;
            try {
                e = gate.run(slot.name(), () -> encoder.embedFile(upload.file()));
            } catch (ImageDecodeException x) {
                throw ApiException.badRequest("the upload cannot be decoded: " + Uploads.reason(x, upload.file()));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("object", "embedding");
            m.put("slot", slot.name());
            m.put("model", slot.encoderName());
            m.put("dimension", e.dimension());
            m.put("embedding", e.vector());
            ctx.json(m);
        }
    }

    /** The text slot a {@code model} names (a slot name or its model's name); the first text slot for null. */
    SlotSpec textSlotForModel(String model) {
        if (model == null) {
            return slots.textSlot(null, "/v1/embeddings");
        }
        for (SlotSpec s : slots.specs()) {
            if (s.name().equals(model) || s.encoderName().equals(model)) {
                if (s.modality() != Modality.TEXT) {
                    throw ApiException.badRequest("model '" + model + "' is the image slot " + s.name()
                            + "; POST /api/embed/image embeds images");
                }
                return s;
            }
        }
        throw ApiException.notFound("model '" + model + "' is neither a text slot nor a text slot's model; known: "
                + slots.specs().stream().filter(s -> s.modality() == Modality.TEXT)
                .map(s -> s.name() + " (" + s.encoderName() + ")").toList());
    }

    TextEncoder textEncoder(SlotSpec slot) {
        return sdembed.slots().textEncoders().get(slot.name());
    }

    EncoderGate gate() {
        return gate;
    }

    Limits limits() {
        return limits;
    }

    private String device(SlotSpec s) {
        var text = sdembed.slots().textEncoders().get(s.name());
        var enc = text != null ? text : sdembed.slots().imageEncoders().get(s.name());
        return enc == null ? null : enc.device().toString();
    }
}
