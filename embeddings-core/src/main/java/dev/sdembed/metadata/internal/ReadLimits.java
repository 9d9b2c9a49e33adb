package dev.sdembed.metadata.internal;

/**
 * Bounds on what one read may cost. {@code maxGraphVisits} caps the node visits of all ComfyUI graph walks of one
 * file, so a graph built to make path enumeration explode still finishes quickly.
 */
public record ReadLimits(int maxTextBytes, int maxJsonDepth, boolean stealthPngInfo) {

    /** Node visits allowed per file across all graph walks. */
    public static final int MAX_GRAPH_VISITS = 100_000;

    /** ComfyUI graphs with more nodes are not walked. */
    public static final int MAX_GRAPH_NODES = 20_000;
}
