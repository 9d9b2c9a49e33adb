package dev.sdembed.store.spi;

import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.DuplicateGroup;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns a store's nearest-neighbour links into {@link dev.sdembed.store.EmbeddingStore#nearDuplicates} groups, so
 * every store groups alike: contents are grouped transitively from the links (union-find with path halving and union
 * by size), then images by the group of their content, each group with its weakest link. Memory grows with the number
 * of linked contents and images, not with the square of anything. One instance per request; not thread-safe.
 */
public final class DuplicateGrouper {
    private final Map<ContentHash, Integer> index = new HashMap<>();
    private int[] parent = new int[1024];
    private int[] size = new int[1024];
    private double[] lowest = new double[1024];
    /** The offered members of the current content, and those kept, with the distinct keys of those given one. */
    private final List<DuplicateGroup.Member> run = new ArrayList<>();
    private final List<DuplicateGroup.Member> kept = new ArrayList<>();
    private final Map<Long, Object> keys = new HashMap<>();

    /** A grouper without links. */
    public DuplicateGrouper() {
    }

    /** Links {@code a} and {@code b}, found similar with {@code similarity}. */
    public void link(ContentHash a, ContentHash b, double similarity) {
        int ra = find(indexOf(a));
        int rb = find(indexOf(b));
        double low = Math.min(similarity, Math.min(lowest[ra], lowest[rb]));
        if (ra != rb) {
            if (size[ra] < size[rb]) {
                int t = ra;
                ra = rb;
                rb = t;
            }
            parent[rb] = ra;
            size[ra] += size[rb];
        }
        lowest[ra] = low;
    }

    /**
     * Takes the next member of a stream in content order (a query sorted by content, then path): a content's members
     * are kept for {@link #groupsOfOffered()} when the content is linked or two members share it, the others dropped,
     * so memory follows the duplicates found, not the library. Offer after every link is made.
     */
    public void offer(DuplicateGroup.Member member) {
        offer(member, null);
    }

    /**
     * {@link #offer(DuplicateGroup.Member)} with the member's key for {@link #distinctGroupsOfOffered()} (its prompt
     * or file hash; null: the member's own), kept only while the member is.
     */
    public void offer(DuplicateGroup.Member member, Object distinctKey) {
        if (!run.isEmpty() && !run.get(0).content().equals(member.content())) {
            keepRun();
        }
        run.add(member);
        if (distinctKey != null) {
            keys.put(member.imageId(), distinctKey);
        }
    }

    /** The groups of the members {@linkplain #offer offered}, as {@link #groups} makes them. */
    public List<DuplicateGroup> groupsOfOffered() {
        keepRun();
        return groups(kept);
    }

    /** {@link #groupsOfOffered()} with one member per key offered in each, as {@link #distinct} keeps them. */
    public List<DuplicateGroup> distinctGroupsOfOffered() {
        return distinct(groupsOfOffered(), m -> keys.get(m.imageId()));
    }

    private void keepRun() {
        if (!run.isEmpty() && (run.size() > 1 || isLinked(run.get(0).content()))) {
            kept.addAll(run);
        } else {
            run.forEach(m -> keys.remove(m.imageId()));
        }
        run.clear();
    }

    /** Whether {@code hash} took part in a link. */
    public boolean isLinked(ContentHash hash) {
        return index.containsKey(hash);
    }

    /**
     * The groups of two or more {@code members}: members are linked when their contents are (transitively) or equal.
     * Largest groups first, members by path.
     */
    public List<DuplicateGroup> groups(Iterable<DuplicateGroup.Member> members) {
        Map<Object, List<DuplicateGroup.Member>> byRoot = new LinkedHashMap<>();
        for (DuplicateGroup.Member m : members) {
            Integer i = index.get(m.content());
            Object key = i == null ? m.content() : (Object) find(i);
            byRoot.computeIfAbsent(key, k -> new ArrayList<>()).add(m);
        }
        List<DuplicateGroup> groups = new ArrayList<>();
        for (Map.Entry<Object, List<DuplicateGroup.Member>> e : byRoot.entrySet()) {
            List<DuplicateGroup.Member> group = e.getValue();
            if (group.size() < 2) {
                continue;
            }
            group.sort(Comparator.comparing(DuplicateGroup.Member::path));
            boolean oneContent = group.stream().map(DuplicateGroup.Member::content).distinct().count() == 1;
            double low = oneContent || !(e.getKey() instanceof Integer root) ? 1.0 : lowest[root];
            groups.add(new DuplicateGroup(group, low));
        }
        groups.sort(GROUP_ORDER);
        return groups;
    }

    /**
     * {@code groups} with one member per {@code key} in each (the first by path), for
     * {@link dev.sdembed.store.SearchFilter#distinct()}: groups left with fewer than two members are dropped, the
     * rest keep their order rules (largest first, members by path). A null key is a member's own.
     */
    public static List<DuplicateGroup> distinct(List<DuplicateGroup> groups, Function<DuplicateGroup.Member, ?> key) {
        List<DuplicateGroup> out = new ArrayList<>();
        for (DuplicateGroup g : groups) {
            Set<Object> seen = new HashSet<>();
            List<DuplicateGroup.Member> kept = new ArrayList<>();
            for (DuplicateGroup.Member m : g.members()) {
                Object k = key.apply(m);
                if (seen.add(k == null ? m : k)) {
                    kept.add(m);
                }
            }
            if (kept.size() >= 2) {
                out.add(kept.size() == g.members().size() ? g : new DuplicateGroup(kept, g.lowestLink()));
            }
        }
        out.sort(GROUP_ORDER);
        return out;
    }

    private static final Comparator<DuplicateGroup> GROUP_ORDER = Comparator
            .comparingInt((DuplicateGroup g) -> -g.members().size()).thenComparing(g -> g.members().get(0).path());

    private int indexOf(ContentHash hash) {
        Integer known = index.get(hash);
        if (known != null) {
            return known;
        }
        int i = index.size();
        if (i == parent.length) {
            parent = Arrays.copyOf(parent, i * 2);
            size = Arrays.copyOf(size, i * 2);
            lowest = Arrays.copyOf(lowest, i * 2);
        }
        parent[i] = i;
        size[i] = 1;
        lowest[i] = 1.0;
        index.put(hash, i);
        return i;
    }

    private int find(int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }
}
