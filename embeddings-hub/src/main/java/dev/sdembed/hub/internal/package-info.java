/**
 * The Hub client's protocol, cache layout and transfer code. Not API: it may change at any time.
 */
package dev.sdembed.hub.internal;
