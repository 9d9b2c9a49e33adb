package dev.sdembed.onnx.internal.graph;

/** A graph does not have the shape a rewrite expects; the message says where. Never escapes this package. */
final class PatternMismatch extends Exception {
    PatternMismatch(String message) {
        super(message, null, false, false);
    }
}
