/**
 * A Hugging Face Hub client for fetching model files: {@link dev.sdembed.hub.HubClient} downloads the wanted files
 * of a repository, all from one commit, into the standard huggingface_hub cache (shared with Python tools), and
 * returns them as a {@link dev.sdembed.hub.HubSnapshot}. Depends on the JDK's {@code java.net.http}, Jackson and the
 * SLF4J API only.
 */
package dev.sdembed.hub;
