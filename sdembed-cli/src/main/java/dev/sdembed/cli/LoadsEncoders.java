package dev.sdembed.cli;

/**
 * A command that loads encoders whenever it runs: {@link SdembedCommand#main} starts loading the native libraries
 * they need ({@link dev.sdembed.runtime.Sdembed#preloadNativeLibraries}) beside the command's own start.
 */
interface LoadsEncoders {
}
