/**
 * sdembed: embeddings for libraries of Stable Diffusion images. This package holds the exception hierarchy and
 * {@link dev.sdembed.Checks}, the range check every module's settings go through;
 * {@link dev.sdembed.encoder} the encoder SPI and embedding values.
 */
package dev.sdembed;
