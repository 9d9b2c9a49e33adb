/**
 * sdembed: embeddings for libraries of Stable Diffusion images. This package holds the exception hierarchy;
 * {@link dev.sdembed.encoder} the encoder SPI and embedding values.
 */
package dev.sdembed;
