package dev.limn.run;

import dev.limn.lang.Ast;
import dev.limn.lang.CompileException;
import dev.limn.lang.Compiler;
import dev.limn.lang.Parser;
import dev.limn.lang.Resolver;
import dev.limn.sched.DeadlockException;
import dev.limn.sched.Scheduler;
import dev.limn.text.Diagnostic;
import dev.limn.text.Source;
import dev.limn.text.Span;
import dev.limn.value.ErrorValue;
import dev.limn.vm.Box;
import dev.limn.vm.Closure;
import dev.limn.vm.Disassembler;
import dev.limn.vm.Engine;
import dev.limn.vm.Entry;
import dev.limn.vm.Interpreter;
import dev.limn.vm.ProgramRun;
import dev.limn.vm.Proto;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Whole programs, as the command line runs them: compile a file, run it to its end with its
 * output going to the given streams and get its exit status, list its bytecode. A run gets an
 * engine of its own, or one the caller keeps ({@link #engine}) to read its live counts.
 * Internal to Limn (the module does not export this package): hosts use {@code dev.limn.api}.
 */
public final class Limn {
    private Limn() {}

    /**
     * Compiles {@code text}; {@code displayName} is the file name diagnostics show.
     *
     * @throws CompileException with every compile error of the file
     */
    public static CompiledProgram compile(String displayName, String text) throws CompileException {
        return compile(displayName, text, false);
    }

    /** As {@link #compile(String, String)}; {@code testHooks} enables {@code __suspend()} (tests only). */
    public static CompiledProgram compile(String displayName, String text, boolean testHooks) throws CompileException {
        return compile(displayName, text, testHooks, List.of());
    }

    /** As above; the top level takes the values of {@code hostNames} as its parameters (the embedding API's host functions and globals). */
    public static LimnProgram compile(String displayName, String text, boolean testHooks, List<String> hostNames) throws CompileException {
        Source source = new Source(displayName, text);
        List<Diagnostic> diagnostics = new ArrayList<>();
        Ast.Program program = Parser.parse(source, diagnostics);
        Proto main = null;
        if (program != null) {
            // resolve even after parse errors, so one run reports every error of the file
            try {
                Resolver resolver = new Resolver(source, diagnostics, testHooks);
                resolver.resolve(program, hostNames);
                if (diagnostics.isEmpty()) {
                    main = new Compiler(resolver, source, diagnostics).compileMain(program);
                }
            } catch (StackOverflowError tooDeep) {
                // the parser bounds nesting and chains for a default stack; a smaller one lands here
                diagnostics.add(new Diagnostic(null, "program nested too deep for the stack of this thread", source, Span.NONE));
                main = null;
            }
        }
        if (!diagnostics.isEmpty() || main == null) {
            List<Diagnostic> sorted = new ArrayList<>(diagnostics);
            sorted.sort(Comparator.comparingInt((Diagnostic d) -> d.span() == null ? 0 : d.span().line())
                    .thenComparingInt(d -> d.span() == null ? 0 : d.span().col()));
            throw new CompileException(sorted);
        }
        return new LimnProgram(source, main);
    }

    /**
     * Runs a compiled program to completion on an engine of its own, built from
     * {@code options} ({@code cores}, {@code pin}) and closed afterwards; {@code print} goes to
     * {@code out}, diagnostics of an unhandled error and {@code --stats} to {@code err}.
     *
     * @return the exit status: 0 on success, 1 on an unhandled runtime error
     */
    public static int run(CompiledProgram program, RunOptions options, PrintStream out, PrintStream err) {
        try (Engine engine = engine(options)) {
            return run(engine, program, options, out, err);
        }
    }

    /** An engine with the carriers and pinning of {@code options}. */
    public static Engine engine(RunOptions options) {
        return Engine.builder().carriers(options.cores()).pin(options.pin())
                .deterministic(options.deterministic() ? options.deterministicSeed() : null).build();
    }

    /**
     * Runs a compiled program to completion on {@code engine}, which must not be running another
     * program; the engine's carriers and pinning apply, not those of {@code options}.
     *
     * @return the exit status: 0 on success, 1 on an unhandled runtime error
     * @throws IllegalStateException if the engine is closed
     */
    public static int run(Engine engine, CompiledProgram program, RunOptions options, PrintStream out, PrintStream err) {
        if (engine.isClosed()) {
            throw new IllegalStateException("the engine is closed");
        }
        LimnProgram p = (LimnProgram) program;
        long seed = options.seed() != null ? options.seed() : options.deterministic() ? 0L : System.nanoTime();
        ProgramRun run = null;
        try {
            if (options.trace() != null) {
                try {
                    ProgramRun.checkTraceWritable(options.trace());
                } catch (java.io.IOException | RuntimeException e) {
                    err.println("error: cannot write the trace to " + options.trace() + ": " + whyNotWritable(options.trace(), e));
                    err.flush();
                    return 2;
                }
            }
            run = new ProgramRun(engine, out, err, options.maxDepth(), options.trace(), seed);
            run.useTier(options.tier());
            run.watchForPartialDeadlocks();
            java.nio.file.Path aeronDir = options.aeronDir();
            // a lambda: nothing of the transport loads unless the program calls publish or subscribe
            run.remoteChannels(r -> new dev.limn.remote.RemoteLinks(r, aeronDir));
            run.runMain(new Closure(p.main(), new Box[0]), seed);
            Entry main = run.main();
            ErrorValue outOfMemory = run.outOfMemory();
            if (outOfMemory != null && main.status() != Interpreter.DONE) {
                // out of memory for good: the tasks were terminated, the exhaustion is the error
                out.flush();
                report(err, outOfMemory, p.source());
                return 1;
            }
            if (run.deadlock() != null) {
                out.flush();
                err.print(new Diagnostic("Deadlock", "every task is blocked and nothing can make progress", null, null,
                        run.deadlock()).render());
                err.flush();
                return 1;
            }
            if (main.status() == Interpreter.FAILED) {
                out.flush();
                report(err, main.error(), p.source());
                return 1;
            }
            if (main.status() == Interpreter.DONE && main.unawaitedAsyncError() != null) {
                out.flush();
                report(err, main.unawaitedAsyncError(), p.source());
                return 1;
            }
            return main.status() == Interpreter.DONE ? 0 : 1;
        } catch (DeadlockException e) {
            List<String> blocked = run.deadlock() != null ? run.deadlock() : e.blocked().stream().map(Object::toString).toList();
            err.print(new Diagnostic("Deadlock", "every task is blocked and nothing can make progress", null, null,
                    blocked).render());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.print(new Diagnostic("Interrupted", "the program was interrupted", null, null).render());
            return 1;
        } catch (RuntimeException | OutOfMemoryError | LinkageError e) {
            if (Scheduler.outOfMemoryBehind(e) != null) {
                reportOutOfMemory(err, run, p.source());
                return 1;
            }
            if (e instanceof LinkageError linkage) {
                throw linkage;
            }
            // a defect of the runtime: report it as one line, never as a Java stack trace
            err.print(new Diagnostic("InternalError", "internal error: " + e, null, null).render());
            return 1;
        } finally {
            if (run != null) {
                run.close();
                try {
                    run.writeTrace();
                } catch (java.io.IOException e) {
                    err.println("error: cannot write the trace to " + options.trace() + ": " + e.getMessage());
                }
            }
            out.flush();
            if (options.stats() && run != null) {
                err.print(run.stats());
                err.flush();
            }
        }
    }

    /** Why creating {@code file} failed with {@code e}, in the words of a usage error. */
    static String whyNotWritable(java.nio.file.Path file, Exception e) {
        java.nio.file.Path dir = file.toAbsolutePath().getParent();
        return e instanceof java.nio.file.NoSuchFileException && (dir == null || !java.nio.file.Files.isDirectory(dir))
                ? "its directory does not exist"
                : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : e instanceof java.nio.file.NoSuchFileException ? "a file cannot be created in " + dir
                : e.getMessage();
    }

    private static void report(PrintStream err, ErrorValue e, Source fallback) {
        Source src = e.source() != null ? e.source() : fallback;
        List<String> notes = new ArrayList<>();
        notes.add("in " + (e.task() == null ? "main task" : e.task()));
        if (e.blockNote() != null) {
            notes.add(e.blockNote());
        }
        err.print(new Diagnostic(e.kind, e.message.isEmpty() ? e.kind : e.message, src, e.span(), notes).render());
        err.flush();
    }

    /**
     * Running out of memory reached the run itself (its wait, or the scheduler's own work): the
     * error that put the program out of memory for good, else the last OutOfMemory raised, with
     * its place; else one without. When even that cannot be allocated, a line made of a constant.
     */
    private static void reportOutOfMemory(PrintStream err, ProgramRun run, Source source) {
        try {
            ErrorValue e = run == null ? null : run.outOfMemoryToReport();
            if (e != null) {
                report(err, e, source);
            } else {
                err.print(new Diagnostic("OutOfMemory", "the program ran out of memory", null, null).render());
            }
        } catch (OutOfMemoryError none) {
            err.print(OUT_OF_MEMORY_LINE);
        }
        err.flush();
    }

    /** Whether {@code e} is running out of memory: an OutOfMemoryError, or an error it caused (a call site that could not be linked). */
    public static boolean isOutOfMemory(Throwable e) {
        return Scheduler.outOfMemoryBehind(e) != null;
    }

    /** What {@link #reportOutOfMemory} prints when it cannot allocate its diagnostic. */
    public static final String OUT_OF_MEMORY_LINE = "error[OutOfMemory]: the program ran out of memory\n";

    /** The register bytecode listing of {@code limn disasm}. */
    public static String disassemble(CompiledProgram program) {
        return disassemble(program, false);
    }

    /** With {@code tier}, each function's listing says what the compiled tier would do with it. */
    public static String disassemble(CompiledProgram program, boolean tier) {
        return Disassembler.disassemble(((LimnProgram) program).main(), tier);
    }
}
