package dev.limn.vm;

/**
 * A function the host defined: Java code that a program calls by name. The host's names are
 * the top level's parameters, so a host function is a value like a closure, and {@code CALL}
 * runs it ({@link HostCalls}).
 *
 * <p>A plain host function runs on the task's thread, like a builtin. A {@link #blocking} one
 * may block: it runs on a virtual thread while its task is parked (SPEC §5), so that it never
 * holds a carrier.
 */
public abstract class HostFn {
    final String name;
    final boolean blocking;

    protected HostFn(String name, boolean blocking) {
        this.name = name;
        this.blocking = blocking;
    }

    /**
     * Calls the Java function with {@code args} in the VM's value form and returns its result
     * in that form. Whatever it throws becomes a HostError at the call.
     */
    public abstract Object call(Object[] args) throws Exception;

    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "<host fn " + name + ">";
    }
}
