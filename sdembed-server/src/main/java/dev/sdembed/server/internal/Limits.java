package dev.sdembed.server.internal;

/**
 * What one request may ask of the server.
 *
 * @param maxBodyBytes  request bodies (uploads, JSON) larger than this are refused with 413
 * @param maxTextLength characters of one search text or one input of {@code /v1/embeddings}
 * @param maxPixels     pixels an uploaded image may declare (413 beyond); stored images thumbnail up to the same
 * @param maxPage       hits or groups per page ({@code k}, {@code limit})
 * @param maxInputs     texts in one {@code /v1/embeddings} request
 * @param maxInFlight   requests worked on at once; more are answered 503 with {@code Retry-After}
 */
public record Limits(long maxBodyBytes, int maxTextLength, long maxPixels, int maxPage, int maxInputs,
                     int maxInFlight) {
}
