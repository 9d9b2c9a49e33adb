/**
 * Generation-metadata reading: {@link dev.sdembed.metadata.MetadataReader} turns an image file into a
 * {@link dev.sdembed.metadata.GenerationMetadata} record (generator, prompt, negative prompt, sampling settings);
 * {@link dev.sdembed.metadata.MetadataReaders#standard()} handles PNG, JPEG and WebP from A1111/Forge, ComfyUI,
 * NovelAI, InvokeAI, SwarmUI, Fooocus and others.
 */
package dev.sdembed.metadata;
