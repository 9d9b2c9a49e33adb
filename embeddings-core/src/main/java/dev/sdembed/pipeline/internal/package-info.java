/** Internals of the bulk pipeline: the streamed file walk and the per-batch work. Not API. */
package dev.sdembed.pipeline.internal;
