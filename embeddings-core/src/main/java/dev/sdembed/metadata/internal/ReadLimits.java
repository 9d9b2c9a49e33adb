package dev.sdembed.metadata.internal;

/**
 * Bounds on what one read may cost. {@code maxGraphVisits} caps the node visits of all ComfyUI graph walks of one
 * file, so a graph built to make path enumeration explode still finishes quickly.
 */
public record ReadLimits(int maxTextBytes, int maxJsonDepth, boolean stealthPngInfo) {

    /** Node visits allowed per file across all graph walks. */
    public static final int MAX_GRAPH_VISITS = 100_000;

    /**
     * Longest chain of linked nodes a graph walk follows. Each step is a recursive call, so this bounds the stack a
     * walk uses (well under a 256 KB thread stack); real graphs chain a few dozen nodes at most.
     */
    public static final int MAX_GRAPH_DEPTH = 256;

    /** ComfyUI graphs with more nodes are not walked. */
    public static final int MAX_GRAPH_NODES = 20_000;
}
