/**
 * Limn's off-heap memory: slab allocator, register files, atomic cells. Its one package is
 * internal to Limn and exported only to the runtime ({@code dev.limn.core}).
 *
 * <p>{@code RegisterFile} reads and writes through Agrona's {@code UnsafeApi}, so the JVM needs
 * {@code --add-exports java.base/jdk.internal.misc=org.agrona} on the module path
 * ({@code =ALL-UNNAMED} on the class path). The slab allocator's debug mode
 * ({@code limn.slab.debug}) calls a restricted method ({@code MemorySegment.reinterpret}):
 * without {@code --enable-native-access=dev.limn.offheap} it prints a warning.
 */
module dev.limn.offheap {
    requires org.agrona;

    exports dev.limn.offheap to dev.limn.core;
}
