package dev.sdembed.internal;

/**
 * Which throwables raised while one file is read are that file's failure, and which end a bulk run. A reader or
 * decoder that meets an odd file can throw anything (a {@code NullPointerException} deep in a parser, a
 * {@code StackOverflowError} from a nested structure, an {@code AssertionError}); that file fails with the reason
 * and the others go on. Errors that say the JVM or the installation is broken are not the file's:
 *
 * <ul>
 *   <li>{@link OutOfMemoryError}, {@link InternalError}, {@link UnknownError} (the other
 *       {@link VirtualMachineError}s): every thread of the process may have been hit, the batches in flight, the
 *       encoders and the store connection included, and the cause is rarely the one file (images over the pixel
 *       limit are refused from their header before a pixel is allocated). Recording files as failed while memory
 *       is short would fail file after file, and failed files are not retried by later runs.</li>
 *   <li>{@link LinkageError} ({@code NoClassDefFoundError}, {@code ExceptionInInitializerError},
 *       {@code UnsatisfiedLinkError}): a class or native library is missing or failed to initialise, so every later
 *       file would fail the same way and be recorded as failed.</li>
 *   <li>{@code ThreadDeath}: the thread is being stopped.</li>
 * </ul>
 *
 * {@link StackOverflowError} is a {@code VirtualMachineError} but the file's: by the time it is caught the stack has
 * unwound, and the cause is the depth of one file's structure.
 */
public final class PerFileErrors {
    private PerFileErrors() {
    }

    /** Whether {@code t}, thrown while one file was read, fails only that file. */
    @SuppressWarnings("deprecation") // ThreadDeath: deprecated for removal, still thrown by Thread.stop on JDK 17
    public static boolean isTheFilesFault(Throwable t) {
        if (t instanceof StackOverflowError) {
            return true;
        }
        return !(t instanceof VirtualMachineError || t instanceof LinkageError || t instanceof ThreadDeath);
    }
}
