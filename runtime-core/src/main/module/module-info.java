/**
 * Limn: the embedding API ({@code dev.limn.api}), the only package this module exports, over
 * the compiler, the VM, the scheduler and the {@code limn} command line, which are internal.
 *
 * <p>A host on the module path {@code requires dev.limn.core} and runs with
 * {@code --add-exports java.base/jdk.internal.misc=org.agrona}: the registers are read and
 * written through Agrona's {@code UnsafeApi}, which needs {@code jdk.internal.misc.Unsafe}
 * (on the class path the flag ends in {@code =ALL-UNNAMED}; {@code LimnRuntime.requiredJvmFlags()}
 * names the one that applies).
 */
module dev.limn.core {
    requires dev.limn.offheap;
    // Agrona, OpenHFT affinity (and through it JNA) have no module descriptor: automatic modules.
    // affinity declares no Automatic-Module-Name either, so its name comes from its file name
    // (affinity-VERSION.jar); all three are resolved together, as automatic modules are.
    requires org.agrona;
    requires org.jctools.core;
    requires affinity;
    requires info.picocli;
    // Remote channels (dev.limn.remote): the client and the embedded media driver (automatic modules).
    requires io.aeron.client;
    requires io.aeron.driver;
    // OpenHFT affinity logs through SLF4J but, as an automatic module, cannot require it; the
    // SLF4J provider (slf4j-nop) is found as a service of org.slf4j.
    requires org.slf4j;
    // JCTools' queues use sun.misc.Unsafe; JCTools requires jdk.unsupported only statically.
    requires jdk.unsupported;
    // The flight recorder events (dev.limn.sched.events) and limn run --jfr's recording.
    requires jdk.jfr;

    exports dev.limn.api;
}
