package dev.limn.cli;

import dev.limn.api.LimnCompileException;
import dev.limn.api.LimnRuntime;
import dev.limn.api.Program;
import dev.limn.lang.CompileException;
import dev.limn.run.CompiledProgram;
import dev.limn.run.FlightRecording;
import dev.limn.run.Limn;
import dev.limn.run.RunOptions;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParseResult;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * The {@code limn} command line (SPEC §9): {@code run}, {@code explore}, {@code check}, {@code disasm},
 * {@code version}. Exit status 0 on success, 1 on an unhandled runtime error, 2 on a compile
 * error or bad usage. Diagnostics go to stderr; only the program writes to stdout.
 *
 * <p>The command model is built with picocli's programmatic API rather than its annotations:
 * reading annotations means annotation proxies and reflection, which ran interpreted on every
 * start and cost about 70 ms of a {@code hello.lm} run (docs/design.md, "Start-up").
 */
public final class Main {
    static final int EXIT_OK = 0;
    static final int EXIT_RUNTIME_ERROR = 1;
    static final int EXIT_USAGE = 2;
    /** The most carrier threads {@code --cores} starts: more would only add start-up and shutdown cost. */
    static final int MAX_CORES = 1024;

    private final PrintStream out;
    private final PrintStream err;
    /** Whether {@code run} dumps its tasks on SIGUSR1: only in the command's own JVM ({@link #main}). */
    private final boolean dumpOnSignal;

    private Main(PrintStream out, PrintStream err, boolean dumpOnSignal) {
        this.out = out;
        this.err = err;
        this.dumpOnSignal = dumpOnSignal;
    }

    public static void main(String[] args) {
        // picocli registers converters for java.time and java.sql types by reflection, which
        // initialises those classes on every start; no option of this command line has such a type
        System.setProperty("picocli.converters.excludes", "java\\.(time|sql)\\..*");
        int status;
        try {
            status = execute(args, System.out, System.err, true);
        } catch (OutOfMemoryError | LinkageError e) {
            if (!Limn.isOutOfMemory(e)) {
                throw e;
            }
            // the last resort: the heap ran out where not even a diagnostic could be built
            System.out.flush();
            System.err.print(Limn.OUT_OF_MEMORY_LINE);
            System.err.flush();
            Runtime.getRuntime().halt(EXIT_RUNTIME_ERROR);
            return;
        }
        if (status == EXIT_OK && onlyDaemonsLeft()) {
            // returning ends the JVM with status 0 and runs the shutdown hooks, as System.exit(0)
            // would, without Runtime.exit's lookup of a System.Logger for its exit log
            // (docs/design.md, "Start-up": a few milliseconds of every run)
            return;
        }
        System.exit(status);
    }

    /** Whether every live thread but this one is a daemon, so that returning from main ends the JVM. */
    private static boolean onlyDaemonsLeft() {
        Thread self = Thread.currentThread();
        ThreadGroup root = self.getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int n = root.enumerate(threads, true);
        if (n == threads.length) {
            return false; // more threads than counted a moment ago: do not guess
        }
        for (int i = 0; i < n; i++) {
            if (threads[i] != self && !threads[i].isDaemon() && threads[i].isAlive()) {
                return false;
            }
        }
        return true;
    }

    /** Runs the command line with the given streams, installing no signal handler; returns the exit status. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        return execute(args, out, err, false);
    }

    private static int execute(String[] args, PrintStream out, PrintStream err, boolean dumpOnSignal) {
        CommandLine cli = new CommandLine(new Main(out, err, dumpOnSignal).commandSpec(args.length > 0 ? args[0] : null));
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setExitCodeExceptionMapper(e -> EXIT_USAGE);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            err.println("error: internal error: " + e);
            return EXIT_RUNTIME_ERROR;
        });
        return cli.execute(args);
    }

    /**
     * The command tree; the text here is what {@code limn --help} and usage errors print. When
     * {@code first} names a command, the tree holds that command alone: each command's parser
     * costs milliseconds of every start-up to build, and parsing its arguments, its help and its
     * usage errors need no other (an unknown command, or none, gets the whole tree).
     */
    private CommandSpec commandSpec(String first) {
        CommandSpec limn = command("Runs Limn programs: a small scripting language with structured concurrency.",
                args -> {
                    throw new CommandLine.ParameterException(args.commandSpec().commandLine(), "missing command");
                });
        limn.name("limn").versionProvider(new Version());
        limn.usageMessage().synopsisSubcommandLabel("COMMAND");
        // What mixinStandardHelpOptions adds, spelled out: that mixin is read from annotations.
        limn.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                .description("Show this help message and exit.").build());
        limn.addOption(OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("Print version information and exit.").build());

