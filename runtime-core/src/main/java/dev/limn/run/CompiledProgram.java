package dev.limn.run;

/** A program that compiled without errors, ready to run any number of times. */
public interface CompiledProgram {
    /** The file name as given to {@link Limn#compile}. */
    String name();
}
