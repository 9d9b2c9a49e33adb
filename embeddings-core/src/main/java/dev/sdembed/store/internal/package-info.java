/**
 * Checks the store's value types run on themselves. Not API: it may change at any time. What store implementations
 * share is in {@link dev.sdembed.store.spi}.
 */
package dev.sdembed.store.internal;
