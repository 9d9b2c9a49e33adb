/**
 * Code shared by the store implementations (validation before any SQL, query resolution, duplicate grouping,
 * JSON for generation parameters). Not API: it may change at any time.
 */
package dev.sdembed.store.internal;
