package dev.sdembed.server.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A small least-recently-used cache of answers that are costly to compute and asked again (a query's vector while a
 * user pages through its hits; a duplicate scan while they review its groups), each kept at most {@code maxAgeMs}.
 * Two threads missing the same key both compute it; the answers are equal.
 */
final class QueryCache<K, V> {
    private record Entry<V>(V value, long at) {
    }

    private final int capacity;
    private final long maxAgeMs;
    private final Map<K, Entry<V>> entries;

    QueryCache(int capacity, long maxAgeMs) {
        this.capacity = capacity;
        this.maxAgeMs = maxAgeMs;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, Entry<V>> eldest) {
                return size() > QueryCache.this.capacity;
            }
        };
    }

    V get(K key, Supplier<V> compute) {
        long now = System.currentTimeMillis();
        synchronized (entries) {
            Entry<V> e = entries.get(key);
            if (e != null && now - e.at() <= maxAgeMs) {
                return e.value();
            }
        }
        V value = compute.get();
        synchronized (entries) {
            entries.put(key, new Entry<>(value, now));
        }
        return value;
    }
}
