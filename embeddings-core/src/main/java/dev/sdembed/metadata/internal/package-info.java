/**
 * Implementation of the standard metadata reader: containers (PNG, JPEG, WebP through metadata-extractor) are turned
 * into keyword/text entries, which format parsers turn into records. Not API: may change at any time.
 */
package dev.sdembed.metadata.internal;
