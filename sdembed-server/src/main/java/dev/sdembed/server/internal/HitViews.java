package dev.sdembed.server.internal;

import dev.sdembed.hash.ContentHash;
import dev.sdembed.runtime.JsonViews;
import dev.sdembed.store.DuplicateGroup;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.ImageRecord;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.StoredImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Hits, images and duplicate groups as the API's JSON: a hit as the command line's {@code --json} prints it
 * ({@link JsonViews#hit}) plus the image's negative prompt and size, read for a whole page in two store round trips
 * (the records by path, then their negative prompts by hash).
 */
final class HitViews {
    private final EmbeddingStore store;

    HitViews(EmbeddingStore store) {
        this.store = store;
    }

    /** The hits of one page, ranked from {@code firstRank}. */
    List<Map<String, Object>> hits(List<SearchHit> hits, int firstRank) {
        Map<String, StoredImage> records = store.findImages(hits.stream().map(SearchHit::path).distinct().toList());
        Map<ContentHash, String> negatives = store.texts(records.values().stream()
                .map(s -> s.record().negativeHash()).filter(Objects::nonNull).distinct().toList());
        List<Map<String, Object>> out = new ArrayList<>(hits.size());
        for (int i = 0; i < hits.size(); i++) {
            SearchHit h = hits.get(i);
            Map<String, Object> m = JsonViews.hit(firstRank + i, h);
            StoredImage s = records.get(h.path());
            ImageRecord r = s == null ? null : s.record();
            m.put("negativePrompt", r == null || r.negativeHash() == null ? null : negatives.get(r.negativeHash()));
            m.put("width", r == null ? 0 : r.width());
            m.put("height", r == null ? 0 : r.height());
            out.add(m);
        }
        return out;
    }

    /** One image with everything the store knows of it. */
    Map<String, Object> image(StoredImage image) {
        ImageRecord r = image.record();
        Set<ContentHash> hashes = new LinkedHashSet<>();
        if (r.promptHash() != null) {
            hashes.add(r.promptHash());
        }
        if (r.negativeHash() != null) {
            hashes.add(r.negativeHash());
        }
        Map<ContentHash, String> texts = hashes.isEmpty() ? Map.of() : store.texts(hashes);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("imageId", image.id());
        m.put("path", r.path());
        Path name = Path.of(r.path()).getFileName();
        m.put("fileName", name == null ? r.path() : name.toString());
        m.put("status", r.status().name().toLowerCase(java.util.Locale.ROOT));
        m.put("error", r.error());
        m.put("generator", r.generator());
        m.put("model", r.modelName());
        m.put("prompt", r.promptHash() == null ? null : texts.get(r.promptHash()));
        m.put("negativePrompt", r.negativeHash() == null ? null : texts.get(r.negativeHash()));
        m.put("width", r.width());
        m.put("height", r.height());
        m.put("parameters", r.parameters());
        m.put("fileSize", r.fileSize());
        m.put("modifiedAt", r.modifiedAt().toString());
        m.put("imageHash", r.imageHash() == null ? null : r.imageHash().hex());
        m.put("thumbnail", "/api/images/" + image.id() + "/thumbnail");
        m.put("file", "/api/images/" + image.id() + "/file");
        return m;
    }

    /** A group as the command line prints it, plus each member's id and path. */
    static Map<String, Object> group(DuplicateGroup g) {
        Map<String, Object> m = JsonViews.group(g);
        List<Map<String, Object>> members = new ArrayList<>();
        for (DuplicateGroup.Member member : g.members()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("imageId", member.imageId());
            x.put("path", member.path());
            members.add(x);
        }
        m.put("members", members);
        return m;
    }
}
