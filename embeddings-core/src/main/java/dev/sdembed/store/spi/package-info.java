/**
 * For implementors of {@link dev.sdembed.store.EmbeddingStore}: what every store does the same way, so that stores
 * accept, refuse and answer alike and a new one is mostly its SQL. Applications that only use a store do not need
 * this package.
 *
 * <ul>
 *   <li>{@link dev.sdembed.store.spi.StoreChecks}: input checks to run before any SQL (slots, hashes, vectors, a
 *       batch's contents), with the messages the contract tests expect.</li>
 *   <li>{@link dev.sdembed.store.spi.SlotReconciliation}: what opening a store does with a configured slot (create it,
 *       keep it, take a new model with the old embeddings stale, or refuse another shape), with one set of messages.
 *       </li>
 *   <li>{@link dev.sdembed.store.spi.ResolvedSearch}: a search request checked and its query embedded.</li>
 *   <li>{@link dev.sdembed.store.spi.DuplicateGrouper}: near-duplicate groups from nearest-neighbour links.</li>
 *   <li>{@link dev.sdembed.store.spi.ParametersJson}: generation parameters in the JSON form stores keep.</li>
 *   <li>{@link dev.sdembed.store.spi.SqlFailures}: the SQL failures inside a failure, for reporting the first real
 *       cause.</li>
 * </ul>
 *
 * <p>Stable and documented like {@link dev.sdembed.store}, unlike the {@code internal} packages: a store outside this
 * project may use it. The contract test suite ({@code EmbeddingStoreContract} in core's test-jar) checks a store
 * built on it.
 */
package dev.sdembed.store.spi;