        Map<String, Supplier<CommandSpec>> commands = new LinkedHashMap<>();
        commands.put("run", this::runCommand);
        commands.put("explore", this::exploreCommand);
        commands.put("check", () -> {
            CommandSpec check = command("Compile FILE and report errors without running it.", this::check);
            check.addPositional(fileParameter());
            return check;
        });
        commands.put("disasm", () -> {
            CommandSpec disasm = command("Print the register bytecode of FILE.", this::disasm);
            disasm.addPositional(fileParameter());
            disasm.addOption(OptionSpec.builder("--tier").type(boolean.class)
                    .description("say what the compiled tier would do with each function: compiled or why not, "
                            + "its entries, the instructions it does not specialise").build());
            return disasm;
        });
        commands.put("version", () -> command("Print the Limn version.", this::version));
        boolean one = first != null && commands.containsKey(first);
        for (Map.Entry<String, Supplier<CommandSpec>> c : commands.entrySet()) {
            if (one && !c.getKey().equals(first)) {
                continue;
            }
            CommandSpec sub = c.getValue().get();
            sub.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                    .description("Show this help message and exit.").build());
            limn.addSubcommand(c.getKey(), sub);
        }
        return limn;
    }

    private CommandSpec runCommand() {
        CommandSpec run = command("Compile and run FILE.", this::run);
        run.addPositional(fileParameter());
        run.addOption(OptionSpec.builder("--cores").paramLabel("N").type(int.class)
                .description("carrier threads (default: available processors)").build());
        run.addOption(OptionSpec.builder("--pin").type(boolean.class)
                .description("pin carrier threads to cores").build());
        run.addOption(OptionSpec.builder("--stats").type(boolean.class)
                .description("print runtime statistics to stderr at exit").build());
        run.addOption(OptionSpec.builder("--seed").paramLabel("N").type(Long.class)
                .description("seed of random() and randint(), and of --deterministic's choices").build());
        run.addOption(OptionSpec.builder("--max-depth").paramLabel("N").type(int.class)
                .defaultValue(Integer.toString(RunOptions.DEFAULT_MAX_DEPTH))
                .description("call depth limit (default: ${DEFAULT-VALUE})").build());
        run.addOption(OptionSpec.builder("--tier").paramLabel("MODE").type(String.class)
                .description("compile hot code to JVM bytecode: off, auto (default) or always").build());
        run.addOption(OptionSpec.builder("--deterministic").type(boolean.class)
                .description("one carrier, every scheduling choice drawn from --seed (default 0), virtual time: "
                        + "the same seed gives the same run").build());
        run.addOption(OptionSpec.builder("--trace").paramLabel("FILE").type(String.class)
                .description("write each task's runs on the carriers to FILE (Trace Event JSON: chrome://tracing, Perfetto)").build());
        run.addOption(OptionSpec.builder("--aeron-dir").paramLabel("DIR").type(String.class)
                .description("media driver directory of publish() and subscribe(): the driver running there, "
                        + "else one started there (default: a driver of the run's own)").build());
        run.addOption(OptionSpec.builder("--jfr").paramLabel("FILE").type(String.class)
                .description("record Limn's flight recorder events and write them to FILE at exit "
                        + "(read with: jfr print --events 'limn.*' FILE)").build());
        return run;
    }

    private CommandSpec exploreCommand() {
        CommandSpec explore = command("Run FILE deterministically under many seeds and report each distinct outcome "
                + "(output, exit status, error kind) with the seed that replays it.", this::explore);
        explore.addPositional(fileParameter());
        explore.addOption(OptionSpec.builder("--runs").paramLabel("N").type(int.class).defaultValue("100")
                .description("how many seeds to run (default: ${DEFAULT-VALUE})").build());
        explore.addOption(OptionSpec.builder("--seed").paramLabel("S").type(long.class).defaultValue("0")
                .description("the first seed; the runs take S, S+1, ... (default: ${DEFAULT-VALUE})").build());
        explore.addOption(OptionSpec.builder("--max-depth").paramLabel("N").type(int.class)
                .defaultValue(Integer.toString(RunOptions.DEFAULT_MAX_DEPTH))
                .description("call depth limit (default: ${DEFAULT-VALUE})").build());
        return explore;
    }

    /** A command whose action reads its own parse result. */
    private static CommandSpec command(String description, Action action) {
        ActionCall call = new ActionCall(action);
        call.spec = CommandSpec.wrapWithoutInspection(call);
        call.spec.usageMessage().description(description);
        return call.spec;
    }

    /**
     * A command's action, called with the command's parse result. A class, not a lambda: a
     * lambda capturing the command is spun at run time, which start-up pays for
     * (docs/design.md, "Start-up").
     */
    private static final class ActionCall implements Callable<Integer> {
        private final Action action;
        private CommandSpec spec;

        ActionCall(Action action) {
            this.action = action;
        }

        @Override
        public Integer call() throws Exception {
            return action.call(spec.commandLine().getParseResult());
        }
    }

    private static PositionalParamSpec fileParameter() {
        return PositionalParamSpec.builder().paramLabel("FILE").type(String.class).arity("1").required(true)
                .description("the .lm program").build();
    }

    @FunctionalInterface
    private interface Action {
        int call(ParseResult args);
    }

    private int run(ParseResult args) {
        int cores = args.matchedOptionValue("--cores", 0);
        if (args.hasMatchedOption("--cores") && (cores < 1 || cores > MAX_CORES)) {
            err.println("error: --cores must be from 1 to " + MAX_CORES + ", got " + cores);
            return EXIT_USAGE;
        }
        int maxDepth = args.matchedOptionValue("--max-depth", RunOptions.DEFAULT_MAX_DEPTH);
        if (maxDepth < 1) {
            err.println("error: --max-depth must be >= 1, got " + maxDepth);
            return EXIT_USAGE;
        }
        String file = args.matchedPositionalValue(0, null);
        String text = read(file);
        if (text == null) {
            return EXIT_USAGE;
        }
        // the embedding API's runtime, as a host would build it
        LimnRuntime.Builder builder = LimnRuntime.builder().carriers(cores).pin(args.hasMatchedOption("--pin"))
                .maxDepth(maxDepth).out(out).err(err).stats(args.hasMatchedOption("--stats"))
                .deterministic(args.hasMatchedOption("--deterministic"));
        Long seed = args.matchedOptionValue("--seed", (Long) null);
        if (seed != null) {
            builder.seed(seed);
        }
        String trace = args.matchedOptionValue("--trace", (String) null);
        if (trace != null) {
            builder.trace(Path.of(trace));
        }
        String aeronDir = args.matchedOptionValue("--aeron-dir", (String) null);
        if (aeronDir != null) {
            builder.aeronDir(Path.of(aeronDir));
        }
        String tier = args.matchedOptionValue("--tier", (String) null);
        if (tier != null) {
            try {
                builder.tier(tier);
            } catch (IllegalArgumentException e) {
                err.println("error: --tier: " + e.getMessage());
                return EXIT_USAGE;
            }
        }
        String jfr = args.matchedOptionValue("--jfr", (String) null);
        if (jfr == null) {
            return run(builder, file, text);
        }
        FlightRecording recording = FlightRecording.start(Path.of(jfr), err);
        if (recording == null) {
            return EXIT_USAGE;
        }
        int status = EXIT_RUNTIME_ERROR;
        boolean written;
        try {
            status = run(builder, file, text);
        } finally {
            out.flush();
            written = recording.finish(); // after the runtime closed: every event of the run is in
        }
        return written || status != EXIT_OK ? status : EXIT_RUNTIME_ERROR;
    }

    /** Builds the runtime, compiles {@code text} and runs it; the exit status. */
    private int run(LimnRuntime.Builder builder, String file, String text) {
        try (LimnRuntime rt = builder.build()) {
            Program program;
            try {
                program = rt.compile(file, text);
            } catch (LimnCompileException e) {
                err.print(render(e));
                err.flush();
                return EXIT_USAGE;
            }
            TaskDumpSignal dumps = dumpOnSignal ? TaskDumpSignal.install(rt, err) : null;
            try {
                int status = rt.run(program);
                out.flush();
                return status;
            } finally {
                if (dumps != null) {
                    dumps.close();
                }
            }
        }
    }

    /** The diagnostics of {@code e} as {@code limn check} prints them. */
    private static String render(LimnCompileException e) {
        StringBuilder sb = new StringBuilder();
        for (LimnCompileException.Diagnostic d : e.diagnostics()) {
            sb.append(d.rendered()).append('\n');
        }
        if (e.diagnostics().size() > 1) {
            sb.append("error: could not compile ").append(e.diagnostics().getFirst().file())
                    .append(" (").append(e.diagnostics().size()).append(" errors)\n");
        }
        return sb.toString();
    }

    private int explore(ParseResult args) {
        int runs = args.matchedOptionValue("--runs", 100);
        if (runs < 1) {
            err.println("error: --runs must be >= 1, got " + runs);
            return EXIT_USAGE;
        }
        int maxDepth = args.matchedOptionValue("--max-depth", RunOptions.DEFAULT_MAX_DEPTH);
        if (maxDepth < 1) {
            err.println("error: --max-depth must be >= 1, got " + maxDepth);
            return EXIT_USAGE;
        }
        long seed = args.matchedOptionValue("--seed", 0L);
        String file = args.matchedPositionalValue(0, null);
        String text = read(file);
        if (text == null) {
            return EXIT_USAGE;
        }
        CompiledProgram program;
        try {
            program = Limn.compile(file, text);
        } catch (CompileException e) {
            err.print(e.render());
            err.flush();
            return EXIT_USAGE;
        }
        return Explore.explore(file, text, program, runs, seed, RunOptions.defaults().withMaxDepth(maxDepth).withCores(1), out);
    }

    private int check(ParseResult args) {
        return load(args.matchedPositionalValue(0, null)) == null ? EXIT_USAGE : EXIT_OK;
    }

    private int disasm(ParseResult args) {
        CompiledProgram program = load(args.matchedPositionalValue(0, null));
        if (program == null) {
            return EXIT_USAGE;
        }
        out.print(Limn.disassemble(program, args.hasMatchedOption("--tier")));
        out.flush();
        return EXIT_OK;
    }

    private int version(ParseResult args) {
        for (String line : new Version().getVersion()) {
            out.println(line);
        }
        return EXIT_OK;
    }

    /** Reads and compiles FILE, reporting problems on stderr; null when it did not compile. */
    CompiledProgram load(String file) {
        String text = read(file);
        if (text == null) {
            return null;
        }
        try {
            return Limn.compile(file, text);
        } catch (CompileException e) {
            err.print(e.render());
            err.flush();
            return null;
        }
    }

    /** Reads FILE as UTF-8, reporting problems on stderr; null when it cannot. */
    private String read(String file) {
        String text;
        try {
            byte[] bytes = Files.readAllBytes(Path.of(file));
            text = decodeUtf8(bytes);
            if (text == null) {
                err.println("error: cannot read " + file + ": it is not UTF-8 (invalid byte at offset "
                        + firstInvalidUtf8(bytes) + ")");
                return null;
            }
        } catch (NoSuchFileException e) {
            err.println("error: no such file: " + file);
            return null;
        } catch (IOException | java.io.UncheckedIOException e) {
            err.println("error: cannot read " + file + ": " + e.getMessage());
            return null;
        }
        return text;
    }

    /** {@code bytes} as UTF-8, or null when they are not valid UTF-8 (never a replacement character). */
    static String decodeUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** The offset of the first byte that does not belong to a valid UTF-8 sequence; -1 when all are valid. */
    static int firstInvalidUtf8(byte[] bytes) {
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult result = decoder.decode(in, out, true);
        return result.isError() ? in.position() : -1;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {
                "limn " + (v == null ? "dev" : v),
                "JVM " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"
            };
        }
    }
}
