/** The encoder SPI ({@link dev.sdembed.encoder.TextEncoder}, {@link dev.sdembed.encoder.ImageEncoder}) and values. */
package dev.sdembed.encoder;
