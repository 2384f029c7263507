package dev.limn.cli;

import dev.limn.api.CompiledProgram;
import dev.limn.api.Limn;
import dev.limn.api.RunOptions;
import dev.limn.lang.CompileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * The {@code limn} command line (SPEC §9): {@code run}, {@code check}, {@code disasm},
 * {@code version}. Exit status 0 on success, 1 on an unhandled runtime error, 2 on a compile
 * error or bad usage. Diagnostics go to stderr; only the program writes to stdout.
 */
@Command(name = "limn", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Runs Limn programs: a small scripting language with structured concurrency.",
        subcommands = {Main.Run.class, Main.Check.class, Main.Disasm.class, Main.VersionCommand.class},
        synopsisSubcommandLabel = "COMMAND")
public final class Main implements Runnable {
    static final int EXIT_OK = 0;
    static final int EXIT_RUNTIME_ERROR = 1;
    static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final PrintStream out;
    private final PrintStream err;

    private Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err));
    }

    /** Runs the command line with the given streams; returns the exit status. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new Main(out, err));
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setExitCodeExceptionMapper(e -> EXIT_USAGE);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            err.println("error: internal error: " + e);
            return EXIT_RUNTIME_ERROR;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    /** Reads and compiles FILE, reporting problems on stderr; null when it did not compile. */
    CompiledProgram load(String file) {
        String text;
        try {
            text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            err.println("error: no such file: " + file);
            return null;
        } catch (IOException | java.io.UncheckedIOException e) {
            err.println("error: cannot read " + file + ": " + e.getMessage());
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

    @Command(name = "run", description = "Compile and run FILE.")
    static final class Run implements Callable<Integer> {
        @CommandLine.ParentCommand
        Main parent;

        @Parameters(paramLabel = "FILE", description = "the .lm program")
        String file;

        @Option(names = "--cores", paramLabel = "N", description = "carrier threads (default: available processors)")
        int cores;

        @Option(names = "--pin", description = "pin carrier threads to cores")
        boolean pin;

        @Option(names = "--stats", description = "print runtime statistics to stderr at exit")
        boolean stats;

        @Option(names = "--seed", paramLabel = "N", description = "seed of random() and randint()")
        Long seed;

        @Option(names = "--max-depth", paramLabel = "N", description = "call depth limit (default: ${DEFAULT-VALUE})")
        int maxDepth = RunOptions.DEFAULT_MAX_DEPTH;

        @Override
        public Integer call() {
            if (cores < 0 || maxDepth < 1) {
                parent.err.println("error: --cores must be >= 1 and --max-depth >= 1");
                return EXIT_USAGE;
            }
            CompiledProgram program = parent.load(file);
            if (program == null) {
                return EXIT_USAGE;
            }
            RunOptions options = new RunOptions(cores, pin, stats, seed, maxDepth);
            int status = Limn.run(program, options, parent.out, parent.err);
            parent.out.flush();
            return status;
        }
    }

    @Command(name = "check", description = "Compile FILE and report errors without running it.")
    static final class Check implements Callable<Integer> {
        @CommandLine.ParentCommand
        Main parent;

        @Parameters(paramLabel = "FILE", description = "the .lm program")
        String file;

        @Override
        public Integer call() {
            return parent.load(file) == null ? EXIT_USAGE : EXIT_OK;
        }
    }

    @Command(name = "disasm", description = "Print the register bytecode of FILE.")
    static final class Disasm implements Callable<Integer> {
        @CommandLine.ParentCommand
        Main parent;

        @Parameters(paramLabel = "FILE", description = "the .lm program")
        String file;

        @Override
        public Integer call() {
            CompiledProgram program = parent.load(file);
            if (program == null) {
                return EXIT_USAGE;
            }
            parent.out.print(Limn.disassemble(program));
            parent.out.flush();
            return EXIT_OK;
        }
    }

    @Command(name = "version", description = "Print the Limn version.")
    static final class VersionCommand implements Callable<Integer> {
        @CommandLine.ParentCommand
        Main parent;

        @Override
        public Integer call() {
            for (String line : new Version().getVersion()) {
                parent.out.println(line);
            }
            return EXIT_OK;
        }
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
